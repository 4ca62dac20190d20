"""kflow: TF1-style graphs and sessions with Keras-style training, on numpy (CPU) and CuPy (GPU).

Example:
    >>> import kflow as kf
    >>> x = kf.placeholder(kf.float32, [None, 3])
    >>> y = kf.reduce_sum(x * 2.0, axis=1)
    >>> with kf.Session() as sess:
    ...     sess.run(y, {x: [[1, 2, 3]]})
    array([12.], dtype=float32)
"""
from kflow import errors
from kflow.engine.dtypes import (DType, as_dtype, float16, half, float32, float64, double, int8, int16, int32,
                                 int64, uint8, uint16, bool, string)
from kflow.engine.shapes import TensorShape, Dimension
from kflow.engine.graph import (Graph, GraphKeys, get_default_graph, reset_default_graph, name_scope,
                                control_dependencies, device, add_to_collection, add_to_collections,
                                get_collection, get_collection_ref, set_random_seed)
from kflow.engine.tensor import Tensor
from kflow.engine.operation import Operation, RegisterGradient, NotDifferentiable
from kflow.engine.session import Session, InteractiveSession, ConfigProto, GPUOptions, get_default_session
from kflow.engine.ops.constant_op import constant, convert_to_tensor, placeholder, placeholder_with_default
from kflow.engine.variables import (Variable, assign, assign_add, assign_sub, global_variables, all_variables,
                                    local_variables, trainable_variables, model_variables, variables_initializer,
                                    global_variables_initializer, initialize_all_variables,
                                    local_variables_initializer, report_uninitialized_variables,
                                    is_variable_initialized)
from kflow.engine.ops.control_flow_ops import identity, no_op, group, tuple, stop_gradient, cond
from kflow.engine.ops.math_ops import (add, subtract, multiply, divide, truediv, realdiv, div, floordiv,
                                       floor_div, mod, floormod, pow, maximum, minimum, squared_difference,
                                       negative, square, sqrt, rsqrt, reciprocal, exp, log, log1p, abs, sign,
                                       sin, cos, tanh, sigmoid, floor, ceil, round, matmul, cast, to_float,
                                       to_int32, to_int64, add_n)
from kflow.engine.ops.comparison_ops import (equal, not_equal, less, less_equal, greater, greater_equal,
                                             logical_and, logical_or, logical_xor, logical_not, is_nan,
                                             is_finite, is_inf)
from kflow.engine.ops.array_ops import (zeros, ones, fill, zeros_like, ones_like, shape, size, rank, reshape,
                                        where)
from kflow.engine.ops.reduction_ops import (reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_prod,
                                            reduce_any, reduce_all, argmax, argmin)
from kflow.engine.ops.slicing import newaxis
from kflow.engine.ops import overloads as _overloads
from kflow.engine.gradients import gradients

_overloads.install(Variable)
negative = negative
subtract = subtract
newaxis = newaxis

__version__ = "0.1.0"
