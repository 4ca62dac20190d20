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
from kflow.engine.operation import Operation
from kflow.engine.op_def import OpDef, RegisterGradient, NotDifferentiable
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
                                        where, where_v2)
from kflow.engine.ops.reduction_ops import (reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_prod,
                                            reduce_any, reduce_all, argmax, argmin)
from kflow.engine.ops.slicing import newaxis
from kflow.engine.ops import overloads as _overloads
from kflow.engine.gradients import gradients

_overloads.install(Variable)
negative = negative
subtract = subtract
newaxis = newaxis

from kflow.version import __version__  # noqa: E402,F401
from kflow.engine.ops.array_ops import range, linspace, lin_space, eye, one_hot
from kflow.engine.ops.shape_ops import (transpose, expand_dims, squeeze, tile, pad, reverse, reverse_v2,
                                        broadcast_to)
from kflow.engine.ops.concat_ops import concat, stack, unstack, split, parallel_stack
from kflow.engine.ops.gather_ops import gather, slice, boolean_mask
from kflow.engine.ops.reduction_ops import cumsum
from kflow.engine.ops.einsum_op import einsum
from kflow.engine.ops.clip_ops import clip_by_value, clip_by_norm, clip_by_global_norm, global_norm
from kflow.engine.ops.random_ops import (random_normal, random_uniform, truncated_normal, random_shuffle,
                                         multinomial)
from kflow import random
from kflow import summary, metrics
from kflow.summary import Summary, SessionLog, Event, HistogramProto, GraphDef
from kflow import train
from kflow.layers.variable_scope import (variable_scope, variable_op_scope, get_variable, get_local_variable,
                                         get_variable_scope, VariableScope, AUTO_REUSE, no_regularizer)
from kflow.initializers import (zeros_initializer, ones_initializer, constant_initializer,
                                random_normal_initializer, truncated_normal_initializer, random_uniform_initializer,
                                glorot_uniform_initializer, glorot_normal_initializer, variance_scaling_initializer,
                                orthogonal_initializer, he_normal, he_uniform, lecun_normal, lecun_uniform)
from kflow import layers, initializers
from kflow import keras, estimator
from kflow.nn.sequence_ops import reverse_sequence
from kflow import nn, losses
from kflow.layers import rnn as _rnn, rnn_cell as _rnn_cell

# kf.nn is one public namespace, but its RNN part is made of layers (cells own weights), which stand above kflow.nn
# in the package order; the root, the one module allowed to import every package, completes kf.nn with them.
nn.rnn_cell = _rnn_cell
nn.dynamic_rnn, nn.static_rnn = _rnn.dynamic_rnn, _rnn.static_rnn
nn.bidirectional_dynamic_rnn = _rnn.bidirectional_dynamic_rnn
nn.static_bidirectional_rnn = _rnn.static_bidirectional_rnn
from kflow import data, io, sparse
from kflow import io as python_io
from kflow.data.example import parse_single_example, parse_example, decode_raw
from kflow.data.example import FixedLenFeature, VarLenFeature, FixedLenSequenceFeature
from kflow.sparse import SparseTensor, SparseTensorValue, sparse_tensor_to_dense
from kflow.engine.ops.script_ops import py_func, numpy_function

# functional control flow (issue 16, item 1)
from kflow.engine.ops.while_loop import while_loop
from kflow.engine.ops.functional_ops import map_fn, scan, foldl, foldr
from kflow.engine.ops.case_ops import case, switch_case
from kflow.layers.raw_rnn import raw_rnn as _raw_rnn
nn.raw_rnn = _raw_rnn

# program scaffolding: app/flags, logging, gfile (issue 16)
from kflow.platform import app, flags, gfile
from kflow.platform import tf_logging as logging

# queue-based input (issue 16)
from kflow.data.queue import (QueueBase, FIFOQueue, PaddingFIFOQueue, RandomShuffleQueue, ReaderBase,
                              TFRecordReader, WholeFileReader, TextLineReader, FixedLengthRecordReader, IdentityReader,
                              read_file, matching_files, decode_csv)
from kflow.engine.count_up_to import count_up_to


# program scaffolding: printing, py_function, TF1 aliases (issue 16)
from kflow.engine.ops.logging_ops import Print, print_v2 as print
from kflow.engine.ops.script_ops import py_function
from kflow.engine.tf1_aliases import (arg_max, arg_min, to_double, identity_n, is_tensor,
                                      initialize_variables, initialize_local_variables, tables_initializer,
                                      initialize_all_tables, op_scope, dimension_value, dimension_at_index,
                                      no_gradient, colocate_with)
from kflow.errors import OpError
from kflow.data import queue
from kflow.version import __version__ as VERSION
from kflow.platform.tf_logging import get_logger

# kf.image and nn/train breadth (issue 16, items 6-7)
from kflow import image

# array, math and linear-algebra breadth: kf.math, kf.linalg and their TF1 top-level names (issue 16, items 4-5)
from kflow import math, linalg
from kflow.engine.ops.scatter_ops import (gather_nd, scatter_nd, tensor_scatter_nd_update, tensor_scatter_nd_add,
                                          tensor_scatter_nd_sub, tensor_scatter_update, tensor_scatter_add,
                                          tensor_scatter_sub)
from kflow.engine.variable_scatter import (scatter_update, scatter_add, scatter_sub, scatter_mul, scatter_div,
                                           scatter_max, scatter_min, scatter_nd_update, scatter_nd_add,
                                           scatter_nd_sub)
from kflow.engine.ops.segment_ops import (segment_sum, segment_mean, segment_max, segment_min, segment_prod,
                                          unsorted_segment_sum, unsorted_segment_mean, unsorted_segment_max,
                                          unsorted_segment_min, unsorted_segment_prod, sparse_segment_sum,
                                          sparse_segment_mean, sparse_segment_sqrt_n)
from kflow.engine.ops.sort_ops import sort, argsort, unique, unique_with_counts, searchsorted
from kflow.engine.ops.math_composites import cumprod, reduce_logsumexp, tensordot
from kflow.engine.ops.rearrange_ops import roll, repeat, sequence_mask
from kflow.engine.ops.counting_ops import bincount, histogram_fixed_width
from kflow.engine.ops.diag_ops import (matrix_band_part, matrix_diag, matrix_diag_part, matrix_set_diag, diag,
                                       diag_part)
from kflow.engine.ops.linalg_ops import (matrix_inverse, matrix_determinant, matrix_solve, matrix_triangular_solve,
                                         cholesky, matrix_transpose)
from kflow.engine.ops.decomposition_ops import qr, svd, self_adjoint_eig, self_adjoint_eigvals
from kflow.engine.ops.linalg_composites import matrix_solve_ls, cholesky_solve, trace, norm, cross
from kflow.math import (tan, sinh, cosh, asin, acos, atan, asinh, acosh, atanh, atan2, expm1, rint, log_sigmoid,
                        scalar_mul, accumulate_n, count_nonzero, confusion_matrix, invert_permutation,
                        is_non_decreasing, is_strictly_increasing, unsorted_segment_sqrt_n, erf, erfc)
from kflow.math import divide_no_nan as div_no_nan
from kflow.engine.indexed_slices import IndexedSlices
from kflow.io import encode_base64, decode_base64, decode_compressed
io.write_graph = summary.write_graph  # tf.io.write_graph; kflow.io stands below kflow.summary in the package order

# distributed training over MPI and the TF1 cluster API (issue 19): kf.train.Server needs kflow.distribute,
# which stands above kflow.train, so the root completes kf.train with it
from kflow import distribute
train.Server = distribute.Server

# eager execution, GradientTape and kf.function (issue 17)
from kflow.engine.eager import (enable_eager_execution, enable_v2_behavior, executing_eagerly, eager_mode,
                                graph_mode, GradientTape, UnconnectedGradients, function, EagerTensor)

# TensorArray and run tracing (issue 16, TF1 breadth)
from kflow.engine.ops.tensor_array import TensorArray
from kflow.engine.run_metadata import RunOptions, RunMetadata

# kf.function's input signatures
from kflow.engine.tensor_spec import TensorSpec  # noqa: E402

# TF1 namespaces (round 2): kf.test, kf.debugging, kf.strings, kf.nest, kf.sets, kf.dtypes and TF1 top-level names
from kflow import debugging, strings, nest, sets, dtypes
from kflow.lazy_import import lazy_module as _lazy_module
test = _lazy_module("kflow.test")  # unittest and friends load only when a program uses kf.test
from kflow.dtypes import saturate_cast
from kflow.debugging import (Assert, assert_equal, assert_none_equal, assert_less, assert_less_equal, assert_greater,
                             assert_greater_equal, assert_positive, assert_negative, assert_non_negative,
                             assert_non_positive, assert_near, assert_rank, assert_rank_at_least, assert_rank_in,
                             assert_type, assert_integer, assert_scalar, assert_same_float_dtype,
                             assert_proper_iterable, check_numerics, is_numeric_tensor)
from kflow.engine.ops.check_ops import verify_tensor_all_finite, add_check_numerics_ops
from kflow.strings import (string_split, string_join, string_strip, substr, regex_replace, string_to_number,
                           string_to_hash_bucket, string_to_hash_bucket_fast, string_to_hash_bucket_strong,
                           as_string, reduce_join)

# feature columns and premade Estimators (issue 16, TF1 breadth)
from kflow import feature_column  # noqa: E402
