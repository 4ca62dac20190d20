"""kf.keras.datasets: ``mnist`` and ``fashion_mnist`` with ``load_data()`` (see :mod:`kflow.datasets`).

Example:
    >>> (x_train, y_train), (x_test, y_test) = kf.keras.datasets.fashion_mnist.load_data()
"""
from kflow.datasets import fashion_mnist, mnist

__all__ = ["mnist", "fashion_mnist"]
