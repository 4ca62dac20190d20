"""The default float dtype of layers' weights, Keras inputs and Keras backend tensors (Keras's ``floatx``).

It lives with the layers, below Keras, because ``Layer.add_weight`` and ``Input`` read it too (as in Keras,
where a layer without a dtype makes its weights in ``K.floatx()``); ``K.floatx``/``K.set_floatx`` are these.

Example:
    >>> K.set_floatx("float64")
    >>> kf.keras.Input((3,)).dtype
    tf.float64
"""
_FLOATX = "float32"


def floatx():
    """The default float type name: "float32" unless ``set_floatx`` changed it."""
    return _FLOATX


def set_floatx(value):
    """Sets the default float type ("float16", "float32" or "float64")."""
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError("set_floatx: unknown floatx type %r (expected float16, float32 or float64)" % (value,))
    _FLOATX = str(value)
