"""``Bidirectional(rnn)``: runs a recurrent layer forwards and a copy of it backwards, then merges the two.

As Keras does, the wrapper builds two layers from the wrapped layer's config: "forward_<name>" and
"backward_<name>" (the latter with ``go_backwards`` flipped, so it reads the sequence from the end). A
backward layer returns its sequence in the order it processed it; the wrapper reverses it again so step
``t`` of both halves belongs to input step ``t``. A time mask (``Embedding(mask_zero=True)``) reaches both
layers, so padded steps carry the state in both directions. ``backward_layer=`` gives a different layer for
the backward direction (it must read backwards); ``initial_state=`` takes the forward layer's states, then
the backward layer's.

Example:
    >>> h = Bidirectional(LSTM(32, return_sequences=True))(x)   # [batch, time, 64]; "bidirectional/forward_lstm/..."
    >>> s = Bidirectional(GRU(8), merge_mode="sum")(x)           # [batch, 8]
"""
from kflow.engine import shapes
from kflow.engine.ops import math_ops
from kflow.engine.ops.concat_ops import concat
from kflow.engine.ops.shape_ops import reverse
from kflow.layers.recurrent import RNN
from kflow.layers.serialization import deserialize_layer, serialize_layer
from kflow.layers.wrappers import Wrapper

_MERGES = {
    "concat": lambda a, b: concat([a, b], axis=-1),
    "sum": math_ops.add,
    "mul": math_ops.multiply,
    "ave": lambda a, b: (a + b) / 2.0,
    None: lambda a, b: [a, b],
}


def _state_count(rnn):
    sizes = rnn._cell.state_size
    return len(sizes) if isinstance(sizes, (list, tuple)) else 1


class Bidirectional(Wrapper):
    """A bidirectional wrapper of a recurrent layer (SimpleRNN, LSTM, GRU, RNN(cell), ConvLSTM2D).

    Args:
        layer: the recurrent layer (unbuilt); its config makes the forward direction (and the backward one).
        merge_mode: how the two outputs combine: "concat" (default, features doubled), "sum", "mul", "ave",
            or None (a list ``[forward, backward]``).
        backward_layer: optional recurrent layer for the backward direction, with ``go_backwards=True`` and
            the same ``return_sequences``/``return_state`` as ``layer`` (its config makes the direction).

    With ``return_state`` the outputs are ``[merged...] + forward_states + backward_states``, as in Keras.
    """

    def __init__(self, layer, merge_mode="concat", backward_layer=None, **kwargs):
        for given in (layer, backward_layer):
            if given is not None and not isinstance(given, RNN):
                raise TypeError("Bidirectional: the wrapped layers must be recurrent layers (SimpleRNN, LSTM, GRU, "
                                "RNN), got %r" % (given,))
        if merge_mode not in _MERGES:
            raise ValueError("Bidirectional: invalid merge_mode %r; expected one of 'concat', 'sum', 'mul', 'ave' "
                             "or None" % (merge_mode,))
        super().__init__(layer, **kwargs)
        self.merge_mode = merge_mode
        config = layer.get_config()
        self.forward_layer = type(layer).from_config(dict(config, name="forward_" + layer.name))
        self._backward_config = None
        if backward_layer is None:
            self.backward_layer = type(layer).from_config(dict(config, name="backward_" + layer.name,
                                                               go_backwards=not config["go_backwards"]))
        else:
            self._check_backward(layer, backward_layer)
            self._backward_config = serialize_layer(backward_layer)
            self.backward_layer = type(backward_layer).from_config(
                dict(backward_layer.get_config(), name="backward_" + backward_layer.name))
        # the given layers only supply configs: were they built, their weights would not be this layer's
        self._layers[:] = [sub for sub in self._layers if sub is not layer and sub is not backward_layer]
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True

    @staticmethod
    def _check_backward(layer, backward_layer):
        if backward_layer.go_backwards == layer.go_backwards:
            raise ValueError("Bidirectional: backward_layer.go_backwards must be the opposite of "
                             "layer.go_backwards (both are %s)" % layer.go_backwards)
        for attribute in ("return_sequences", "return_state"):
            if getattr(layer, attribute) != getattr(backward_layer, attribute):
                raise ValueError("Bidirectional: layer and backward_layer must have the same %s (got %s and %s)"
                                 % (attribute, getattr(layer, attribute), getattr(backward_layer, attribute)))

    def build(self, input_shape):
        self.built = True  # the two directions build themselves on their first call

    def call(self, inputs, mask=None, training=None, initial_state=None):
        forward_state = backward_state = None
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            n_forward, n_backward = _state_count(self.forward_layer), _state_count(self.backward_layer)
            if len(states) != n_forward + n_backward:
                raise ValueError("Bidirectional: initial_state must hold the forward layer's %d states then the "
                                 "backward layer's %d, got %d tensors" % (n_forward, n_backward, len(states)))
            forward_state, backward_state = states[:n_forward], states[n_forward:]
        forward = self.forward_layer(inputs, mask=mask, training=training, initial_state=forward_state)
        backward = self.backward_layer(inputs, mask=mask, training=training, initial_state=backward_state)
        states = []
        if self.return_state:
            states = list(forward[1:]) + list(backward[1:])
            forward, backward = forward[0], backward[0]
        if self.return_sequences:  # back to input order: the backward layer emitted the last step first
            backward = reverse(backward, [1])
        merged = _MERGES[self.merge_mode](forward, backward)
        if not self.return_state:
            return merged
        return (merged if isinstance(merged, list) else [merged]) + states

    def compute_mask(self, inputs, mask=None):
        # a returned sequence keeps its time mask; a last output has no time axis left
        return mask if self.return_sequences and self.merge_mode is not None else None

    def compute_output_shape(self, input_shape):
        out = self.forward_layer.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            out, states = out[0], list(out[1:])
        if self.merge_mode == "concat":
            out = shapes.TensorShape(list(out.dims[:-1]) + [2 * out.dims[-1]])
        outputs = [out, out] if self.merge_mode is None else [out]
        result = outputs + states * 2
        return result[0] if len(result) == 1 else result

    def get_config(self):
        config = dict(super().get_config(), merge_mode=self.merge_mode)
        if self._backward_config is not None:
            config["backward_layer"] = self._backward_config
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"], custom_objects)
        return super().from_config(config, custom_objects)
