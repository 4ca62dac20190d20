import pytest

import kflow as kf
from kflow.layers.serialization import deserialize_layer, layer_class, serialize_layer


def test_kflow_layer_classes_found_by_name():
    assert layer_class("Dense") is kf.layers.Dense and layer_class("InputLayer") is kf.keras.layers.InputLayer
    assert layer_class("Sequential") is kf.keras.Sequential  # models are layers
    assert layer_class("Functional") is kf.keras.Model  # Keras's newer name of a functional model


def test_round_trip_and_custom_objects():
    dense = kf.layers.Dense(3, activation="relu", name="d")
    again = deserialize_layer(serialize_layer(dense))
    assert type(again) is kf.layers.Dense and again.get_config() == dense.get_config() and again is not dense
    assert kf.keras.layers.deserialize(kf.keras.layers.serialize(dense)).get_config() == dense.get_config()

    class Scale(kf.layers.Layer):
        pass

    with pytest.raises(ValueError, match=r"Unknown layer: Scale.*custom_objects=\{'Scale'"):
        deserialize_layer({"class_name": "Scale", "config": {}})  # a user's class only comes by custom_objects
    assert type(deserialize_layer({"class_name": "Scale", "config": {}}, {"Scale": Scale})) is Scale
    assert layer_class("Dense", {"Dense": Scale}) is Scale  # custom_objects come first


def test_wrapper_rebuilds_its_inner_layer():
    wrapped = kf.keras.layers.TimeDistributed(kf.keras.layers.Dense(2, name="inner"))
    again = deserialize_layer(serialize_layer(wrapped))
    assert type(again.layer) is kf.keras.layers.Dense and again.layer.get_config()["units"] == 2
