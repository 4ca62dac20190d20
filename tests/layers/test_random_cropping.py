"""RandomCrop, RandomHeight, RandomWidth: crops and resizes checked against a numpy bilinear resize (TF 2's
half-pixel grid), inference behaviour, seeds, unknown image sizes, config and a model that fits, saves, loads."""
import numpy as np
import pytest

import kflow as kf

L = kf.keras.layers


def _bilinear_matrix(old, new):
    """Rows: output samples; TF 2 resize: source = (i + 0.5) * old / new - 0.5, clamped at the edges."""
    m = np.zeros((new, old))
    for i in range(new):
        src = (i + 0.5) * old / new - 0.5
        lo = int(np.floor(src))
        frac = src - lo
        m[i, min(max(lo, 0), old - 1)] += 1 - frac
        m[i, min(max(lo + 1, 0), old - 1)] += frac
    return m


def resize_reference(x, height, width):
    return np.einsum("ih,nhwc,jw->nijc", _bilinear_matrix(x.shape[1], height), x, _bilinear_matrix(x.shape[2], width))


def smart_resize_reference(x, height, width):
    h, w = x.shape[1:3]
    ch = max(min(h, int(w * height / width)), 1)
    cw = max(min(w, int(h * width / height)), 1)
    top, left = (h - ch) // 2, (w - cw) // 2
    return resize_reference(x[:, top:top + ch, left:left + cw], height, width)


def _images(*shape):
    return np.random.RandomState(0).rand(*shape)


@pytest.mark.parametrize("height,width", [(3, 4), (3, 3), (5, 7), (8, 9), (6, 8)])
def test_random_crop_inference_is_keras_smart_resize(height, width):
    x = _images(2, 6, 8, 2)
    static = L.RandomCrop(height, width)(kf.constant(x))
    ph = kf.placeholder(kf.float64, [None, None, None, 2])
    dynamic = L.RandomCrop(height, width)(ph, training=False)
    with kf.Session() as sess:
        a, b = sess.run([static, dynamic], {ph: x})
    want = smart_resize_reference(x, height, width)
    np.testing.assert_allclose(a, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b, want, rtol=1e-12, atol=1e-12)
    if (height, width) == (6, 8):
        np.testing.assert_array_equal(a, x)


def test_random_crop_training_windows_seeds_and_small_images():
    x = _images(3, 7, 9, 1)
    layer = L.RandomCrop(4, 5, seed=7)
    out = layer(kf.constant(x), training=True)
    ph = kf.placeholder(kf.float64, [None, None, None, 1])
    out_dynamic = layer(ph, training=True)
    small = layer(kf.constant(x[:, :3]), training=True)   # smaller than the target: smart_resize
    single = layer(kf.constant(x[0]), training=True)
    assert out.shape.as_list() == [3, 4, 5, 1] and single.shape.as_list() == [4, 5, 1]
    starts = set()
    with kf.Session() as sess:
        for _ in range(30):
            got, got_dynamic, got_small, got_single = sess.run([out, out_dynamic, small, single], {ph: x})
            for value in (got, got_dynamic):
                found = [(i, j) for i in range(4) for j in range(5) if np.array_equal(value, x[:, i:i + 4, j:j + 5])]
                assert len(found) == 1       # one window, the same for every image of the batch
                starts.add(found[0])
            assert any(np.array_equal(got_single, x[0, i:i + 4, j:j + 5]) for i in range(4) for j in range(5))
            np.testing.assert_allclose(got_small, smart_resize_reference(x[:, :3], 4, 5), rtol=1e-12)
    assert len(starts) > 5
    runs = []
    for _ in range(2):
        with kf.Graph().as_default():
            y = L.RandomCrop(4, 5, seed=7)(kf.constant(x), training=True)
            kf.set_random_seed(1)
            with kf.Session() as sess:
                runs.append([sess.run(y) for _ in range(3)])
    np.testing.assert_array_equal(runs[0], runs[1])


@pytest.mark.parametrize("cls,axis", [(L.RandomHeight, 1), (L.RandomWidth, 2)])
def test_random_height_width_resize_while_training(cls, axis):
    x = _images(2, 6, 8, 3)
    layer = cls((-0.5, 0.5), seed=3)
    trained = layer(kf.constant(x), training=True)
    assert trained.shape.as_list()[axis] is None
    assert layer.compute_output_shape((2, 6, 8, 3)).as_list()[axis] is None
    sizes = set()
    with kf.Session() as sess:
        assert np.array_equal(sess.run(layer(kf.constant(x), training=False)), x)
        for _ in range(20):
            got = sess.run(trained)
            size = got.shape[axis]
            assert int(0.5 * x.shape[axis]) <= size <= int(1.5 * x.shape[axis])
            sizes.add(size)
            want = resize_reference(x, size, 8) if axis == 1 else resize_reference(x, 6, size)
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    assert len(sizes) > 2


def test_learning_phase_config_and_errors():
    x = _images(2, 6, 8, 1)
    ph = kf.placeholder(kf.float64, [2, 6, 8, 1])
    crop = L.RandomCrop(4, 4, seed=1)(ph)         # learning phase decides, in the graph
    tall = L.RandomHeight(0.5, seed=1)(ph)
    phase = kf.keras.backend.learning_phase()
    with kf.Session() as sess:
        np.testing.assert_allclose(sess.run(crop, {ph: x}), smart_resize_reference(x, 4, 4), rtol=1e-12)
        assert np.array_equal(sess.run(tall, {ph: x}), x)
        windows = sess.run(crop, {ph: x, phase: True})
        assert any(np.array_equal(windows, x[:, i:i + 4, j:j + 4]) for i in range(3) for j in range(5))
    for layer in (L.RandomCrop(3, 4, seed=2), L.RandomHeight((-0.2, 0.3), interpolation="nearest"),
                  L.RandomWidth(0.1, seed=5)):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
    with pytest.raises(ValueError, match="factor must be >= -1"):
        L.RandomHeight((-1.5, 0.0))
    with pytest.raises(ValueError, match="interpolation"):
        L.RandomWidth(0.1, interpolation="cubic")
    with pytest.raises(ValueError, match="expects images"):
        L.RandomCrop(2, 2)(kf.zeros([4, 4]))


def test_augmented_model_fits_saves_and_loads(trains_and_round_trips):
    rng = np.random.RandomState(4)
    x = rng.rand(32, 8, 8, 1).astype(np.float32)
    y = x.mean(axis=(1, 2, 3))[:, None]
    model = kf.keras.Sequential([L.RandomCrop(6, 6, seed=1, input_shape=(8, 8, 1)), L.RandomHeight(0.2, seed=2),
                                 L.RandomWidth(0.2, seed=3), L.GlobalAveragePooling2D(), L.Dense(1)])
    model.compile(kf.keras.optimizers.SGD(0.5), "mse")
    loaded = trains_and_round_trips(model, x, y)
    assert [type(layer).__name__ for layer in loaded.layers][:3] == ["RandomCrop", "RandomHeight", "RandomWidth"]
