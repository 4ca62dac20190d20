"""``tf.debugging.assert_shapes``: several tensors' shapes checked against one specification with named
dimensions (``"N"`` must be the same size wherever it appears).

What is known at build time is checked at once (ValueError naming both tensors and the dimension); dimensions
or ranks known only at run time become Assert ops (InvalidArgumentError when run), grouped into the returned op.

Example:
    >>> check = kf.debugging.assert_shapes([(x, ("N", "D")), (y, ("N",)), (w, ("D", 3))])
    >>> with kf.control_dependencies([check]):
    ...     loss = kf.identity(loss)
"""
from kflow.engine import graph as graph_mod
from kflow.engine.operation import build_error
from kflow.engine.ops import comparison_ops
from kflow.engine.ops.check_ops import Assert
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.identity_ops import group, no_op
from kflow.engine.ops.reshape_ops import rank as rank_op, shape as shape_op
from kflow.engine.ops.slicing import strided_slice_from_key

_ANY_PREFIX = ("...", "*")


def _parse(spec):
    """(dims, has_prefix): the dimension entries of one shape spec (a leading "..."/"*" allows any prefix)."""
    spec = (spec,) if isinstance(spec, (str, int)) else tuple(spec)
    if spec and spec[0] in _ANY_PREFIX or spec and spec[0] is Ellipsis:
        return spec[1:], True
    return spec, False


def _describe(x):
    return "tensor %s" % x.name


def _upper(text):
    return text[:1].upper() + text[1:]


def _specified(source):
    return "Specified by %s. " % source if source else ""


def _size_check(size, expected, source, where, prefix, data, summarize):
    """An Assert that the run-time ``size`` of ``where`` equals ``expected`` (an int or a size tensor)."""
    return Assert(comparison_ops.equal(size, expected), data or [
        "%s%s must have size " % (prefix + _specified(source), _upper(where)), expected, "Received size ", size],
        summarize)


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """Checks each ``(tensor, shape spec)`` of ``shapes`` (a list of pairs or a dict); a spec lists dimensions as
    ints (that size), strings (a size shared by every use of the name) or None (any), optionally after a leading
    ``"..."`` (any number of leading dimensions). Returns an op that runs the checks left to run time.

    Raises:
        ValueError: a rank or dimension known at build time disagrees.
    """
    pairs = list(shapes.items()) if isinstance(shapes, dict) else list(shapes)
    prefix = message + ". " if message else ""
    known, runtime, checks = {}, {}, []  # symbol -> (size, where); symbol -> (size tensor, where)
    for tensor, spec in pairs:
        x = convert_to_tensor(tensor)
        dims, any_prefix = _parse(spec)
        rank = x.shape.ndims
        if rank is not None:
            if (rank < len(dims)) if any_prefix else (rank != len(dims)):
                raise build_error("assert_shapes", name, [x], "%s%s must have rank %s%d. Received rank %d, shape %s"
                                  % (prefix, _upper(_describe(x)), "at least " if any_prefix else "", len(dims), rank,
                                     x.shape))
        gate = []  # the rank check runs before this tensor's size checks (slicing a short shape would fail first)
        if rank is None:
            condition = comparison_ops.greater_equal if any_prefix else comparison_ops.equal
            gate = [Assert(condition(rank_op(x), len(dims)), data or [
                "%s%s must have rank %s%d. Received shape: " % (prefix, _upper(_describe(x)), "at least " if any_prefix
                                                               else "", len(dims)), shape_op(x)], summarize)]
            checks.extend(gate)
        for i, want in enumerate(dims):
            if want is None:
                continue
            axis = i - len(dims) if any_prefix else i
            where = "%s dimension %d" % (_describe(x), axis)
            static = x.shape.dims[axis] if rank is not None else None
            expected, source = (want, None) if not isinstance(want, str) else known.get(want, (None, None))
            if isinstance(want, str) and expected is None and static is not None:
                known[want] = (static, where)  # the first size known at build time; earlier run-time uses match it
                if want in runtime:
                    size, first = runtime[want]
                    checks.append(_size_check(size, static, where, first, prefix, data, summarize))
                continue
            if static is not None and expected is not None:
                if static != expected:
                    raise build_error("assert_shapes", name, [x], "%s%s must have size %d. Received size %d, "
                                      "shape %s" % (prefix + _specified(source), _upper(where), expected, static,
                                                    x.shape))
                continue
            with graph_mod.control_dependencies(gate):
                size = strided_slice_from_key(shape_op(x), axis)
            if expected is None:
                if want not in runtime:
                    runtime[want] = (size, where)  # the first run-time size of this symbol
                    continue
                expected, source = runtime[want]
            checks.append(_size_check(size, expected, source, where, prefix, data, summarize))
    if not checks:
        return no_op(name=name or "assert_shapes")
    return group(*checks, name=name or "assert_shapes")
