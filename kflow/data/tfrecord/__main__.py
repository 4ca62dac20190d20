"""``python -m kflow.data.tfrecord inspect FILE [-n 3]``: summarize a TFRecord file of Examples.

A ``__main__`` module of the package (rather than an ``if __name__`` block in
it) because ``import kflow`` already imports ``kflow.data.tfrecord``; running
an imported module as a script makes Python warn and load it twice.
"""
from kflow.data.tfrecord.cli import main

raise SystemExit(main())
