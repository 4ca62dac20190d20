"""kf.function(input_signature=[kf.TensorSpec...]): one trace for every call that fits the specs, arguments
converted to the specs' dtypes, clear errors for calls that do not fit; kf.TensorSpec itself."""
import numpy as np
import pytest

import kflow as kf


@pytest.fixture(autouse=True)
def eager():
    with kf.eager_mode():
        yield


def _counting(signature):
    traces = []

    @kf.function(input_signature=signature)
    def scaled_row_sums(x, scale):
        traces.append(1)
        return kf.reduce_sum(x, axis=1) * scale

    return scaled_row_sums, traces


def test_one_trace_for_every_batch_size_and_value():
    f, traces = _counting([kf.TensorSpec([None, 3], kf.float32), kf.TensorSpec([], kf.float32)])
    for batch, scale in ((2, 2.0), (5, 3), (1, -1.5)):
        x = np.arange(batch * 3, dtype=np.float32).reshape(batch, 3)
        np.testing.assert_allclose(f(x, scale).numpy(), x.sum(1) * np.float32(scale))
    assert f(kf.constant(np.ones((4, 3), np.float32)), scale=0.5).numpy().tolist() == [1.5] * 4  # keyword
    assert len(traces) == 1
    assert f.get_concrete_function().graph is f.get_concrete_function(np.ones((9, 3), np.float32), 1.0).graph


def test_python_values_take_the_spec_dtype():
    f, _ = _counting([kf.TensorSpec([None, 2], kf.float64), kf.TensorSpec([], kf.float64)])
    out = f([[1, 2], [3, 4]], 1)
    assert out.dtype == kf.float64 and out.numpy().tolist() == [3.0, 7.0]


def test_calls_that_do_not_fit_the_signature_are_refused_by_name():
    f, traces = _counting([kf.TensorSpec([None, 3], kf.float32, name="x"), kf.TensorSpec([], kf.float32)])
    with pytest.raises(ValueError, match=r"scaled_row_sums.*argument 0 has shape \(2, 4\).*\(None, 3\)"):
        f(np.ones((2, 4), np.float32), 1.0)
    with pytest.raises(TypeError, match="argument 0 has dtype float64.*float32"):
        f(np.ones((2, 3), np.float64), 1.0)
    with pytest.raises(TypeError, match="input_signature of 2 argument.*passed 1"):
        f(np.ones((2, 3), np.float32))
    assert traces == []


def test_nested_specs_and_methods():
    class Scaler:
        def __init__(self):
            self.w = kf.Variable(2.0)

        @kf.function(input_signature=[[kf.TensorSpec([None], kf.float32), kf.TensorSpec([None], kf.float32)]])
        def weighted(self, pair):
            return (pair[0] + pair[1]) * self.w

    s = Scaler()
    assert s.weighted([np.ones(3, np.float32), np.arange(3, dtype=np.float32)]).numpy().tolist() == [2, 4, 6]
    with pytest.raises(TypeError, match=r"argument 0 should be a sequence of 2"):
        s.weighted(np.ones(3, np.float32))
    with pytest.raises(ValueError, match=r"argument 0\[1\] has shape \(2, 2\)"):
        s.weighted([np.ones(3, np.float32), np.ones((2, 2), np.float32)])


def test_signature_must_be_specs():
    with pytest.raises(TypeError, match="only kf.TensorSpec"):
        kf.function(lambda x: x, input_signature=[np.float32])


def test_tensor_spec():
    spec = kf.TensorSpec([None, 3], kf.float32, name="x")
    assert spec.is_compatible_with(np.zeros((8, 3), np.float32))
    assert not spec.is_compatible_with(np.zeros((8, 3), np.float64))
    assert not spec.is_compatible_with(np.zeros((8, 4), np.float32))
    assert spec == kf.TensorSpec([None, 3], "float32", "x") != kf.TensorSpec([None, 3], kf.float32)
    assert repr(spec) == "TensorSpec(shape=(None, 3), dtype=tf.float32, name='x')"
    assert kf.TensorSpec(None).shape.ndims is None
    with kf.Graph().as_default():
        assert kf.TensorSpec.from_tensor(kf.placeholder(kf.int32, [2], name="p")).shape.as_list() == [2]
