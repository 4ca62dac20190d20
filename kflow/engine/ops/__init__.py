"""The op library: each file one op family; each op declared once (``OpDef``: kernel, gradient, traits).

Files import downward only (``tests/engine/test_engine_layers.py`` checks it). Bottom up, the primitive core
that every gradient is built from:

    constant_op     Const, placeholders, Pack/Unpack (convert_to_tensor packs lists), zeros_like/ones_like
    params          static-or-dynamic op parameters (make_param_op)
    identity_ops    identity, stop_gradient, no_op, group, tuple
    elementwise     broadcasting op builders, unbroadcast/broadcast_like, cast
    comparison_ops  comparisons, logical ops, where_v2
    unary_math_ops  neg, square, sqrt, exp, log, tanh, sigmoid, ...
    reshape_ops     shape, size, rank, reshape
    shape_ops       transpose, expand_dims, squeeze, tile, pad, reverse, broadcast_to
    math_ops        binary arithmetic, matmul, add_n
    reduction_ops   reduce_*, argmax/argmin, cumsum
    array_ops       fill/zeros/ones, where (TF1), range, linspace, eye, one_hot
    concat_ops      concat, split, stack, unstack

Above them the composite families (gather, slicing, clip, nn, conv, pool, xent, dropout, normalization,
random, embedding, einsum, top-k, control flow, script ops, logging ops) build on the core; composites either combine
primitives (their gradient comes for free) or declare their own gradient.

Loops sit on top of cond (their contexts extend cond's):

    while_op        the While op (cond/body sub-graphs compiled once into plans) and its WhileGrad
    while_loop      kf.while_loop: nested loop variables, shape invariants, checks
    functional_ops  map_fn, scan, foldl, foldr (on the While op's sliced inputs and stacked emits)
    case_ops        case, switch_case (a chain of conds on one branch index)

Below the convolutions, conv_args: their shared argument checks (dtypes, ranks, strides/padding/dilations,
NCHW <-> NHWC), used by conv_ops, depthwise_conv_ops and conv3d_ops; and winograd, the Winograd routines that
conv_ops' CPU kernels run for stride-1 3x3/5x5 convolutions where they measure faster (over winograd_transforms,
their transform matrices). Below pool_ops, max_pool_2x2: the 2x2 stride-2 max pool with argmax and its gradient
(NumPy, in the batch threads).

Above conv and random: depthwise_conv_ops, conv3d_ops (and 3-D pooling), image_ops (resize, RGB/HSV),
image_transform_ops (ImageProjectiveTransformV2), candidate_sampling_ops, ctc_ops.

Issue 16's array and linear-algebra breadth, each above the core:

    scatter_ops     gather_nd, scatter_nd, tensor_scatter_nd_update/add/sub
    segment_ops     segment_*, unsorted_segment_* and sparse_segment_* reductions
    sort_ops        sort, argsort, unique, unique_with_counts, searchsorted
    math_composites cumprod, reduce_logsumexp, tensordot
    rearrange_ops   roll, repeat, sequence_mask
    counting_ops    bincount, histogram_fixed_width
    diag_ops        matrix_band_part, matrix_diag(_part), matrix_set_diag, diag, diag_part
    linalg_ops      matrix_transpose, inverse, det/slogdet, cholesky, solves (kf.linalg)
    decomposition_ops   qr, svd, eigh
    linalg_composites   cholesky_solve, lstsq, trace, logdet, norm, normalize, cross
    matrix_functions    expm, pinv, matrix_rank
    more_math_ops   trig/hyperbolic, expm1, rint, atan2, no-nan divisions, reduce_std/variance, ... (kf.math)

Above the core, string_hash_ops: TF's string hashes (FarmHash Fingerprint64, SipHash-2-4, hashed crosses) as host
ops (issue 15's Hashing, HashedCrossing and lookup layers).

TensorArrays sit beside the loops (a TensorArray is a loop variable as its two tensors):

    tensor_array_ops  the TensorArray's ops on a dense buffer and a written-mask, with gradients
    tensor_array      kf.TensorArray (write, read, stack, unstack, scatter, gather, concat, split, size)

TF1 namespaces (round 2), host ops above the core (kf.strings, kf.debugging):

    string_ops          length, upper/lower, strip, join, reduce_join, substr, regex_full_match/regex_replace
    string_convert_ops  to_number, as_string, format, the split kernel (kflow.strings wraps it in a SparseTensor)
    string_hash_ops     to_hash_bucket_fast/to_hash_bucket/to_hash_bucket_strong (bit-exact with TF's hashes)
    check_ops           Assert, assert_*, rank/dtype checks, check_numerics
    shape_assertions    assert_shapes (named dimensions across tensors)
"""
