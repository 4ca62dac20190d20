"""Public datasets: MNIST and Fashion-MNIST (``kf.keras.datasets``).

Example:
    >>> from kflow.datasets import mnist
    >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()
"""
from kflow.datasets import fashion_mnist, mnist

__all__ = ["mnist", "fashion_mnist"]
