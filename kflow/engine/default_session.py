"""The per-thread stack of default sessions (``with sess:``), below the Session class.

Tensors, operations and variables evaluate in the default session (``t.eval()``); they find it here
without importing the Session machinery that is built on top of them.

Example:
    >>> with sess.as_default():
    ...     session_for(None, t) is sess
    True
"""
import threading

_default_session = threading.local()


def session_stack():
    """This thread's stack of default sessions (innermost last)."""
    if not hasattr(_default_session, "stack"):
        _default_session.stack = []
    return _default_session.stack


def get_default_session():
    """The innermost session entered with ``with sess:`` / ``sess.as_default()`` (or None)."""
    stack = session_stack()
    return stack[-1] if stack else None


def session_for(session, element):
    """``session`` or the default session, checked to run ``element``'s graph.

    Raises:
        ValueError: no session is given or registered, or it runs another graph.
    """
    sess = session if session is not None else get_default_session()
    if sess is None:
        raise ValueError("Cannot evaluate '%s': no default session is registered. Use `with sess.as_default()` "
                         "or pass an explicit session, e.g. t.eval(session=sess)." % element.name)
    if sess.graph is not element.graph:
        raise ValueError("Cannot use the given session to evaluate '%s': its graph is not the session's graph."
                         % element.name)
    return sess
