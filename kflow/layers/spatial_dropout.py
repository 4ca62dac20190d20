"""SpatialDropout1D/2D/3D: dropout of whole feature maps (one draw per sample and channel), as Keras.

Neighbouring pixels (or time steps) of one feature map are strongly correlated, so dropping single values
hardly regularizes convolutions; dropping whole channels does (Tompson et al. 2015).

Example:
    >>> h = SpatialDropout2D(0.2)(Conv2D(32, 3)(images))    # zeroes whole [H, W] maps of some channels
"""
from kflow.engine import shapes
from kflow.layers.base import InputSpec
from kflow.layers.conv_utils import normalize_data_format
from kflow.layers.core import Dropout


class _SpatialDropout(Dropout):
    """Dropout whose mask is ``[batch, 1, ..., 1, channels]`` (channels_first: ``[batch, channels, 1, ...]``)."""

    _rank = 2

    def __init__(self, rate=0.5, data_format=None, **kwargs):
        kwargs.pop("noise_shape", None)
        super().__init__(rate, **kwargs)
        self.data_format = normalize_data_format(data_format) if self._rank > 1 else "channels_last"
        self.input_spec = InputSpec(ndim=self._rank + 2)
        self.noise_shape = self._mask_shape()

    def _mask_shape(self):
        ones = [1] * self._rank
        # None entries take the input's size (kf.nn.dropout's noise_shape)
        return [None, None] + ones if self.data_format == "channels_first" else [None] + ones + [None]

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape")
        if self._rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of ``[batch, time, channels]`` inputs."""

    _rank = 1

    def __init__(self, rate=0.5, **kwargs):
        super().__init__(rate, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Drops whole channels of ``[batch, rows, cols, channels]`` inputs (or channels_first)."""

    _rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drops whole channels of ``[batch, d1, d2, d3, channels]`` inputs (or channels_first)."""

    _rank = 3
