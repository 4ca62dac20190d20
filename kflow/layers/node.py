"""One call of a layer, as Keras's functional API records it: inputs, outputs and the call's other arguments.

The other arguments (extra positional ones and keywords such as ``initial_state``, ``attention_mask``,
``constants`` or an explicit ``training``) may hold Keras tensors too. Those are edges of the model's graph like
the inputs: a seq2seq decoder whose ``initial_state`` is the encoder's states depends on the encoder, so the
encoder's layers are in the model (trained, saved, summarized), and calling or rebuilding the model replays
the call with them.

Example:
    >>> out = decoder_lstm(decoder_inputs, initial_state=[h, c])
    >>> node = decoder_lstm._inbound_nodes[-1]
    >>> node.inputs is decoder_inputs, node.kwargs["initial_state"] == [h, c]
    (True, True)
"""


class Node:
    """Args:
        inputs: the call's first argument (a tensor or a nested list of them).
        outputs: what the call returned.
        args: the call's further positional arguments.
        kwargs: its keyword arguments, as the caller gave them (a mask propagated implicitly is not one).
    """

    __slots__ = ("inputs", "outputs", "args", "kwargs")

    def __init__(self, inputs, outputs, args=(), kwargs=None):
        self.inputs = inputs
        self.outputs = outputs
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})

    def argument_tensors(self):
        """The Keras tensors among the call's other arguments (nested lists, tuples and dicts searched)."""
        return [t for t in flatten((list(self.args), self.kwargs)) if hasattr(t, "_keras_history")]

    def replay_arguments(self, value_of):
        """``(args, kwargs)`` with every Keras tensor ``t`` in them replaced by ``value_of(t)``."""
        swap = lambda x: value_of(x) if hasattr(x, "_keras_history") else x  # noqa: E731
        return map_structure(list(self.args), swap), map_structure(self.kwargs, swap)


def flatten(x):
    """The leaves of nested lists, tuples and dicts (dicts in insertion order)."""
    if isinstance(x, (list, tuple)):
        return [y for item in x for y in flatten(item)]
    if isinstance(x, dict):
        return [y for item in x.values() for y in flatten(item)]
    return [x]


def map_structure(x, fn):
    """``x`` with each leaf ``v`` (None included) replaced by ``fn(v)``; containers keep their types."""
    if isinstance(x, (list, tuple)):
        items = [map_structure(i, fn) for i in x]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    if isinstance(x, dict):
        return {k: map_structure(v, fn) for k, v in x.items()}
    return fn(x)
