"""Identity-like ops and grouping: identity, stop_gradient, no_op, group, tuple.

They sit at the bottom of the op library: arithmetic names its results with ``identity`` and every control
dependency ends in a ``no_op``.

Example:
    >>> with kf.control_dependencies([update]):
    ...     y = kf.identity(x)
    >>> train = kf.group(step_a, step_b)
"""
import builtins

from kflow.engine import graph as graph_mod
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.constant_op import convert_to_tensor


def _identity(x):
    return x


def _noop():
    return None


# view=True: the output is the input's own buffer, so fetching an identity of a variable copies it
IDENTITY = OpDef("Identity", _identity, grad=lambda op, grad: [grad], view=True)
STOP_GRADIENT = OpDef("StopGradient", _identity, grad=None, view=True)
NO_OP = OpDef("NoOp", _noop, grad=None)


def identity(input, name=None):  # noqa: A002
    """Returns a tensor with the same value (a new node; useful to name or to attach control deps)."""
    input = convert_to_tensor(input)
    return make_op(IDENTITY, [input], [(input.dtype, input.shape)], name or "Identity").outputs[0]


def stop_gradient(input, name=None):  # noqa: A002
    """Identity in the forward pass; blocks gradients."""
    input = convert_to_tensor(input)
    return make_op(STOP_GRADIENT, [input], [(input.dtype, input.shape)], name or "StopGradient").outputs[0]


def no_op(name=None):
    """An op that does nothing; a target for control dependencies."""
    return make_op(NO_OP, [], [], name or "NoOp")


def group(*inputs, **kwargs):
    """An op that runs all ``inputs`` (ops or tensors; nested lists allowed)."""
    name = kwargs.pop("name", None)
    if kwargs:
        raise TypeError("group got unexpected keyword arguments: %s" % ", ".join(kwargs))
    deps = []
    for x in _flatten(inputs):
        if x is None:
            continue
        x = graph_mod._as_operation(x)
        if x not in deps:
            deps.append(x)
    g = deps[0].graph if deps else graph_mod.get_default_graph()
    with g.as_default(), g.control_dependencies(deps):
        return no_op(name=name or "group_deps")


def _flatten(xs):
    for x in xs:
        if isinstance(x, (list, builtins.tuple)):
            yield from _flatten(x)
        elif isinstance(x, dict):
            yield from _flatten(list(x.values()))
        else:
            yield x


def tuple(tensors, name=None, control_inputs=None):  # noqa: A001 - TF's public name
    """Identities of ``tensors`` that are only available once all of them (and ``control_inputs``) are."""
    tensors = [convert_to_tensor(t) if t is not None else None for t in tensors]
    gate = group(*[t for t in tensors if t is not None], *(control_inputs or []))
    with graph_mod.get_default_graph().control_dependencies([gate]):
        return [identity(t) if t is not None else None for t in tensors]
