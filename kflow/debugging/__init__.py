"""kf.debugging: TF1's ``tf.debugging`` namespace (``tf.compat.v1.debugging``): run-time assertions, numeric
checks and predicates. The assertions are also TF1 top-level names (``kf.assert_equal``, ``kf.Assert``, ...).

Example:
    >>> with kf.control_dependencies([kf.debugging.assert_equal(kf.shape(x)[0], kf.shape(y)[0])]):
    ...     loss = kf.identity(loss)
"""
from kflow.engine.ops.check_ops import (Assert, assert_all_finite, assert_equal, assert_greater,
                                        assert_greater_equal, assert_integer, assert_less, assert_less_equal,
                                        assert_near, assert_negative, assert_non_negative, assert_non_positive,
                                        assert_none_equal, assert_positive, assert_proper_iterable, assert_rank,
                                        assert_rank_at_least, assert_rank_in, assert_same_float_dtype,
                                        assert_scalar, assert_type, check_numerics, is_numeric_tensor)
from kflow.engine.ops.comparison_ops import is_finite, is_inf, is_nan
from kflow.engine.ops.shape_assertions import assert_shapes
from kflow.math import is_non_decreasing, is_strictly_increasing

__all__ = ["Assert", "assert_all_finite", "assert_equal", "assert_greater", "assert_greater_equal",
           "assert_integer", "assert_less", "assert_less_equal", "assert_near", "assert_negative",
           "assert_non_negative", "assert_non_positive", "assert_none_equal", "assert_positive",
           "assert_proper_iterable", "assert_rank", "assert_rank_at_least", "assert_rank_in",
           "assert_same_float_dtype", "assert_scalar", "assert_shapes", "assert_type", "check_numerics", "is_finite",
           "is_inf",
           "is_nan", "is_non_decreasing", "is_numeric_tensor", "is_strictly_increasing"]
