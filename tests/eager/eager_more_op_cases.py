"""Eager-vs-graph gradient cases for the math, linalg, scatter/segment, image, 3-D/depthwise conv, CTC, logging
and TensorArray ops: ``(id, fn, inputs)`` as in tests/engine/ops/test_ops_gradients.py; float inputs are differentiated, integer
ones fed but not. Inputs keep each op well conditioned (inside acos/atanh domains, SPD matrices for cholesky,
distinct singular values and eigenvalues for svd/eigh, no ties for max pooling)."""
import numpy as np

import kflow as kf


def _rand(*shape, low=-1.0, high=1.0, seed=0):
    return np.random.RandomState(seed).uniform(low, high, size=shape)


X = _rand(3, 4, low=-0.9, high=0.9, seed=31)  # inside the asin/acos/atanh domains
SQ = _rand(2, 3, 3, seed=32) + 3.0 * np.eye(3)  # invertible, well conditioned
RHS = _rand(2, 3, 2, seed=33)
TALL = np.array([[3.0, 0.2, 0.1], [0.4, 2.0, -0.3], [0.1, -0.2, 1.0], [0.5, 0.3, 0.2], [-0.2, 0.1, 0.4]])
_Q = np.linalg.qr(_rand(3, 3, seed=34))[0]
SPD = _Q @ np.diag([1.0, 2.0, 4.0]) @ _Q.T  # distinct eigenvalues
IDX = np.array([[0, 1], [2, 0], [1, 1]])
SEG = np.array([0, 0, 1, 2, 2])
SEG_DATA = _rand(5, 3, seed=35)


def _sym(a):
    return (a + kf.linalg.matrix_transpose(a)) * 0.5


def _svd_sign_free(a):
    s, u, v = kf.linalg.svd(a)
    return [s, u * u, v * v, kf.matmul(u * s[None], v, transpose_b=True)]


def _eigh_sign_free(a):
    e, v = kf.linalg.eigh(_sym(a))
    return [e, v * v]


def _ctc(logits):
    labels = kf.SparseTensor(np.array([[0, 0], [0, 1], [1, 0]], np.int64), np.array([1, 2, 1], np.int32), [2, 2])
    return kf.nn.ctc_loss(labels, logits, np.array([4, 3], np.int32))


MATH = [
    ("tan", kf.math.tan, [X]),
    ("sinh", kf.math.sinh, [X]),
    ("cosh", kf.math.cosh, [X]),
    ("asin", kf.math.asin, [X]),
    ("acos", kf.math.acos, [X]),
    ("atan", kf.math.atan, [X]),
    ("asinh", kf.math.asinh, [X]),
    ("acosh", kf.math.acosh, [X + 2.0]),
    ("atanh", kf.math.atanh, [X]),
    ("atan2", kf.math.atan2, [X, _rand(4, low=0.3, high=1.0, seed=36) * np.array([1, -1, 1, -1])]),
    ("expm1", kf.math.expm1, [X]),
    ("erf", kf.math.erf, [X * 2.0]),
    ("erfc", kf.math.erfc, [X * 2.0]),
    ("cumprod", lambda x: kf.math.cumprod(x, axis=1), [X + 2.0]),
    ("cumprod_exclusive_reverse", lambda x: kf.math.cumprod(x, 0, exclusive=True, reverse=True), [X + 2.0]),
]

LINALG = [
    ("cholesky", lambda a: kf.linalg.cholesky(_sym(a)), [SPD]),
    ("matrix_inverse", kf.linalg.inv, [SQ]),
    ("matrix_determinant", kf.linalg.det, [SQ]),
    ("log_matrix_determinant", lambda a: kf.linalg.slogdet(a)[1], [SQ]),
    ("matrix_solve", kf.linalg.solve, [SQ, RHS]),
    ("matrix_triangular_solve", kf.linalg.triangular_solve, [SQ, RHS]),
    ("matrix_triangular_solve_upper_adjoint", lambda a, b: kf.linalg.triangular_solve(a, b, lower=False,
                                                                                        adjoint=True), [SQ, RHS]),
    ("matrix_exponential", kf.linalg.expm, [SQ * 0.3]),
    ("qr", kf.linalg.qr, [TALL]),
    ("svd", _svd_sign_free, [TALL]),
    ("self_adjoint_eig", _eigh_sign_free, [SPD]),
    ("matrix_band_part", lambda a: kf.linalg.band_part(a, 1, 0), [SQ]),
    ("matrix_diag_and_part", lambda v: kf.linalg.diag_part(kf.linalg.diag(v) * 2.0), [X]),
    ("matrix_set_diag", kf.linalg.set_diag, [SQ, _rand(2, 3, seed=37)]),
    ("diag_and_part", lambda v: kf.diag_part(kf.diag(v) * 3.0), [X]),
]

ARRAYS = [
    ("gather_nd", lambda p: kf.gather_nd(p, IDX), [_rand(3, 2, 4, seed=38)]),
    ("scatter_nd", lambda u: kf.scatter_nd(IDX, u, [3, 2, 4]), [_rand(3, 4, seed=39)]),
    ("tensor_scatter_update", lambda x, u: kf.tensor_scatter_nd_update(x, IDX[:2], u),
     [_rand(3, 2, 4, seed=40), _rand(2, 4, seed=41)]),
    ("tensor_scatter_add", lambda x, u: kf.tensor_scatter_nd_add(x, IDX, u),
     [_rand(3, 2, 4, seed=40), _rand(3, 4, seed=41)]),
    ("tensor_scatter_sub", lambda x, u: kf.tensor_scatter_nd_sub(x, IDX, u),
     [_rand(3, 2, 4, seed=40), _rand(3, 4, seed=41)]),
    ("segment_sum", lambda d: kf.math.segment_sum(d, SEG), [SEG_DATA]),
    ("segment_prod", lambda d: kf.math.segment_prod(d, SEG), [SEG_DATA]),
    ("unsorted_segment_mean", lambda d: kf.math.unsorted_segment_mean(d, np.array([2, 0, -1, 2, 1]), 3), [SEG_DATA]),
    ("roll", lambda x: kf.roll(x, [1, -2], [0, 1]), [X]),
    ("repeat", lambda x: kf.repeat(x, [1, 0, 3], 0), [X]),
]

IMAGES = _rand(2, 3, 4, 2, seed=42)
NN_MORE = [
    ("resize_bilinear", lambda x: kf.image.resize_bilinear(x, [5, 7]), [IMAGES]),
    ("resize_bilinear_align", lambda x: kf.image.resize_bilinear(x, [2, 3], align_corners=True), [IMAGES]),
    ("resize_nearest_neighbor", lambda x: kf.image.resize_nearest_neighbor(x, [5, 6]), [IMAGES]),
    ("resize_bicubic", lambda x: kf.image.resize_bicubic(x, [5, 7]), [IMAGES]),
    ("resize_area", lambda x: kf.image.resize_area(x, [2, 3]), [IMAGES]),
    ("conv3d", lambda x, w: kf.nn.conv3d(x, w, [1, 1, 2, 1, 1], "SAME"),
     [_rand(1, 3, 4, 3, 2, seed=43), _rand(2, 2, 2, 2, 3, seed=44)]),
    ("max_pool3d", lambda x: kf.nn.max_pool3d(x, [1, 2, 2, 2, 1], [1, 2, 2, 2, 1], "VALID"),
     [np.random.RandomState(45).permutation(2 * 4 * 4 * 2 * 2).reshape(2, 4, 4, 2, 2) * 0.1]),
    ("avg_pool3d", lambda x: kf.nn.avg_pool3d(x, [1, 2, 3, 2, 1], [1, 1, 2, 2, 1], "SAME"),
     [_rand(1, 3, 5, 4, 2, seed=46)]),
    ("depthwise_conv2d", lambda x, w: kf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "VALID"),
     [_rand(2, 4, 5, 2, seed=47), _rand(2, 3, 2, 2, seed=48)]),
    ("depthwise_conv2d_same_s2", lambda x, w: kf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME"),
     [_rand(1, 5, 5, 3, seed=49), _rand(3, 3, 3, 1, seed=50)]),
    ("ctc_loss", _ctc, [_rand(4, 2, 4, seed=51)]),
    ("print", lambda x: kf.Print(x, [x], "eager gradient case: ") * x, [X]),
    ("keras_print_tensor", lambda x: kf.keras.backend.print_tensor(x, "eager gradient case") * x, [X]),
]



def _ctc_batch_major(logits):
    labels = kf.SparseTensor(np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.int64), np.array([1, 1, 0, 2], np.int32),
                             [2, 2])
    return kf.nn.ctc_loss(labels, logits, np.array([5, 4], np.int32), preprocess_collapse_repeated=True,
                          time_major=False)


# the same ops with their other attributes, batches and layouts (each reaches the kernels eagerly by another path)
VARIANTS = [
    ("cholesky_batch", lambda a: kf.linalg.cholesky(_sym(a)), [np.stack([SPD, SPD @ SPD + np.eye(3)])]),
    ("matrix_inverse_adjoint", lambda a: kf.linalg.inv(a, adjoint=True), [SQ]),
    ("matrix_solve_adjoint", lambda a, b: kf.linalg.solve(a, b, adjoint=True), [SQ, RHS]),
    ("qr_square_batch", kf.linalg.qr, [SQ]),
    ("svd_wide", _svd_sign_free, [TALL.T.copy()]),
    ("svd_values_only", lambda a: kf.linalg.svd(a, compute_uv=False), [TALL]),
    ("eigvalsh", lambda a: kf.linalg.eigvalsh(_sym(a)), [SPD]),
    ("matrix_band_part_lower", lambda a: kf.linalg.band_part(a, -1, 0), [SQ]),
    ("cumprod_exclusive_last_axis", lambda x: kf.math.cumprod(x, axis=-1, exclusive=True), [X]),
    ("gather_nd_elements", lambda p: kf.gather_nd(p, np.array([[0, 1, 2], [2, 0, 3]])), [_rand(3, 2, 4, seed=52)]),
    ("segment_max", lambda d: kf.math.segment_max(d, SEG), [SEG_DATA]),
    ("segment_min", lambda d: kf.math.segment_min(d, SEG), [SEG_DATA]),
    ("segment_mean", lambda d: kf.math.segment_mean(d, SEG), [SEG_DATA]),
    ("unsorted_segment_prod", lambda d: kf.math.unsorted_segment_prod(d, np.array([2, 0, -1, 2, 1]), 3), [SEG_DATA]),
    ("repeat_flattened", lambda x: kf.repeat(x, 2), [X]),
    ("resize_bilinear_half_pixel", lambda x: kf.image.resize_bilinear(x, [5, 7], half_pixel_centers=True), [IMAGES]),
    ("resize_nearest_align", lambda x: kf.image.resize_nearest_neighbor(x, [5, 7], align_corners=True), [IMAGES]),
    ("resize_nearest_half_pixel", lambda x: kf.image.resize_nearest_neighbor(x, [2, 3], half_pixel_centers=True),
     [IMAGES]),
    ("resize_bicubic_align", lambda x: kf.image.resize_bicubic(x, [4, 6], align_corners=True), [IMAGES]),
    ("resize_bicubic_half_pixel", lambda x: kf.image.resize_bicubic(x, [2, 5], half_pixel_centers=True), [IMAGES]),
    ("resize_area_up", lambda x: kf.image.resize_area(x, [5, 6]), [IMAGES]),
    ("resize_images_3d", lambda x: kf.image.resize_images(x, [5, 6]), [IMAGES[0]]),
    ("conv3d_valid_dilated", lambda x, w: kf.nn.conv3d(x, w, [1, 1, 1, 1, 1], "VALID", dilations=[1, 1, 2, 1, 1]),
     [_rand(1, 3, 5, 3, 2, seed=53), _rand(2, 2, 2, 2, 3, seed=54)]),
    ("max_pool3d_same", lambda x: kf.nn.max_pool3d(x, [1, 2, 3, 2, 1], [1, 1, 2, 1, 1], "SAME"),
     [np.random.RandomState(55).permutation(60).reshape(1, 3, 5, 2, 2) * 0.1]),
    ("avg_pool3d_valid", lambda x: kf.nn.avg_pool3d(x, [1, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID"),
     [_rand(1, 3, 4, 3, 2, seed=56)]),
    ("depthwise_conv2d_rate", lambda x, w: kf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME", rate=[2, 2]),
     [_rand(1, 5, 6, 2, seed=57), _rand(2, 2, 2, 3, seed=58)]),
    ("depthwise_conv2d_native_nchw", lambda x, w: kf.nn.depthwise_conv2d_native(x, w, [1, 1, 1, 1], "VALID",
                                                                                  data_format="NCHW"),
     [_rand(1, 2, 4, 4, seed=59), _rand(2, 2, 2, 1, seed=60)]),
    ("separable_conv2d", lambda x, d, p: kf.nn.separable_conv2d(x, d, p, [1, 1, 1, 1], "VALID"),
     [_rand(1, 4, 4, 2, seed=61), _rand(2, 2, 2, 2, seed=62), _rand(1, 1, 4, 3, seed=63)]),
    ("ctc_loss_batch_major_collapsed", _ctc_batch_major, [_rand(2, 5, 4, seed=64)]),
]


def _write_read_stack(v):
    ta = kf.TensorArray(kf.float64, size=2).write(0, v[0]).write(1, v[1] * 2.0)
    return [ta.read(1) * ta.read(0), ta.stack()]


TA_VALUE = _rand(4, 3, seed=70)
TENSOR_ARRAYS = [
    ("tensor_array_write_read_stack", _write_read_stack, [TA_VALUE]),
    ("tensor_array_unstack_gather", lambda v: kf.TensorArray(kf.float64, size=4).unstack(v * v).gather([3, 0, 3]),
     [TA_VALUE]),
    ("tensor_array_scatter_stack", lambda v: kf.TensorArray(kf.float64, size=4).scatter([2, 0, 1, 3], v * v).stack(),
     [TA_VALUE]),
    ("tensor_array_split_concat", lambda v: kf.TensorArray(kf.float64, size=2).split(v * v, [2, 2]).concat(),
     [TA_VALUE]),
]

# TF1 namespaces (round 2): check_numerics passes its gradient through
CHECKS = [
    ("check_numerics", lambda x: kf.check_numerics(x * x, "eager gradient case") * x, [X]),
]

ALL = MATH + LINALG + ARRAYS + NN_MORE + VARIANTS + TENSOR_ARRAYS + CHECKS
