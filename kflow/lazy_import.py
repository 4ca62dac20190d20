"""Modules imported on first use, so ``import kflow`` does not pay for what a run may never touch.

h5py (checkpoints, Keras model files) and the HTTP stack (dataset downloads) take about a fifth of
``import kflow``; a script that neither saves nor downloads never needs them. :func:`lazy_module` returns
the module object at once and runs its code on the first attribute access (``importlib.util.LazyLoader``),
so call sites read as plain imports.

Example:
    >>> h5py = lazy_module("h5py")      # nothing imported yet
    >>> h5py.File                       # imports h5py now
    <class 'h5py._hl.files.File'>
"""
import importlib
import importlib.util
import sys


def lazy_module(name):
    """The module ``name``, whose code runs on first attribute access; already imported modules come back as
    they are, and a missing module raises ``ImportError`` here, as a plain import would."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return importlib.import_module(name)  # raises ModuleNotFoundError naming it
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:  # as a real import does, so `import http.server` finds `http.client`
        setattr(sys.modules[parent], child, module)
    loader.exec_module(module)
    return module
