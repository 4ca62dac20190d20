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
random, embedding, einsum, top-k, control flow, script ops) build on the core; composites either combine
primitives (their gradient comes for free) or declare their own gradient.

Loops sit on top of cond (their contexts extend cond's):

    while_op        the While op (cond/body sub-graphs compiled once into plans) and its WhileGrad
    while_loop      kf.while_loop: nested loop variables, shape invariants, checks
    functional_ops  map_fn, scan, foldl, foldr (on the While op's sliced inputs and stacked emits)
    case_ops        case, switch_case (a chain of conds on one branch index)

TensorArrays sit beside the loops (a TensorArray is a loop variable as its two tensors):

    tensor_array_ops  the TensorArray's ops on a dense buffer and a written-mask, with gradients
    tensor_array      kf.TensorArray (write, read, stack, unstack, scatter, gather, concat, split, size)
"""
