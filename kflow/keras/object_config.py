"""Loss and metric objects in model files: ``{"class_name", "config"}`` for objects, a name for functions.

Example:
    >>> serialize_object(kf.keras.losses.Huber(delta=2.0), kf.keras.losses.Loss)
    {'class_name': 'Huber', 'config': {...}}
"""


def serialize_object(obj, base):
    """What a model file stores for ``obj``: a ``base`` instance's class and config, else a function's name."""
    if isinstance(obj, base):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    return getattr(obj, "__name__", str(obj))


def deserialize_object(config, classes, custom_objects, get, kind):
    """The object described by ``config``: a name (looked up by ``get``) or ``{"class_name", "config"}``.

    Raises:
        ValueError: an unknown class name; the message names ``kind`` ("loss", "metric").
    """
    if not isinstance(config, dict):
        return get(config, custom_objects)
    known = dict(classes)
    known.update(custom_objects or {})
    cls = known.get(config.get("class_name"))
    if cls is None:
        raise ValueError("Unknown %s class %r (pass it in custom_objects)." % (kind, config.get("class_name")))
    return cls.from_config(config.get("config", {}))
