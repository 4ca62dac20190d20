"""Op declarations: one OpDef per op type gives the kernel, the gradient and the traits that placement, the plan,
the BLAS thread control and autodiff read."""
import traceback

import numpy as np
import pytest

import kflow as kf
from kflow.engine import devices, blas_threads, op_def
from kflow.engine.gradient_check import check_gradients
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.plan import Plan


def _cube_grad(op, grad):
    x = op.inputs[0]
    return [grad * op.attrs["scale"] * 3.0 * x * x]


def _cube(x, scale):
    return scale * x * x * x


# "adding an op": one declaration plus the function that builds it (as in the README)
CUBE = OpDef("TestScaledCube", _cube, grad=_cube_grad)


def scaled_cube(x, scale=1.0, name=None):
    x = convert_to_tensor(x)
    return make_op(CUBE, [x], [(x.dtype, x.shape)], name, params={"scale": scale}).outputs[0]


def test_a_declared_op_runs_and_differentiates():
    x = np.random.RandomState(0).randn(3, 4)
    with kf.Graph().as_default():
        y = scaled_cube(kf.constant(x), scale=2.0)
        assert y.op.type == "TestScaledCube" and y.op.op_def is CUBE
        assert y.op.get_attr("scale") == 2.0  # kernel parameters are kept as attributes
        with kf.Session() as sess:
            np.testing.assert_allclose(sess.run(y), 2.0 * x ** 3)
    check_gradients(lambda t: scaled_cube(t, scale=0.5), [x])


def test_an_op_type_is_declared_once():
    with pytest.raises(ValueError, match="TestScaledCube.*declared twice"):
        OpDef("TestScaledCube", _cube)
    assert op_def.declared("TestScaledCube") is CUBE


def test_op_without_kernel_or_bind_is_rejected():
    with pytest.raises(ValueError, match="needs a kernel or a bind"):
        OpDef("TestNothing")


NO_GRAD = OpDef("TestNoGradientDefined", np.negative)
NOT_DIFFERENTIABLE = OpDef("TestNotDifferentiable", np.negative, grad=None)


def test_missing_gradient_is_an_error_naming_the_op_and_none_means_not_differentiable():
    with kf.Graph().as_default():
        x = kf.constant([1.0, 2.0])
        y = make_op(NO_GRAD, [x], [(x.dtype, x.shape)], "neg_no_grad").outputs[0]
        with pytest.raises(LookupError, match="neg_no_grad.*TestNoGradientDefined"):
            kf.gradients(y, x)
        z = make_op(NOT_DIFFERENTIABLE, [x], [(x.dtype, x.shape)]).outputs[0]
        assert kf.gradients(z, x) == [None]


def test_register_gradient_overrides_a_declared_gradient_by_name():
    @kf.RegisterGradient("TestDoubleGrad")
    def _double(op, grad):
        return [2.0 * grad]

    with kf.Graph().as_default() as g:
        x = kf.constant([1.0, 2.0])
        with g.gradient_override_map({"Identity": "TestDoubleGrad"}):
            y = kf.identity(x)
        with kf.Session() as sess:
            np.testing.assert_allclose(sess.run(kf.gradients(y, x)[0]), [2.0, 2.0])


class _FakeGPU(devices.Backend):
    def __init__(self):
        super().__init__("GPU", np, np.asarray, np.asarray)


HOST_ONLY = OpDef("TestHostOnly", np.negative, grad=None, host_only=True)


def test_placement_reads_host_only_from_the_declaration():
    devices._gpu_override.append(_FakeGPU())
    try:
        with kf.Graph().as_default():
            x = kf.constant([1.0])
            on_host = make_op(HOST_ONLY, [x], [(x.dtype, x.shape)]).outputs[0]
            anywhere = -x
            sess = kf.Session()
            assert sess.placer.place(on_host.op) == ("CPU", 0)
            assert sess.placer.place(anywhere.op) == ("GPU", 0)
    finally:
        devices._gpu_override.pop()


SPLITS = OpDef("TestSplits", np.negative, grad=None, splits=True)


def test_plan_lowers_blas_only_for_ops_declared_splits():
    with kf.Graph().as_default():
        x = kf.placeholder(kf.float32, [2])
        plain = -x
        split = make_op(SPLITS, [x], [(x.dtype, x.shape)]).outputs[0]
        sess = kf.Session()
        assert not Plan(sess, [plain], [x]).lowers_blas
        assert Plan(sess, [split], [x]).lowers_blas == blas_threads.available()


SHARED = np.arange(3.0)
STATE = OpDef("TestSharedBuffer", lambda: SHARED, grad=None, state_output=True)


def test_fetches_of_state_and_of_views_of_state_are_copies():
    with kf.Graph().as_default():
        state = make_op(STATE, [], [(kf.float64, [3])]).outputs[0]
        view = kf.reshape(kf.identity(state), [3, 1])  # views (declared view=True) of the state
        fresh = state + 1.0
        with kf.Session() as sess:
            got_state, got_view, got_fresh = sess.run([state, view, fresh])
    assert not np.shares_memory(got_state, SHARED) and not np.shares_memory(got_view, SHARED)
    np.testing.assert_array_equal(got_view[:, 0], SHARED)
    np.testing.assert_array_equal(got_fresh, SHARED + 1.0)


def _explode(x):
    raise ZeroDivisionError("boom in kernel")


EXPLODE = OpDef("TestExplode", _explode, grad=None)


def test_tracebacks_through_session_run_show_the_generated_plan_line():
    with kf.Graph().as_default():
        x = kf.placeholder(kf.float32, [2], name="x")
        y = make_op(EXPLODE, [x], [(x.dtype, x.shape)], "exploding").outputs[0]
        with kf.Session() as sess:
            with pytest.raises(kf.errors.InvalidArgumentError, match="exploding") as info:
                sess.run(y, {x: [1.0, 2.0]})
    text = "".join(traceback.format_exception(info.value.__cause__))
    assert "<kflow plan" in text
    assert "= k0(f0)" in text  # the generated line itself, from linecache
