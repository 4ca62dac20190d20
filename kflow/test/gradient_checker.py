"""TF1's ``tf.test.compute_gradient`` / ``compute_gradient_error``: full Jacobians, symbolic vs numerical.

Unlike ``kflow.engine.gradient_check`` (kflow's own float64 check along one random direction), these return
both Jacobians as TF1 does, shaped ``[x_size, y_size]``: row ``i`` is the derivative of every ``y`` value by
``x``'s flat element ``i``. The symbolic one is ``kf.gradients`` with one-hot ``grad_ys``, the numerical one
central differences ``(y(x + delta) - y(x - delta)) / (2 delta)``. They run in the default session.

Example:
    >>> with self.cached_session():
    ...     x = kf.constant([1.0, 2.0]); y = x * x
    ...     err = kf.test.compute_gradient_error(x, [2], y, [2])   # ~1e-5 in float32
"""
import numpy as np

from kflow.engine.default_session import get_default_session
from kflow.engine.gradients import gradients
from kflow.engine.ops.constant_op import placeholder


def _dense(value):
    """A fetched gradient as an array (IndexedSlices values are scattered into their dense shape)."""
    if hasattr(value, "indices") and hasattr(value, "values"):
        out = np.zeros(tuple(value.dense_shape), value.values.dtype)
        np.add.at(out, value.indices, value.values)
        return out
    return np.asarray(value)


def _jacobians(sess, x, x_shape, x_value, y, y_shape, delta, feed):
    x_size, y_size = int(np.prod(x_shape)), int(np.prod(y_shape))
    dy = placeholder(y.dtype, y_shape, name="compute_gradient_dy")
    grad = gradients(y, x, grad_ys=dy)[0]
    theoretical = np.zeros((x_size, y_size), np.float64)
    if grad is not None:
        one_hot = np.zeros(y_size, y.dtype.as_numpy_dtype)
        for j in range(y_size):
            one_hot[:] = 0
            one_hot[j] = 1
            run_feed = dict(feed)
            run_feed[x], run_feed[dy] = x_value, one_hot.reshape(y_shape)
            theoretical[:, j] = _dense(sess.run(grad, run_feed)).reshape(-1)
    numerical = np.zeros((x_size, y_size), np.float64)
    flat = x_value.reshape(-1)
    for i in range(x_size):
        saved = flat[i]
        flat[i] = saved + delta
        y_pos = np.asarray(sess.run(y, {**feed, x: x_value}), np.float64)
        flat[i] = saved - delta
        y_neg = np.asarray(sess.run(y, {**feed, x: x_value}), np.float64)
        flat[i] = saved
        numerical[i, :] = ((y_pos - y_neg) / (2 * delta)).reshape(-1)
    return theoretical, numerical


def compute_gradient(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3, init_targets=None,
                     extra_feed_dict=None):
    """(theoretical, numerical) Jacobians of ``y`` by ``x``, each ``[x_size, y_size]``; a list of such pairs
    when ``x`` is a list (with ``x_shape`` and ``x_init_value`` lists too).

    Args:
        x: a float tensor (fed with ``x_init_value``, random values in [0, 1) by default), or a list.
        y: the float tensor differentiated, of static shape ``y_shape``.
        delta: the finite-difference step.
        init_targets: ops run first (e.g. variable initializers).
        extra_feed_dict: other feeds y needs.

    Raises:
        ValueError: no default session, or a shape that differs from the tensor's.
    """
    sess = get_default_session()
    if sess is None:
        raise ValueError("compute_gradient runs in the default session: call it inside `with sess.as_default():`"
                         " or `with self.cached_session():`")
    if init_targets is not None:
        sess.run(init_targets)
    feed = dict(extra_feed_dict or {})
    many = isinstance(x, (list, tuple))
    xs, shapes_, inits = (list(x), list(x_shape), list(x_init_value or [None] * len(x))) if many else \
        ([x], [x_shape], [x_init_value])
    if not y.shape.is_compatible_with(y_shape):
        raise ValueError("compute_gradient: y_shape %s does not match y %s" % (list(y_shape), y))
    values = []
    for xi, shape, init in zip(xs, shapes_, inits):
        if not xi.shape.is_compatible_with(shape):
            raise ValueError("compute_gradient: x_shape %s does not match x %s" % (list(shape), xi))
        dtype = xi.dtype.as_numpy_dtype
        value = np.random.random_sample(shape).astype(dtype) if init is None else np.array(init, dtype=dtype)
        if list(value.shape) != list(shape):
            raise ValueError("compute_gradient: x_init_value has shape %s, x_shape is %s" % (value.shape, shape))
        values.append(value)
    feed.update(zip(xs, values))  # each x is perturbed while the others keep their values, as in TF1
    out = [_jacobians(sess, xi, shape, value, y, y_shape, delta, feed)
           for xi, shape, value in zip(xs, shapes_, values)]
    return out if many else out[0]


def compute_gradient_error(x, x_shape, y, y_shape, x_init_value=None, delta=1e-3, init_targets=None,
                           extra_feed_dict=None):
    """The largest absolute difference between the theoretical and numerical Jacobians (over all ``x``)."""
    pairs = compute_gradient(x, x_shape, y, y_shape, x_init_value, delta, init_targets, extra_feed_dict)
    pairs = pairs if isinstance(pairs, list) else [pairs]
    return max((float(np.max(np.abs(t - n))) if t.size else 0.0) for t, n in pairs)
