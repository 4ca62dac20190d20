"""``Bidirectional(rnn)``: runs a recurrent layer forwards and a copy of it backwards, then merges the two.

As Keras does, the wrapper builds two layers from the wrapped layer's config: "forward_<name>" and
"backward_<name>" (the latter with ``go_backwards`` flipped, so it reads the sequence from the end). A
backward layer returns its sequence in the order it processed it; the wrapper reverses it again so step
``t`` of both halves belongs to input step ``t``. A time mask (``Embedding(mask_zero=True)``) reaches both
layers, so padded steps carry the state in both directions.

Example:
    >>> h = Bidirectional(LSTM(32, return_sequences=True))(x)   # [batch, time, 64]; "bidirectional/forward_lstm/..."
    >>> s = Bidirectional(GRU(8), merge_mode="sum")(x)           # [batch, 8]
"""
from kflow.engine import shapes
from kflow.engine.ops import math_ops
from kflow.engine.ops.concat_ops import concat
from kflow.engine.ops.shape_ops import reverse
from kflow.layers.recurrent import _RNN
from kflow.layers.wrappers import Wrapper

_MERGES = {
    "concat": lambda a, b: concat([a, b], axis=-1),
    "sum": math_ops.add,
    "mul": math_ops.multiply,
    "ave": lambda a, b: (a + b) / 2.0,
    None: lambda a, b: [a, b],
}


class Bidirectional(Wrapper):
    """A bidirectional wrapper of SimpleRNN, LSTM or GRU.

    Args:
        layer: the recurrent layer (unbuilt); its config makes both directions.
        merge_mode: how the two outputs combine: "concat" (default, features doubled), "sum", "mul", "ave",
            or None (a list ``[forward, backward]``).

    With ``return_state`` the outputs are ``[merged...] + forward_states + backward_states``, as in Keras.
    """

    def __init__(self, layer, merge_mode="concat", **kwargs):
        if not isinstance(layer, _RNN):
            raise TypeError("Bidirectional: the wrapped layer must be a recurrent layer (SimpleRNN, LSTM, GRU), got "
                            "%r" % (layer,))
        if merge_mode not in _MERGES:
            raise ValueError("Bidirectional: invalid merge_mode %r; expected one of 'concat', 'sum', 'mul', 'ave' "
                             "or None" % (merge_mode,))
        super().__init__(layer, **kwargs)
        self.merge_mode = merge_mode
        config = layer.get_config()
        self.forward_layer = type(layer).from_config(dict(config, name="forward_" + layer.name))
        self.backward_layer = type(layer).from_config(dict(config, name="backward_" + layer.name,
                                                           go_backwards=not config["go_backwards"]))
        # the wrapped layer only supplies the config: were it built, its weights would not be this layer's
        self._layers[:] = [sub for sub in self._layers if sub is not layer]
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True

    def build(self, input_shape):
        self.built = True  # the two directions build themselves on their first call

    def call(self, inputs, mask=None):
        forward = self.forward_layer(inputs, mask=mask)
        backward = self.backward_layer(inputs, mask=mask)
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
        return dict(super().get_config(), merge_mode=self.merge_mode)
