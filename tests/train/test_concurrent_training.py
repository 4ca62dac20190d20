"""Session.run from many threads: per-thread scratch buffers (never NaN) and ``use_locking`` (no lost update).

TF1 programs run ``sess.run(train_op)`` from QueueRunner or worker threads; kflow's fused updates once shared
one scratch buffer per op, so a thread's half-computed step leaked into another's (NaN with Adam, RMSProp,
Adagrad), and ``use_locking=True`` was ignored (updates of a 256x256 variable were lost).
"""
import threading

import numpy as np
import pytest

import kflow as kf

THREADS, STEPS = 4, 500
SHAPE = (128, 128)  # large enough that numpy releases the GIL inside the update's ufuncs

OPTIMIZERS = {
    "GradientDescent": lambda locking: kf.train.GradientDescentOptimizer(0.01, use_locking=locking),
    "Momentum": lambda locking: kf.train.MomentumOptimizer(0.01, 0.9, use_locking=locking),
    "Adagrad": lambda locking: kf.train.AdagradOptimizer(0.01, use_locking=locking),
    "RMSProp": lambda locking: kf.train.RMSPropOptimizer(0.01, use_locking=locking),
    "Adam": lambda locking: kf.train.AdamOptimizer(0.01, use_locking=locking),
    # its ms - mg*mg read torn by another thread's step went negative: sqrt gave NaN
    "CenteredRMSProp": lambda locking: kf.train.RMSPropOptimizer(0.01, momentum=0.9, centered=True,
                                                                 use_locking=locking),
}


def _model(make_optimizer, locking):
    """A loss whose gradient does not depend on the weights, so every step applies the same gradient and all
    serial orders of the steps give the same result."""
    graph = kf.Graph()
    with graph.as_default():
        w = kf.Variable(np.ones(SHAPE, np.float32), name="w")
        slope = kf.constant(np.linspace(-1, 1, SHAPE[0] * SHAPE[1], dtype=np.float32).reshape(SHAPE))
        step = kf.train.get_or_create_global_step()
        optimizer = make_optimizer(locking)
        train_op = optimizer.minimize(kf.reduce_sum(w * slope), global_step=step)
        state = [w] + [optimizer.get_slot(w, n) for n in optimizer.get_slot_names()]
        init = kf.global_variables_initializer()
    return graph, train_op, init, state, step


def _train(make_optimizer, locking, threads):
    graph, train_op, init, state, step = _model(make_optimizer, locking)
    with kf.Session(graph=graph) as sess:
        sess.run(init)
        errors = []

        def work(steps):
            try:
                for _ in range(steps):
                    sess.run(train_op)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        workers = [threading.Thread(target=work, args=(THREADS * STEPS // threads,)) for _ in range(threads)]
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        assert not errors, errors
        return sess.run(state), int(sess.run(step))


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_four_threads_never_give_nan_and_count_every_step(name):
    with np.errstate(all="ignore"):
        values, step = _train(OPTIMIZERS[name], locking=False, threads=THREADS)
    assert step == THREADS * STEPS
    for v in values:
        assert np.isfinite(v).all(), "%s: non-finite weights after concurrent training" % name


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_use_locking_loses_no_update(name):
    make = OPTIMIZERS[name]
    concurrent, step = _train(make, locking=True, threads=THREADS)
    serial, serial_step = _train(make, locking=True, threads=1)
    assert step == serial_step == THREADS * STEPS
    if name == "Adam":
        # m and v see the same gradients in any order; the step size reads beta powers that another
        # thread's step may advance in between (a separate op, as in TF): an Adam step moves a weight by at
        # most ~lr, and each thread may see the powers of up to THREADS steps ahead, which shifts the early,
        # bias-corrected steps; the weights (~lr * THREADS * STEPS) agree within a few steps' worth.
        np.testing.assert_array_equal(concurrent[1:], serial[1:])
        np.testing.assert_allclose(concurrent[0], serial[0], rtol=0, atol=2 * THREADS * 0.01)
    else:
        for got, want in zip(concurrent, serial):
            np.testing.assert_array_equal(got, want)
