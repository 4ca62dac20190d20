"""The ImageProjectiveTransformV2 op (transform_images): integer and half-pixel shifts against numpy padding in
every fill mode and both interpolations, and its argument errors."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.ops.image_transform_ops import transform_images


def _run(fetches, feed=None):
    with kf.Session() as sess:
        return sess.run(fetches, feed)


def _images(n=3, h=5, w=6, seed=0):
    return np.random.RandomState(seed).rand(n, h, w, 2).astype(np.float32)


@pytest.mark.parametrize("fill_mode,numpy_mode", [("reflect", "symmetric"), ("wrap", "wrap"), ("nearest", "edge"),
                                                  ("constant", "constant")])
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_integer_shift_with_every_fill_mode(fill_mode, numpy_mode, interpolation):
    x = _images()
    shift = np.tile(np.array([[1, 0, -2, 0, 1, 1, 0, 0]], np.float32), (3, 1))  # 2 right, 1 up
    out = _run(transform_images(kf.constant(x), kf.constant(shift), interpolation, fill_mode))
    padded = np.pad(x, [(0, 0), (0, 1), (2, 0), (0, 0)], mode=numpy_mode)
    np.testing.assert_allclose(out, padded[:, 1:, :6], rtol=1e-6)


def test_bilinear_half_pixel_shift_and_errors():
    x = _images(1)
    out = _run(transform_images(kf.constant(x), kf.constant([[1, 0, 0.5, 0, 1, 0, 0, 0]], kf.float32),
                                fill_mode="nearest"))
    edge = np.concatenate([x, x[:, :, -1:]], axis=2)
    np.testing.assert_allclose(out, (edge[:, :, :-1] + edge[:, :, 1:]) / 2, rtol=1e-6)
    with pytest.raises(ValueError, match="fill_mode must be one of"):
        transform_images(kf.constant(x), kf.zeros([1, 8]), fill_mode="mirror")


def test_op_type_is_tfs():
    y = transform_images(kf.zeros([1, 4, 4, 1]), kf.constant([[1, 0, 0, 0, 1, 0, 0, 0]], kf.float32))
    assert y.op.type == "ImageProjectiveTransformV2"
