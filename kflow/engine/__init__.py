"""The engine: graph, tensors, sessions and the op library (see kflow/__init__.py for the public names)."""
