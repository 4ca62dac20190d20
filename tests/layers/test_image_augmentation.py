"""RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast (their op, transform_images, is
tested in tests/image/test_image_projective_transform.py): references for known transforms, the per-image draws, identity outside training, configs,
use in fit (saved and loaded) and in a Dataset map."""
import numpy as np
import pytest

import kflow as kf

L = kf.keras.layers
AUGMENTATIONS = [lambda: L.RandomFlip(seed=1), lambda: L.RandomContrast(0.3, seed=1),
                 lambda: L.RandomRotation(0.2, seed=1), lambda: L.RandomZoom(0.3, seed=1),
                 lambda: L.RandomTranslation(0.2, (-0.1, 0.3), fill_mode="constant", seed=1)]


def _run(fetches, feed=None):
    with kf.Session() as sess:
        return sess.run(fetches, feed)


def _images(n=3, h=5, w=6, seed=0):
    return np.random.RandomState(seed).rand(n, h, w, 2).astype(np.float32)


@pytest.mark.parametrize("make", AUGMENTATIONS)
def test_identity_outside_training_and_config(make):
    x = _images()
    np.testing.assert_array_equal(_run(make()(kf.constant(x))), x)
    np.testing.assert_array_equal(_run(make()(kf.constant(x), training=False)), x)
    layer = make()
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config
    assert _run(make()(kf.constant(x[0]), training=True)).shape == x[0].shape  # a single image


def test_quarter_turn_rotation_and_central_zoom():
    x = _images(2, 5, 5)
    turned = _run(L.RandomRotation((0.25, 0.25), fill_mode="constant")(kf.constant(x), training=True))
    np.testing.assert_allclose(turned, np.rot90(x, k=1, axes=(1, 2)), atol=1e-5)  # counter-clockwise
    zoomed = _run(L.RandomZoom((-0.5, -0.5))(kf.constant(x), training=True))
    source = np.array([1.0, 1.5, 2.0, 2.5, 3.0])  # output pixel i reads input point 0.5 i + 1 (2x zoom in)
    rows = np.stack([np.interp(source, np.arange(5), x[0, r, :, 0]) for r in range(5)])
    expect = np.stack([np.interp(source, np.arange(5), rows[:, c]) for c in range(5)], axis=1)
    np.testing.assert_allclose(zoomed[0, :, :, 0], expect, rtol=1e-5)


def test_each_image_draws_its_own_flip_and_contrast():
    x = _images(64)
    flipped = _run(L.RandomFlip("horizontal")(kf.constant(x), training=True))
    same = np.all(flipped == x, axis=(1, 2, 3))
    mirrored = np.all(flipped == x[:, :, ::-1], axis=(1, 2, 3))
    assert np.all(same | mirrored) and 10 < same.sum() < 54
    x = x.astype(np.float64)  # the ratio below divides by deviations near zero
    contrast = _run(L.RandomContrast((0.5, 0.5))(kf.constant(x), training=True))
    mean = x.mean(axis=(1, 2), keepdims=True)
    scale = (contrast - mean) / (x - mean)
    assert np.allclose(scale, scale[:, :1, :1, :1], rtol=1e-6)  # one factor per image
    assert 0.5 <= scale.min() and scale.max() <= 1.5 and scale.std() > 0.1
    np.testing.assert_allclose(contrast.mean(axis=(1, 2)), mean[:, 0, 0], rtol=1e-5)


def test_translation_draws_shifts_in_range():
    x = np.zeros((200, 1, 20, 1), np.float32)
    x[:, 0, 10] = 1.0
    out = _run(L.RandomTranslation(0.0, (0.1, 0.25), interpolation="nearest",
                                   fill_mode="constant")(kf.constant(x), training=True))
    positions = out[:, 0, :, 0].argmax(axis=1)
    assert positions.min() >= 12 and positions.max() <= 15 and len(set(positions)) > 2


def test_augmentation_in_fit_save_load_and_dataset_map(trains_and_round_trips):
    x = _images(32, 6, 6)
    y = x.mean(axis=(1, 2, 3))[:, None]
    model = kf.keras.Sequential([kf.keras.Input((6, 6, 2)), L.RandomFlip(), L.RandomRotation(0.05),
                                 L.RandomZoom(0.1), L.RandomTranslation(0.1, 0.1), L.RandomContrast(0.1),
                                 L.GlobalAveragePooling2D(), L.Dense(1, kernel_initializer="zeros")])
    model.compile(kf.keras.optimizers.SGD(0.1), "mse")  # the mean survives every augmentation
    loaded = trains_and_round_trips(model, x, y)  # predictions equal: no augmentation outside training
    assert [type(l).__name__ for l in loaded.layers][:2] == ["RandomFlip", "RandomRotation"]
    flip = L.RandomFlip("vertical", seed=3)
    batches = kf.data.Dataset.from_tensor_slices(x).map(lambda im: flip(im, training=True)).batch(32)
    out = next(iter(batches))
    up = np.all(out == x, axis=(1, 2, 3))
    assert np.all(up | np.all(out == x[:, ::-1], axis=(1, 2, 3))) and 0 < up.sum() < 32
