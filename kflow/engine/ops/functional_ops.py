"""TF1's functional sequence ops: map_fn, scan, foldl, foldr, on the While op.

The sequence ops hand the While op their ``elems`` as sliced inputs (iteration ``i`` reads ``elems[i]``)
and get each iteration's result back stacked, so a step costs one body-plan call, no gather or concat,
and gradients flow to ``elems``, ``initializer`` and captured tensors.

Example:
    >>> kf.scan(lambda acc, x: acc + x, kf.constant([1., 2., 3.]))          # [1., 3., 6.]
"""
from kflow.engine import dtypes
from kflow.engine.ops.concat_ops import concat
from kflow.engine.ops.constant_op import constant, convert_to_tensor
from kflow.engine.ops.math_ops import add
from kflow.engine.ops.reshape_ops import shape
from kflow.engine.ops.shape_ops import expand_dims, reverse
from kflow.engine.ops.while_loop import flatten, pack_as, structure_of
from kflow.engine.ops.while_op import build_loop


def _sequences(elems, who):
    leaves = [convert_to_tensor(x) for x in flatten(elems)]
    if not leaves:
        raise ValueError("%s: elems must contain at least one tensor" % who)
    for x in leaves:
        if x.shape.ndims == 0:
            raise ValueError("%s: elems must be tensors with a leading dimension to iterate over; '%s' is a "
                             "scalar" % (who, x.name))
    first = leaves[0].shape.dims
    n = first[0] if first is not None and first[0] is not None else shape(leaves[0])[0]
    return leaves, n


def _iterate(fn_step, elems, init, who, back_prop, name, reverse_order=False):
    """Runs ``fn_step(carry, slices) -> (new_carry, emits)`` over the leading dimension of ``elems``."""
    leaves, n = _sequences(elems, who)
    if reverse_order:
        leaves = [reverse(x, [0]) for x in leaves]
    structure = {}

    def body(vals, slices):
        i, carry = vals[0], vals[1:]
        new_carry, emits = fn_step(carry, pack_as(elems, slices), structure)
        return [add(i, 1)] + list(new_carry), emits

    def check(new_vals, emits, pred):
        for old, new in zip(init, new_vals[1:]):
            if new.dtype is not old.dtype:
                raise TypeError("%s: fn changes the accumulator's dtype from %s to %s ('%s')"
                                % (who, old.dtype.name, new.dtype.name, new.name))
            if not new.shape.is_compatible_with(old.shape):
                raise ValueError("%s: fn changes the accumulator's shape from %s to %s ('%s')"
                                 % (who, old.shape, new.shape, new.name))

    init_vals = [constant(0)] + list(init)
    # the loop ends with the sequences: no condition to evaluate per iteration
    vals, emits = build_loop(None, body, init_vals, [t.shape for t in init_vals],
                             sliced=leaves, back_prop=back_prop, name=name, check=check,
                             emit_length=n if isinstance(n, int) else None)
    return vals[1:], emits, structure


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False, infer_shape=True,
           name=None):
    """Applies ``fn`` to each slice ``elems[i]`` (elems may nest); results are stacked.

    ``dtype`` (the output structure's dtypes) is checked against what ``fn`` returns when given.

    Example:
        >>> kf.map_fn(lambda x: x * x, kf.constant([1., 2., 3.]))      # [1., 4., 9.]
    """
    def step(carry, x, structure):
        out = fn(x)
        structure["out"] = out
        flat = [convert_to_tensor(t) for t in flatten(out)]
        if dtype is not None:
            wanted = [dtypes.as_dtype(d) for d in flatten(dtype)]
            got = [t.dtype for t in flat]
            if len(wanted) != len(got) or any(w is not g for w, g in zip(wanted, got)):
                raise TypeError("map_fn: fn returns dtypes %s, but dtype says %s"
                                % ([d.name for d in got], [d.name for d in wanted]))
        return [], flat

    _, emits, structure = _iterate(step, elems, [], "map_fn", back_prop, name or "map")
    return pack_as(structure["out"], emits)


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, infer_shape=True,
         reverse=False, name=None):
    """TF1's scan: ``a = fn(a, elems[i])`` for each i; returns every ``a``, stacked.

    Without ``initializer`` the first slice is the initial accumulator (and the first output).
    ``reverse=True`` scans from the last slice to the first (outputs stay aligned with ``elems``).

    Example:
        >>> kf.scan(lambda a, x: a * x, kf.constant([1., 2., 3.]), reverse=True)   # [6., 6., 3.]
    """
    return _accumulate(fn, elems, initializer, back_prop, reverse, name or "scan", "scan", stacked=True)


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    """``a = fn(a, elems[i])`` from first to last; returns the final ``a``.

    Example:
        >>> kf.foldl(lambda a, x: a + x, kf.constant([1, 2, 3]))      # 6
    """
    return _accumulate(fn, elems, initializer, back_prop, False, name or "foldl", "foldl", stacked=False)


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    """``a = fn(a, elems[i])`` from last to first; returns the final ``a``.

    Example:
        >>> kf.foldr(lambda a, x: a - x, kf.constant([1., 2., 3.]), initializer=0.)   # -6.
    """
    return _accumulate(fn, elems, initializer, back_prop, True, name or "foldr", "foldr", stacked=False)


def _accumulate(fn, elems, initializer, back_prop, reverse_order, name, who, stacked):
    leaves = [convert_to_tensor(x) for x in flatten(elems)]
    if initializer is None:
        if any(x.shape.ndims == 0 for x in leaves):
            raise ValueError("%s: elems must have a leading dimension" % who)
        # the first slice (the last when reversed) starts the accumulator; the rest are scanned
        first = [x[-1] if reverse_order else x[0] for x in leaves]
        rest = [x[:-1] if reverse_order else x[1:] for x in leaves]
        init_struct = pack_as(elems, first)
        elems = pack_as(elems, rest)
    else:
        init_struct = initializer
    init = [convert_to_tensor(x) for x in flatten(init_struct)]

    def step(carry, x, structure):
        out = fn(pack_as(init_struct, carry), x)
        if structure_of(out) != structure_of(init_struct):
            if len(init) == 1 and not isinstance(out, (list, tuple, dict)):
                out = pack_as(init_struct, [out])
            else:
                raise ValueError("%s: fn must return the structure of the accumulator (the initializer), got %r"
                                 % (who, out))
        flat = [convert_to_tensor(t) for t in flatten(out)]
        return flat, (flat if stacked else [])

    final, emits, _ = _iterate(step, elems, init, who, back_prop, name, reverse_order)
    if not stacked:
        return pack_as(init_struct, final)
    if initializer is None:  # the first accumulator is an output too
        emits = [_prepend(f, e) for f, e in zip(init, emits)]
    if reverse_order:
        emits = [reverse(e, [0]) for e in emits]
    return pack_as(init_struct, emits)


def _prepend(first, rest):
    return concat([expand_dims(first, 0), rest], 0)
