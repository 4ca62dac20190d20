"""Program scaffolding as TF1 lays it out: ``kf.app`` (flags, run), ``kf.logging`` and ``kf.gfile``.

This package stands just above ``errors``: it knows nothing of graphs, so every other package may use it.
"""
