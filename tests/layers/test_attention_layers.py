"""Attention, AdditiveAttention and MultiHeadAttention: numpy references (masks, causal), gradients with
respect to inputs and weights, configs, and models that fit, save and load."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from layer_gradients import check_layer_gradients

L = kf.keras.layers


def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _attend_reference(scores, value, keep=None):
    if keep is not None:
        scores = np.where(keep, scores, scores - 1e9)
    weights = _softmax(scores)
    return weights @ value, weights


def _run(fetches, feed=None):
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        return sess.run(fetches, feed)


def _inputs(seed=0, tq=3, tv=5, dim=4):
    rng = np.random.RandomState(seed)
    return rng.randn(2, tq, dim), rng.randn(2, tv, dim), rng.randn(2, tv, dim)


def test_dot_attention_values_with_key_value_mask_and_query_mask():
    q, v, k = _inputs()
    value_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    query_mask = np.array([[1, 1, 0], [1, 1, 1]], bool)
    out, weights = L.Attention()([kf.constant(q), kf.constant(v), kf.constant(k)],
                                 mask=[kf.constant(query_mask), kf.constant(value_mask)],
                                 return_attention_scores=True)
    got, got_w = _run([out, weights])
    expect, expect_w = _attend_reference(q @ k.transpose(0, 2, 1), v, value_mask[:, None, :])
    np.testing.assert_allclose(got_w, expect_w, rtol=1e-10)
    np.testing.assert_allclose(got, expect * query_mask[..., None], rtol=1e-10)
    assert np.all(got_w[0, :, 3:] == 0)


def test_causal_dot_attention_both_spellings():
    q, v, _ = _inputs(1, tq=4, tv=4)
    keep = np.tril(np.ones((4, 4), bool))
    expect, _ = _attend_reference(q @ v.transpose(0, 2, 1), v, keep)
    new = L.Attention()([kf.constant(q), kf.constant(v)], use_causal_mask=True)
    old = L.Attention(causal=True)([kf.constant(q), kf.constant(v)])
    for got in _run([new, old]):
        np.testing.assert_allclose(got, expect, rtol=1e-10)


def test_additive_attention_values():
    q, v, _ = _inputs(2)
    layer = L.AdditiveAttention()
    out = layer([kf.constant(q), kf.constant(v)])
    got, scale = _run([out, layer.scale])
    scores = (scale * np.tanh(q[:, :, None, :] + v[:, None, :, :])).sum(-1)
    np.testing.assert_allclose(got, _attend_reference(scores, v)[0], rtol=1e-10)


@pytest.mark.parametrize("make", [lambda: L.Attention(use_scale=True, name="probe"),
                                  lambda: L.AdditiveAttention(name="probe"),
                                  lambda: L.AdditiveAttention(use_scale=False, name="probe")])
def test_attention_gradients(make):
    q, v, k = _inputs(3)
    check_layer_gradients(make, [q, v, k], call=lambda layer, *xs: layer(list(xs)))


def test_attention_without_weights_gradient_with_causal_mask():
    q, v, _ = _inputs(4, tq=5, tv=5)
    check_gradients(lambda a, b: L.Attention()([a, b], use_causal_mask=True), [q, v])


def _mha_reference(layer_weights, q, v, k, heads, key_dim, keep=None):
    qk, qb, kk, kb, vk, vb, ok, ob = layer_weights

    def heads_of(x, kernel, bias):
        return (np.einsum("btd,dhk->bthk", x, kernel) + bias).transpose(0, 2, 1, 3)

    qh, kh, vh = heads_of(q, qk, qb) / np.sqrt(key_dim), heads_of(k, kk, kb), heads_of(v, vk, vb)
    context, weights = _attend_reference(qh @ kh.transpose(0, 1, 3, 2), vh, keep)
    return np.einsum("bhtv,hvo->bto", context, ok) + ob, weights


def test_multi_head_attention_matches_numpy():
    q, v, k = _inputs(5, dim=6)
    mask = np.random.RandomState(6).rand(2, 3, 5) > 0.3
    mask[:, :, 0] = True
    layer = L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, output_shape=5)
    out, scores = layer(kf.constant(q), kf.constant(v), kf.constant(k), attention_mask=kf.constant(mask),
                        return_attention_scores=True)
    assert out.shape.as_list() == [2, 3, 5] and scores.shape.as_list() == [2, 2, 3, 5]
    got, got_scores, weights = _run([out, scores, layer.weights])
    expect, expect_scores = _mha_reference(weights, q, v, k, 2, 3, mask[:, None])
    np.testing.assert_allclose(got_scores, expect_scores, rtol=1e-9)
    np.testing.assert_allclose(got, expect, rtol=1e-9)
    causal = layer(kf.constant(q), kf.constant(q), use_causal_mask=True, return_attention_scores=True)[1]
    assert np.all(np.triu(_run(causal)[0, 0], 1) == 0)


def test_multi_head_attention_gradients_and_config():
    q, v, _ = _inputs(7, dim=4)
    names = check_layer_gradients(lambda: L.MultiHeadAttention(2, 3, name="probe"), [q, v], rtol=1e-5)
    assert len(names) == 8
    config = L.MultiHeadAttention(2, 3, dropout=0.1, output_shape=7).get_config()
    assert L.MultiHeadAttention.from_config(config).get_config() == config
    for layer in (L.Attention(use_scale=True, dropout=0.2, causal=True), L.AdditiveAttention(use_scale=False)):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config


def test_attention_models_fit_save_and_load(trains_and_round_trips):
    rng = np.random.RandomState(8)
    x = rng.randn(32, 5, 4).astype(np.float32)
    y = x.mean(axis=(1, 2))[:, None]
    inputs = kf.keras.Input((5, 4))
    self_attended = L.MultiHeadAttention(num_heads=2, key_dim=2, dropout=0.1)(inputs, inputs)
    dot = L.Attention(use_scale=True)([self_attended, inputs])
    additive = L.AdditiveAttention()([dot, inputs])
    outputs = L.Dense(1)(L.GlobalAveragePooling1D()(additive))
    model = kf.keras.Model(inputs, outputs)
    model.compile(kf.keras.optimizers.Adam(0.01), "mse")
    loaded = trains_and_round_trips(model, x, y)
    assert {"MultiHeadAttention", "Attention", "AdditiveAttention"} <= {type(l).__name__ for l in loaded.layers}


def test_attention_input_errors():
    with pytest.raises(ValueError, match=r"Attention: inputs must be a list \[query, value\]"):
        L.Attention()(kf.zeros([2, 3, 4]))
    with pytest.raises(NotImplementedError, match="attention_axes"):
        L.MultiHeadAttention(2, 3, attention_axes=(2, 3))
