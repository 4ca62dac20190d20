"""kf.image flips, rotations, crops and pads: values against numpy, randomness by seed, gradients, errors."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

RNG = np.random.default_rng(3)
IMG = RNG.standard_normal((5, 6, 3))
BATCH = RNG.standard_normal((4, 5, 6, 3))


def _run(t, feed=None):
    with kf.Session() as sess:
        return sess.run(t, feed)


@pytest.mark.parametrize("x", [IMG, BATCH], ids=["3d", "4d"])
def test_flips_transpose_rot90(x):
    np.testing.assert_array_equal(_run(kf.image.flip_left_right(x)), x[..., ::-1, :])
    np.testing.assert_array_equal(_run(kf.image.flip_up_down(x)), x[..., ::-1, :, :])
    np.testing.assert_array_equal(_run(kf.image.transpose_image(x)), np.swapaxes(x, -3, -2))
    for k in range(-1, 5):
        np.testing.assert_array_equal(_run(kf.image.rot90(x, k)), np.rot90(x, k, axes=(-3, -2)))


def test_random_flips_per_image_and_seeded():
    x = np.arange(4 * 2 * 3).reshape(4, 2, 3, 1).astype(np.float32)
    kf.set_random_seed(1)
    out = _run(kf.image.random_flip_left_right(np.tile(x, (8, 1, 1, 1)), seed=5))
    flipped = [np.array_equal(o, x[i % 4, :, ::-1]) for i, o in enumerate(out)]
    kept = [np.array_equal(o, x[i % 4]) for i, o in enumerate(out)]
    assert all(f or k for f, k in zip(flipped, kept)) and 0 < sum(flipped) < len(out)
    ud = _run(kf.image.random_flip_up_down(x[0], seed=2))
    assert np.array_equal(ud, x[0]) or np.array_equal(ud, x[0, ::-1])


def test_crops_and_pads():
    np.testing.assert_array_equal(_run(kf.image.crop_to_bounding_box(IMG, 1, 2, 3, 4)), IMG[1:4, 2:6])
    np.testing.assert_array_equal(_run(kf.image.crop_to_bounding_box(BATCH, 0, 1, 5, 2)), BATCH[:, :, 1:3])
    padded = _run(kf.image.pad_to_bounding_box(IMG, 1, 2, 8, 9))
    np.testing.assert_array_equal(padded, np.pad(IMG, [[1, 2], [2, 1], [0, 0]]))
    np.testing.assert_array_equal(_run(kf.image.central_crop(np.zeros((10, 10, 1)) + np.arange(10)[:, None, None],
                                                             0.5))[:, 0, 0], [2, 3, 4, 5, 6, 7])  # TF: start int(2.5)
    big = _run(kf.image.resize_image_with_crop_or_pad(IMG, 3, 10))
    np.testing.assert_array_equal(big, np.pad(IMG[1:4], [[0, 0], [2, 2], [0, 0]]))
    np.testing.assert_array_equal(_run(kf.image.resize_with_crop_or_pad(BATCH, 5, 6)), BATCH)


def test_dynamic_offsets():
    oh = kf.placeholder(kf.int32, [])
    y = kf.image.crop_to_bounding_box(IMG, oh, 0, 2, 6)
    np.testing.assert_array_equal(_run(y, {oh: 3}), IMG[3:5])
    z = kf.image.pad_to_bounding_box(IMG, oh, 0, 9, 6)
    np.testing.assert_array_equal(_run(z, {oh: 1}), np.pad(IMG, [[1, 3], [0, 0], [0, 0]]))


def test_random_crop_covers_every_offset():
    x = np.arange(5 * 4).reshape(5, 4)
    crop = kf.image.random_crop(x, [3, 2], seed=4)
    seen = set()
    with kf.Session() as sess:
        for _ in range(200):
            c = sess.run(crop)
            r, col = np.argwhere(x == c[0, 0])[0]
            np.testing.assert_array_equal(c, x[r:r + 3, col:col + 2])
            seen.add((r, col))
    assert seen == {(r, c) for r in range(3) for c in range(3)}


def test_geometry_gradients_float64():
    for fn in (kf.image.flip_left_right, kf.image.flip_up_down, kf.image.transpose_image,
               lambda t: kf.image.rot90(t, 3), lambda t: kf.image.central_crop(t, 0.6),
               lambda t: kf.image.crop_to_bounding_box(t, 1, 1, 3, 4),
               lambda t: kf.image.pad_to_bounding_box(t, 1, 0, 7, 8),
               lambda t: kf.image.resize_image_with_crop_or_pad(t, 3, 9)):
        check_gradients(fn, [BATCH])


def test_geometry_errors():
    with pytest.raises(ValueError, match="flip_left_right.*3-D"):
        kf.image.flip_left_right(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="crop_to_bounding_box.*does not fit"):
        kf.image.crop_to_bounding_box(IMG, 3, 0, 4, 2)
    with pytest.raises(ValueError, match="pad_to_bounding_box.*does not fit"):
        kf.image.pad_to_bounding_box(IMG, 0, 0, 4, 6)
    with pytest.raises(ValueError, match="central_fraction"):
        kf.image.central_crop(IMG, 1.5)
    with pytest.raises(ValueError, match="random_crop.*one entry per dimension"):
        kf.image.random_crop(IMG, [2, 2])
