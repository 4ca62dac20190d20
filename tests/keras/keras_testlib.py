"""Model builders shared by the Keras tests (imported by name: pytest's conftest modules are not importable)."""
import kflow as kf


def mlp(hidden=16, classes=3, dim=8, optimizer=None, metrics=("acc",), loss="sparse_categorical_crossentropy"):
    """A compiled two-layer classifier (Adam with a high learning rate: the tests train for few steps)."""
    optimizer = optimizer if optimizer is not None else kf.keras.optimizers.Adam(lr=0.01)
    layers = kf.keras.layers
    model = kf.keras.Sequential([layers.Dense(hidden, activation="relu", input_shape=(dim,)),
                                 layers.Dense(classes, activation="softmax")])
    model.compile(optimizer, loss, metrics=list(metrics))
    return model
