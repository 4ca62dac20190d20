"""Keras's global settings: the fuzz factor ``epsilon``, ``floatx`` and the image data format.

Below both the backend functions and the losses, which read ``epsilon`` (as Keras's own ``backend_config``).

Example:
    >>> K.set_epsilon(1e-5)
    >>> K.epsilon()
    1e-05
"""
from kflow.layers.floatx import floatx, set_floatx  # noqa: F401 - the layers read it too

_EPSILON = 1e-7


def epsilon():
    """The fuzz factor used to keep logs and divisions finite (1e-7, as in Keras)."""
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    """Always "channels_last" (NHWC): kflow's image layers default to it (Keras programs branch on this)."""
    return "channels_last"
