import numpy as np
import pytest

import kflow as kf
from kflow import initializers as I


def _values(init, shape, dtype=None):
    t = init(shape, dtype=dtype)
    with kf.Session() as sess:
        return sess.run(t)


def test_constant_family():
    np.testing.assert_array_equal(_values(kf.zeros_initializer(), [2, 3]), np.zeros((2, 3)))
    np.testing.assert_array_equal(_values(kf.ones_initializer(), [2]), [1, 1])
    np.testing.assert_allclose(_values(kf.constant_initializer(0.1), [3]), [0.1] * 3, rtol=1e-6)
    v = _values(kf.constant_initializer([[1, 2], [3, 4]]), [2, 2], kf.float64)
    assert v.dtype == np.float64 and v.tolist() == [[1, 2], [3, 4]]
    np.testing.assert_array_equal(_values(I.Identity(gain=2.0), [2, 3]), 2 * np.eye(2, 3))
    assert _values(kf.zeros_initializer(dtype=kf.int32), [2]).dtype == np.int32
    with pytest.raises(ValueError, match="has 3 elements"):
        kf.constant_initializer([1, 2, 3])([2, 2])


def test_random_initializers_statistics():
    kf.set_random_seed(0)
    n = _values(kf.random_normal_initializer(mean=1.0, stddev=2.0), [200, 100])
    assert abs(n.mean() - 1.0) < 0.05 and abs(n.std() - 2.0) < 0.05
    t = _values(kf.truncated_normal_initializer(stddev=0.5), [200, 100])
    assert np.abs(t).max() <= 1.0 + 1e-6
    u = _values(kf.random_uniform_initializer(-3, 3), [200, 100])
    assert u.min() >= -3 and u.max() < 3 and abs(u.mean()) < 0.05
    u01 = _values(kf.random_uniform_initializer(), [1000])
    assert 0 <= u01.min() and u01.max() < 1
    with pytest.raises(ValueError, match="floating point"):
        kf.random_normal_initializer()([2], dtype=kf.int32)


def test_variance_scaling_family():
    kf.set_random_seed(1)
    fan_in, fan_out = 300, 200
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    g = _values(kf.glorot_uniform_initializer(), [fan_in, fan_out])
    assert np.abs(g).max() <= limit and abs(g.std() - limit / np.sqrt(3)) < 0.01 * limit * 5
    gn = _values(kf.glorot_normal_initializer(), [fan_in, fan_out])
    assert abs(gn.std() - np.sqrt(2.0 / (fan_in + fan_out))) < 0.003
    he = _values(kf.he_normal(), [fan_in, fan_out])
    assert abs(he.std() - np.sqrt(2.0 / fan_in)) < 0.003
    hu = _values(kf.he_uniform(), [fan_in, fan_out])
    assert np.abs(hu).max() <= np.sqrt(6.0 / fan_in)
    vs = _values(kf.variance_scaling_initializer(scale=3.0, mode="fan_out", distribution="untruncated_normal"),
                 [fan_in, fan_out])
    assert abs(vs.std() - np.sqrt(3.0 / fan_out)) < 0.005
    conv = _values(kf.variance_scaling_initializer(distribution="uniform"), [3, 3, 16, 8])
    assert np.abs(conv).max() <= np.sqrt(3.0 / (3 * 3 * 16))
    assert I.compute_fans([3, 3, 16, 32]) == (144, 288) and I.compute_fans([5]) == (5, 5)
    with pytest.raises(ValueError, match="mode"):
        kf.variance_scaling_initializer(mode="fan_all")



@pytest.mark.parametrize("mode,distribution", [("fan_avg", "truncated_normal"), ("fan_in", "uniform"),
                                               ("fan_out", "normal")])
def test_variance_scaling_mode_and_distribution_statistics(mode, distribution):
    kf.set_random_seed(2)
    fan_in, fan_out, scale = 400, 100, 2.0
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode]
    v = _values(I.variance_scaling(scale=scale, mode=mode, distribution=distribution), [fan_in, fan_out])
    # every distribution is built so that the *drawn* values have variance scale / fan (TF1 rescales the
    # truncated normal's stddev by 1/0.8796 to undo the truncation's shrinkage)
    assert abs(v.std() / np.sqrt(scale / fan) - 1.0) < 0.02
    assert abs(v.mean()) < 0.01 * np.sqrt(scale / fan) * 5
    if distribution == "uniform":
        assert np.abs(v).max() <= np.sqrt(3.0 * scale / fan)
    if distribution == "truncated_normal":
        assert np.abs(v).max() <= 2.0 * np.sqrt(scale / fan) / 0.87962566103423978 + 1e-12


@pytest.mark.parametrize("shape", [[6, 4], [4, 6], [2, 3, 5]])
def test_orthogonal(shape):
    q = _values(kf.orthogonal_initializer(gain=1.5, seed=3), shape)
    flat = q.reshape(-1, shape[-1])
    small = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(small, 2.25 * np.eye(len(small)), atol=1e-5)
    with pytest.raises(ValueError, match="two-dimensional"):
        kf.orthogonal_initializer()([3])


def test_seeds_graph_level_and_op_level():
    def build(graph_seed, op_seed):
        g = kf.Graph()
        with g.as_default():
            if graph_seed is not None:
                kf.set_random_seed(graph_seed)
            v = kf.get_variable("v", [5], initializer=kf.random_normal_initializer(seed=op_seed))
            w = kf.get_variable("w", [5])
            init = kf.global_variables_initializer()
        return g, v, w, init

    def run(g, v, w, init):
        with kf.Session(graph=g) as sess:
            sess.run(init)
            return sess.run([v, w])

    g, v, w, init = build(7, None)
    a, b = run(g, v, w, init), run(g, v, w, init)  # two sessions over one seeded graph agree
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.allclose(a[0], a[1])
    c = run(*build(7, None))
    np.testing.assert_array_equal(a[0], c[0])  # same graph seed, same construction: same values
    d, e = run(*build(None, 5)), run(*build(None, 5))
    np.testing.assert_array_equal(d[0], e[0])  # an op seed alone is reproducible too


def test_get_variable_default_is_glorot_uniform():
    v = kf.get_variable("w", [40, 60])
    assert v.initializer.inputs[0].op.name == "w/Initializer/random_uniform"
    with kf.Session() as sess:
        sess.run(v.initializer)
        assert np.abs(sess.run(v)).max() <= np.sqrt(6.0 / 100)


def test_lookup_serialization_and_keras_defaults():
    assert isinstance(I.get("glorot_uniform"), I.GlorotUniform)
    assert isinstance(I.get("zeros"), I.Zeros)
    he = I.get("he_normal")
    assert (he.scale, he.mode, he.distribution) == (2.0, "fan_in", "truncated_normal")
    from kflow.initializers import keras_initializers as K

    assert K.RandomNormal().stddev == 0.05 and kf.initializers.random_normal().stddev == 1.0
    assert K.RandomUniform().minval == -0.05
    for init in [I.Constant(0.3), K.TruncatedNormal(seed=2), I.VarianceScaling(2.0, "fan_avg", "uniform"),
                 I.Orthogonal(gain=2.0)]:
        again = I.deserialize(I.serialize(init))
        assert type(again) is type(init) and again.get_config() == init.get_config()
    fn = lambda shape, dtype=None, partition_info=None: kf.zeros(shape, dtype)  # noqa: E731
    assert I.get(fn) is fn and I.get(None) is None
    with pytest.raises(ValueError, match="Unknown initializer"):
        I.get("glorious")
