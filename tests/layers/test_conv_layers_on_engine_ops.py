"""The depthwise/separable and 3-D Keras layers run the engine's own ops (one DepthwiseConv2dNative, Conv3D,
MaxPool3D, AvgPool3D op each, no block-diagonal conv2d or unrolled depth), so a 3-D layer accepts an unknown
depth."""
import numpy as np
import pytest

import kflow as kf
from conv_reference import conv_reference, pool_reference

L = kf.keras.layers


def _op_types(graph):
    return [op.type for op in graph.get_operations()]


@pytest.mark.parametrize("make,shape,engine_op,conv2d_ops", [
    (lambda: L.DepthwiseConv2D(3, depth_multiplier=2), (2, 6, 6, 3), "DepthwiseConv2dNative", 0),
    (lambda: L.SeparableConv2D(4, 3), (2, 6, 6, 3), "DepthwiseConv2dNative", 1),  # the 1x1 pointwise one
    (lambda: L.DepthwiseConv1D(3), (2, 6, 3), "DepthwiseConv2dNative", 0),
    (lambda: L.Conv3D(2, 3), (1, 4, 4, 4, 2), "Conv3D", 0),
    (lambda: L.MaxPooling3D(2), (1, 4, 4, 4, 2), "MaxPool3D", 0),
    (lambda: L.AveragePooling3D(2), (1, 4, 4, 4, 2), "AvgPool3D", 0)])
def test_layer_builds_one_engine_op(make, shape, engine_op, conv2d_ops):
    g = kf.Graph()
    with g.as_default():
        make()(kf.zeros(shape, dtype=kf.float64))
    types = _op_types(g)
    assert types.count(engine_op) == 1
    assert types.count("Conv2D") == conv2d_ops


@pytest.mark.parametrize("layer,mode", [(lambda: L.MaxPooling3D(2, padding="same"), "max"),
                                        (lambda: L.AveragePooling3D(2, padding="same"), "avg")])
def test_3d_pooling_with_unknown_depth(layer, mode):
    x = np.random.RandomState(0).randn(2, 5, 4, 4, 3)
    inp = kf.placeholder(kf.float64, [None, None, 4, 4, 3])
    y = layer()(inp)
    with kf.Session() as sess:
        out = sess.run(y, {inp: x})
    np.testing.assert_allclose(out, pool_reference(x, (2, 2, 2), (2, 2, 2), "same", mode), rtol=1e-12)


def test_conv3d_with_unknown_depth():
    x = np.random.RandomState(1).randn(2, 5, 4, 4, 3)
    inp = kf.placeholder(kf.float64, [None, None, 4, 4, 3])
    layer = L.Conv3D(2, 3, padding="same", dtype="float64")
    y = layer(inp)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        out, (w, b) = sess.run([y, layer.weights], {inp: x})
    np.testing.assert_allclose(out, conv_reference(x, w, (1, 1, 1), (1, 1, 1), "same") + b, rtol=1e-9)
