"""``kf.math``: TF 1.15's ``tf.math`` namespace (elementwise math, reductions, segment reductions, cumulative ops),
gathered from the engine's op library. Only names that work are here (no lgamma/digamma/bessel functions:
numpy has no kernels for them).

Example:
    >>> kf.math.reduce_logsumexp(logits, axis=-1)
    >>> kf.math.unsorted_segment_sum(values, ids, num_segments=10)
"""
from kflow.engine.ops.comparison_ops import (equal, not_equal, less, less_equal, greater, greater_equal,
                                             logical_and, logical_or, logical_xor, logical_not, is_nan, is_finite,
                                             is_inf)
from kflow.engine.ops.math_ops import (add, subtract, multiply, divide, truediv, floordiv, mod, floormod, pow,
                                       maximum, minimum, squared_difference, negative, square, sqrt, rsqrt,
                                       reciprocal, exp, log, log1p, abs, sign, sin, cos, tanh, sigmoid, floor, ceil,
                                       round, add_n)
from kflow.engine.ops.reduction_ops import (reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_prod,
                                            reduce_any, reduce_all, argmax, argmin, cumsum)
from kflow.engine.ops.nn_ops import softplus, softsign, softmax, log_softmax
from kflow.engine.ops.normalization_ops import l2_normalize
from kflow.engine.ops.topk_ops import top_k, in_top_k
from kflow.engine.ops.math_composites import cumprod, reduce_logsumexp
from kflow.engine.ops.counting_ops import bincount
from kflow.engine.ops.segment_ops import (segment_sum, segment_mean, segment_max, segment_min, segment_prod,
                                          unsorted_segment_sum, unsorted_segment_mean, unsorted_segment_max,
                                          unsorted_segment_min, unsorted_segment_prod)
from kflow.engine.ops.more_math_ops import (tan, sinh, cosh, asin, acos, atan, asinh, acosh, atanh, atan2, expm1,
                                            rint, divide_no_nan, reciprocal_no_nan, multiply_no_nan, xlogy, xdivy,
                                            log_sigmoid, scalar_mul, accumulate_n, reduce_variance, reduce_std,
                                            reduce_euclidean_norm, count_nonzero, polyval, confusion_matrix,
                                            invert_permutation, is_non_decreasing, is_strictly_increasing,
                                            unsorted_segment_sqrt_n, erf, erfc)
from kflow.nn import zero_fraction
