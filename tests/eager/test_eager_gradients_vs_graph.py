"""Eager gradients (GradientTape replaying declared gradients) equal graph-mode gradients (kf.gradients), first
and second order, float64, for every case of the op gradient table plus the nn ops and the newer ops' cases
(eager_more_op_cases.py); and every differentiable declared op type is exercised by some case (or listed below
with the reason it is not)."""
import importlib.util
import os
import re
import sys

import numpy as np
import pytest

import kflow as kf
from kflow.engine import op_def

_OPS_TESTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "engine", "ops")
sys.path.insert(0, _OPS_TESTS)  # test_ops_gradients imports its helpers (op_cases) by plain name
_spec = importlib.util.spec_from_file_location("_op_gradient_cases", os.path.join(_OPS_TESTS, "test_ops_gradients.py"))
_cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_cases)
_more_spec = importlib.util.spec_from_file_location(
    "_eager_more_op_cases", os.path.join(os.path.dirname(os.path.abspath(__file__)), "eager_more_op_cases.py"))
_more_cases = importlib.util.module_from_spec(_more_spec)
_more_spec.loader.exec_module(_more_cases)
rand = _cases.rand


def _img(*shape, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, size=shape)


LOGITS = rand(4, 5, seed=21)
LABELS = np.eye(5)[[0, 3, 1, 4]]
NN = [
    ("relu", kf.nn.relu, [_cases.NZ]),
    ("relu6", lambda x: kf.nn.relu6(x * 4.0), [_cases.NZ]),
    ("elu", kf.nn.elu, [_cases.NZ]),
    ("selu", kf.nn.selu, [_cases.NZ]),
    ("leaky_relu", lambda x: kf.nn.leaky_relu(x, 0.2), [_cases.NZ]),
    ("softplus", kf.nn.softplus, [_cases.A]),
    ("softsign", kf.nn.softsign, [_cases.A]),
    ("softmax", kf.nn.softmax, [_cases.A]),
    ("log_softmax", kf.nn.log_softmax, [_cases.A]),
    ("sign_times", lambda x: kf.sign(x) * x, [_cases.NZ]),
    ("cast", lambda x: kf.cast(kf.cast(x, kf.float32), kf.float64) * x, [_cases.A]),
    ("identity", lambda x: kf.identity(x) * 2.0, [_cases.A]),
    ("l2_loss", kf.nn.l2_loss, [_cases.A]),
    ("bias_add", kf.nn.bias_add, [_cases.A, _cases.ROW]),
    ("softmax_xent", lambda l: kf.nn.softmax_cross_entropy_with_logits_v2(labels=LABELS, logits=l), [LOGITS]),
    ("sparse_softmax_xent", lambda l: kf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=np.array([0, 3, 1, 4]), logits=l), [LOGITS]),
    ("sigmoid_xent", lambda l: kf.nn.sigmoid_cross_entropy_with_logits(labels=(LABELS > 0) * 1.0, logits=l),
     [LOGITS]),
    ("conv2d_same_s2", lambda x, w: kf.nn.conv2d(x, w, [1, 2, 2, 1], "SAME"), [_img(2, 5, 6, 3), _img(3, 3, 3, 2, seed=1)]),
    ("conv2d_valid", lambda x, w: kf.nn.conv2d(x, w, [1, 1, 1, 1], "VALID"), [_img(1, 4, 4, 2), _img(2, 2, 2, 3, seed=2)]),
    ("max_pool", lambda x: kf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"), [_img(2, 4, 6, 3, seed=3)]),
    ("avg_pool", lambda x: kf.nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"), [_img(2, 5, 5, 2, seed=4)]),
    ("top_k", lambda x: kf.nn.top_k(x, 2)[0], [_cases.A]),
    ("embedding_lookup", lambda p: kf.nn.embedding_lookup(p, np.array([[0, 2], [2, 1]])), [rand(3, 4, seed=22)]),
    ("reverse_sequence", lambda x: kf.reverse_sequence(x, np.array([2, 3, 1]), seq_axis=1, batch_axis=0),
     [rand(3, 4, 2, seed=23)]),
    ("cond", lambda x: kf.cond(kf.constant(True), lambda: x * x * 3.0, lambda: x), [_cases.A]),
    ("placeholder_with_default", lambda x: kf.placeholder_with_default(x, x.shape) * x, [_cases.A]),
    ("sparse_to_dense", lambda v: kf.sparse.to_dense(kf.SparseTensor(np.array([[0, 1], [2, 3]], np.int64), v,
                                                                      [3, 4])), [rand(2, seed=24)]),
    ("conv2d_transpose", lambda x, w: kf.nn.conv2d_transpose(x, w, [1, 4, 4, 2], [1, 2, 2, 1], "SAME"),
     [_img(1, 2, 2, 3, seed=5), _img(2, 2, 2, 3, seed=6)]),
]

ALL = _cases.ALL + NN + _more_cases.ALL

_MPI = ("a collective needs kd.init() and means something only across ranks started by mpiexec; its values and "
        "gradients are checked on 2 ranks in tests/distribute/test_collectives.py")
# differentiable declared op types no case records, and why
NOT_RECORDED = {
    "Cond": "eager kf.cond runs the taken branch's ops directly (there is no Cond op to record)",
    "Dropout": "random: its gradient (the kept mask) is checked against the forward mask in test_gradient_tape",
    "InverseTranspose": "built only for a permutation known at run time; eager permutations are always known",
    "PreventGradient": "CTCLoss's gradient output, wrapped so that differentiating it again raises LookupError "
                       "by design (as in TF1); the ctc_loss case checks that eager second order raises the same",
    "While": "eager while_loop (and map_fn/scan/fold/dynamic_rnn) runs as a Python loop over the body's ops "
             "(while_op._run_eagerly): the tape records those ops; no While op exists eagerly",
    "WhileGrad": "the gradient of the While op, which eager mode never builds (see While)",
    "MPIAllgather": _MPI,
    "MPIAllreduce": _MPI,
    "MPIBroadcast": _MPI,
}


def _floating(inputs):
    return [i for i, x in enumerate(inputs) if np.asarray(x).dtype.kind == "f"]


def _weighted_loss(outs, weights):
    return kf.add_n([kf.reduce_sum(o * w) for o, w in zip(outs, weights)])


def _as_list(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]


def _graph_gradients(fn, inputs, weights, second):
    g = kf.Graph()
    with g.as_default():
        phs = [kf.placeholder(kf.as_dtype(np.asarray(x).dtype), np.shape(x)) for x in inputs]
        xs = [phs[i] for i in _floating(inputs)]
        loss = _weighted_loss(_as_list(fn(*phs)), weights)
        grads = kf.gradients(loss, xs)
        if second:
            grads = kf.gradients(kf.add_n([kf.reduce_sum(gr * gr) for gr in grads if gr is not None]), xs)
        with kf.Session(graph=g) as sess:
            present = [gr for gr in grads if gr is not None]
            values = iter(sess.run(present, dict(zip(phs, inputs))))
            return [None if gr is None else next(values) for gr in grads]


def _eager_gradients(fn, inputs, weights, second, recorded=None):
    with kf.eager_mode():
        args = [kf.constant(np.asarray(x)) for x in inputs]
        xs = [args[i] for i in _floating(inputs)]
        with kf.GradientTape() as outer:
            outer.watch(xs)
            with kf.GradientTape() as inner:
                inner.watch(xs)
                loss = _weighted_loss(_as_list(fn(*args)), weights)
            if recorded is not None:
                recorded.update(op.type for op in inner._ops)
            grads = inner.gradient(loss, xs)
            if second:
                total = kf.add_n([kf.reduce_sum(gr * gr) for gr in grads if gr is not None])
        if second:
            if recorded is not None:
                recorded.update(op.type for op in outer._ops)
            grads = outer.gradient(total, xs)
        return [None if gr is None else gr.numpy() for gr in grads]


def _weights(fn, inputs):
    with kf.eager_mode():
        outs = _as_list(fn(*[kf.constant(np.asarray(x)) for x in inputs]))
    rng = np.random.RandomState(7)
    return [rng.standard_normal(o.shape.as_list()) for o in outs]


def _compare(fn, inputs, second):
    weights = _weights(fn, inputs)
    try:
        graph = _graph_gradients(fn, inputs, weights, second)
    except LookupError as e:  # a gradient without a gradient of its own: eager mode says so too
        message = str(e)
        expected = message.split("(op type: ")[1].split(")")[0] if "(op type: " in message else re.escape(message)
        with pytest.raises(LookupError, match=expected):
            _eager_gradients(fn, inputs, weights, second)
        return
    eager = _eager_gradients(fn, inputs, weights, second)
    assert len(graph) == len(eager)
    for gg, ge in zip(graph, eager):
        assert (gg is None) == (ge is None)
        if gg is not None:
            np.testing.assert_allclose(ge, gg, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fn,inputs", [c[1:] for c in ALL], ids=[c[0] for c in ALL])
def test_eager_gradient_equals_graph_gradient(fn, inputs):
    _compare(fn, inputs, second=False)


@pytest.mark.parametrize("fn,inputs", [c[1:] for c in ALL], ids=[c[0] for c in ALL])
def test_eager_second_order_equals_graph(fn, inputs):
    _compare(fn, inputs, second=True)


def _record_up_to_third_order(fn, inputs, recorded):
    """Records the op types of the forward pass and of the first and second gradients (whose own gradients are
    the ops of the next order: MaxPoolGrad's gradient is MaxPoolGradGrad...)."""
    with kf.eager_mode():
        args = [kf.constant(np.asarray(x)) for x in inputs]
        xs = [args[i] for i in _floating(inputs)]
        tapes = [kf.GradientTape(persistent=True) for _ in range(3)]
        for t in tapes:
            t.__enter__()
            t.watch(xs)
        try:
            value = kf.add_n([kf.reduce_sum(o * o) for o in _as_list(fn(*args))])
            for level in (2, 1):  # the innermost tape differentiates first; outer tapes record its ops
                tapes[level].__exit__(None, None, None)
                grads = [g for g in tapes[level].gradient(value, xs) if g is not None]
                if not grads:
                    break
                value = kf.add_n([kf.reduce_sum(g * g) for g in grads])
        finally:
            for t in tapes:
                t.__exit__(None, None, None)
        for t in tapes:
            recorded.update(op.type for op in t._ops)
        tapes[0].gradient(value, xs)


def test_every_differentiable_op_type_is_recorded_by_some_case():
    recorded = set()
    for _, fn, inputs in ALL:
        try:
            _record_up_to_third_order(fn, inputs, recorded)
        except LookupError:  # no higher-order gradient (sparse_to_dense): its first-order ops are recorded
            _eager_gradients(fn, inputs, _weights(fn, inputs), False, recorded)
    declared = {name for name, d in op_def._DECLARED.items()  # kflow's own (other tests declare test ops)
                if d.grad is not None and d.grad is not op_def.NO_GRADIENT_DEFINED
                and getattr(d.grad, "__module__", "").startswith("kflow.")}
    missing = sorted(declared - recorded - set(NOT_RECORDED))
    assert not missing, "differentiable op types no eager case records: %s" % missing
    assert not set(NOT_RECORDED) & recorded, "listed as not recorded but recorded: %s" % (set(NOT_RECORDED) & recorded)
