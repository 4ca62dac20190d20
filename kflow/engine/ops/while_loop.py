"""``kf.while_loop``: TF1's loop over nested loop variables, on the While op (``while_op``).

``cond`` and ``body`` are called once, with the loop variables unpacked (``body(*loop_vars)``), to build
the loop's sub-graphs; the While op then runs them per iteration from compiled plans. Loop variables may
nest tuples, lists, dicts and namedtuples; a variable keeps its shape across iterations unless its
``shape_invariants`` entry allows the change.

Example:
    >>> i, total = kf.while_loop(lambda i, s: i < 10, lambda i, s: (i + 1, s + kf.cast(i, kf.float32)),
    ...                          (0, 0.0))
"""
from kflow.engine import dtypes, shapes
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.while_op import build_loop


def flatten(structure):
    """The leaves of a nest of lists, tuples, namedtuples and dicts (dict entries in sorted key order).

    A TensorArray (anything with ``_loop_flows``) is a leaf per flow tensor."""
    if hasattr(structure, "_loop_flows"):
        return list(structure._loop_flows())
    if isinstance(structure, dict):
        return [leaf for k in sorted(structure) for leaf in flatten(structure[k])]
    if isinstance(structure, (list, tuple)):
        return [leaf for x in structure for leaf in flatten(x)]
    return [structure]


def pack_as(structure, leaves):
    """``leaves`` packed into the shape of ``structure`` (the inverse of :func:`flatten`)."""
    it = iter(leaves)

    def pack(x):
        if hasattr(x, "_loop_flows"):
            return x._with_flows([next(it) for _ in x._loop_flows()])
        if isinstance(x, dict):
            values = {k: pack(x[k]) for k in sorted(x)}
            return type(x)((k, values[k]) for k in x)
        if isinstance(x, (list, tuple)):
            parts = [pack(v) for v in x]
            return type(x)(*parts) if hasattr(x, "_fields") else type(x)(parts)
        return next(it)

    return pack(structure)


def structure_of(x):
    """A comparable description of a nest (lists and tuples count alike, as TF1's loops allow)."""
    if hasattr(x, "_loop_flows"):
        return ("flows", len(x._loop_flows()))
    if isinstance(x, dict):
        return ("dict", tuple((k, structure_of(x[k])) for k in sorted(x)))
    if isinstance(x, (list, tuple)):
        kind = type(x).__name__ if hasattr(x, "_fields") else "sequence"
        return (kind, tuple(structure_of(v) for v in x))
    return "."


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, name=None, maximum_iterations=None, return_same_structure=False):
    """Repeats ``body`` while ``cond`` is true (TF1's ``tf.while_loop``).

    Args:
        cond: ``cond(*loop_vars) -> scalar bool tensor``.
        body: ``body(*loop_vars) -> new loop_vars`` (the same structure, dtypes and shapes).
        loop_vars: a list or tuple (nesting tuples, lists, dicts, namedtuples) of tensors or values.
        shape_invariants: the same structure of shapes; a variable's shape may change within its invariant.
        parallel_iterations, swap_memory: accepted for TF1 compatibility (iterations run in order).
        back_prop: False stops gradients at the loop.
        maximum_iterations: optional int bound on the number of iterations.
        return_same_structure: when False, a single loop variable comes back as a bare tensor.

    Returns:
        The loop variables after the last iteration, in the structure of ``loop_vars``.

    Raises:
        ValueError / TypeError: naming the loop variable whose structure, dtype or shape the body changes,
            or when ``cond`` does not return a scalar bool.
    """
    if not callable(cond) or not callable(body):
        raise TypeError("while_loop: cond and body must be callables")
    if not isinstance(loop_vars, (list, tuple)) or hasattr(loop_vars, "_fields"):
        raise TypeError("while_loop: loop_vars must be a list or tuple of loop variables, got %s"
                        % type(loop_vars).__name__)
    if not loop_vars:
        raise ValueError("while_loop: no loop variables provided")
    leaves = [convert_to_tensor(x) for x in flatten(loop_vars)]
    names = _leaf_names(loop_vars)
    if shape_invariants is None:
        invariants = [t.shape for t in leaves]
    else:
        if len(loop_vars) == 1 and structure_of([shape_invariants]) == structure_of(loop_vars):
            shape_invariants = [shape_invariants]  # TF1 accepts a bare shape for a single loop variable
        shape_invariants = _any_shape_for_arrays(loop_vars, shape_invariants)
        if structure_of(shape_invariants) != structure_of(loop_vars):
            raise ValueError("while_loop: shape_invariants must have the structure of loop_vars %s, got %r"
                             % (_describe(loop_vars), shape_invariants))
        invariants = [shapes.as_shape(s) for s in flatten(shape_invariants)]
        for t, s, n in zip(leaves, invariants, names):
            if not t.shape.is_compatible_with(s):
                raise ValueError("while_loop: the shape invariant %s of loop variable %s is not compatible with "
                                 "its initial shape %s" % (s, n, t.shape))

    def run_cond(vals, _):
        pred = convert_to_tensor(cond(*pack_as(loop_vars, vals)))
        if pred.dtype is not dtypes.bool or pred.shape.ndims not in (None, 0):
            raise TypeError("while_loop: cond must return a scalar bool tensor, got %s %s ('%s')"
                            % (pred.dtype.name, pred.shape, pred.name))
        return pred

    def run_body(vals, _):
        out = body(*pack_as(loop_vars, vals))
        if len(loop_vars) == 1 and structure_of(out) != structure_of(loop_vars):
            out = [out]  # TF1 accepts a bare result for a single loop variable
        if structure_of(out) != structure_of(loop_vars):
            raise ValueError("while_loop: body must return the structure of loop_vars %s, got %s"
                             % (_describe(loop_vars), _describe(out)))
        return [convert_to_tensor(x) for x in flatten(out)], []

    def check(new_vals, emits, pred):
        for t, new, s, n in zip(leaves, new_vals, invariants, names):
            if new.dtype is not t.dtype:
                raise TypeError("while_loop: body changes the dtype of loop variable %s from %s to %s"
                                % (n, t.dtype.name, new.dtype.name))
            if not new.shape.is_compatible_with(s):
                hint = "" if shape_invariants is not None else \
                    "; pass shape_invariants to allow the shape to change across iterations"
                raise ValueError("while_loop: loop variable %s has shape %s before the loop but %s after one "
                                 "iteration%s" % (n, s if shape_invariants is not None else t.shape,
                                                  new.shape, hint))

    values, _ = build_loop(run_cond, run_body, leaves, invariants, maximum_iterations=maximum_iterations,
                           back_prop=back_prop, name=name or "while", check=check)
    result = pack_as(loop_vars, values)
    if not return_same_structure and len(leaves) == 1 and len(loop_vars) == 1:
        return values[0]
    if not return_same_structure and len(loop_vars) == 1 and hasattr(loop_vars[0], "_loop_flows"):
        return result[0]  # a lone TensorArray comes back bare, as a lone tensor does
    return result


class _AnyShapes:
    """The shape invariants of a TensorArray's flows: a TensorArray checks its element shapes itself."""

    def __init__(self, n):
        self._n = n

    def _loop_flows(self):
        return [shapes.TensorShape(None)] * self._n


def _any_shape_for_arrays(loop_vars, invariants):
    """``invariants`` with whatever stands at a TensorArray's place (TF1 programs pass its shape or
    None) replaced by unknown shapes for its flows."""
    if hasattr(loop_vars, "_loop_flows"):
        return _AnyShapes(len(loop_vars._loop_flows()))
    if isinstance(loop_vars, dict) and isinstance(invariants, dict) and set(loop_vars) == set(invariants):
        return type(invariants)((k, _any_shape_for_arrays(loop_vars[k], v)) for k, v in invariants.items())
    if (isinstance(loop_vars, (list, tuple)) and isinstance(invariants, (list, tuple))
            and len(loop_vars) == len(invariants) and not isinstance(invariants, shapes.TensorShape)):
        parts = [_any_shape_for_arrays(a, b) for a, b in zip(loop_vars, invariants)]
        return type(invariants)(*parts) if hasattr(invariants, "_fields") else type(invariants)(parts)
    return invariants


def _leaf_names(loop_vars):
    """"loop_vars[1]['h']"-style names of each leaf, for error messages."""
    out = []

    def walk(x, path):
        if hasattr(x, "_loop_flows"):
            out.extend("%s (%r, its %s)" % (path, x, part) for part in ("buffer", "written-mask"))
        elif isinstance(x, dict):
            for k in sorted(x):
                walk(x[k], "%s[%r]" % (path, k))
        elif isinstance(x, (list, tuple)):
            for i, v in enumerate(x):
                walk(v, "%s.%s" % (path, x._fields[i]) if hasattr(x, "_fields") else "%s[%d]" % (path, i))
        else:
            out.append("%s ('%s')" % (path, getattr(x, "name", x)))

    walk(loop_vars, "loop_vars")
    return out


def _describe(x):
    if hasattr(x, "_loop_flows"):
        return "TensorArray"
    if isinstance(x, dict):
        return "{%s}" % ", ".join("%r: %s" % (k, _describe(x[k])) for k in sorted(x))
    if isinstance(x, (list, tuple)):
        return "%s(%s)" % (type(x).__name__, ", ".join(_describe(v) for v in x))
    return "tensor"
