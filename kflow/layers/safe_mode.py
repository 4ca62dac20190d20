"""Safe mode for rebuilding layers from a saved config (Keras 3's ``safe_mode``).

A model file can name the function of a ``Lambda`` layer; rebuilding it runs Python code that
the file's author chose, so loaders refuse Lambda layers unless the caller opts in with
``safe_mode=False`` (``load_model``, ``model_from_json``, ``model_from_config``). Safe mode is
on outside any scope.

Example:
    >>> with safe_mode_scope(False):
    ...     layer = Lambda.from_config(config, custom_objects={"double": double})
"""
import contextlib
import threading

_state = threading.local()


def in_safe_mode():
    """True unless the innermost :func:`safe_mode_scope` of this thread turned safe mode off."""
    return getattr(_state, "safe_mode", True)


@contextlib.contextmanager
def safe_mode_scope(safe_mode=True):
    """Sets safe mode for the layers rebuilt inside the block (this thread only)."""
    previous = in_safe_mode()
    _state.safe_mode = bool(safe_mode)
    try:
        yield
    finally:
        _state.safe_mode = previous
