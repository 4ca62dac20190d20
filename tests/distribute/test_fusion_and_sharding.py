"""Single-process checks: gradient fusion buckets, optimizer wrapping, fit's array sharding and log averaging."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine import process_world
from kflow.keras.model import data_adapter

kd = pytest.importorskip("kflow.distribute")


@pytest.fixture
def world():
    pytest.importorskip("mpi4py", reason="mpi4py is not installed (pip install 'kflow[mpi]')")
    was = kd.is_initialized()
    kd.init()
    yield
    if not was:
        kd.shutdown()


def _model_loss():
    x = kf.constant(np.ones((4, 3), np.float32))
    h = kf.layers.dense(x, 5)  # kernel 3x5 + bias 5
    return kf.reduce_mean(kf.layers.dense(h, 2))  # kernel 5x2 + bias 2


def _allreduce_inputs(graph):
    return [len(op.inputs) for op in graph.get_operations() if op.type == "MPIAllreduce"]


def test_gradients_are_fused_into_buckets(world):
    loss = _model_loss()
    kd.DistributedOptimizer(kf.train.GradientDescentOptimizer(0.1)).minimize(loss)
    assert _allreduce_inputs(loss.graph) == [4]  # the four gradients in one buffer
    kf.reset_default_graph()
    loss = _model_loss()
    kd.DistributedOptimizer(kf.train.GradientDescentOptimizer(0.1), fusion_threshold_bytes=64).minimize(loss)
    # kernel 60 B, bias 20 B, kernel 40 B, bias 8 B: 60 + 20 > 64 sends the first kernel alone, then
    # 20 + 40 fits, and + 8 does not
    assert _allreduce_inputs(loss.graph) == [1, 2, 1]


def test_distributed_optimizer_trains_and_wraps_every_kind(world):
    loss = _model_loss()
    opt = kd.DistributedOptimizer(kf.train.MomentumOptimizer(0.1, 0.9))
    step = opt.minimize(loss)
    assert opt.get_slot_names() == ["momentum"]
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        before = sess.run(loss)
        for _ in range(3):
            sess.run(step)
        assert sess.run(loss) < before
    keras_opt = kd.DistributedOptimizer(kf.keras.optimizers.Adam(lr=0.01))
    assert type(keras_opt).__name__ == "Adam" and isinstance(keras_opt, kf.keras.optimizers.Adam)
    assert kd.DistributedOptimizer(keras_opt) is keras_opt  # wrapping twice changes nothing
    assert isinstance(kd.DistributedOptimizer("sgd"), kf.keras.optimizers.SGD)
    with pytest.raises(TypeError, match="wraps a kf.train or kf.keras optimizer"):
        kd.DistributedOptimizer(42)


def test_keras_model_with_distributed_optimizer_saves_as_the_plain_optimizer(world, tmp_path):
    model = kf.keras.Sequential([kf.keras.layers.Dense(2, input_shape=(3,))])
    model.compile(kd.DistributedOptimizer(kf.keras.optimizers.SGD(lr=0.1)), "mse")
    model.fit(np.ones((8, 3), np.float32), np.zeros((8, 2), np.float32), verbose=0)
    assert _allreduce_inputs(kf.get_default_graph()) == [2]
    model.save(str(tmp_path / "m.h5"))
    assert type(kf.keras.models.load_model(str(tmp_path / "m.h5")).optimizer).__name__ == "SGD"


class _FakeWorld:
    def __init__(self, rank, size, peers):
        self.rank, self.size, self.peers = rank, size, peers

    def allreduce_sum(self, array):
        return array + sum(self.peers)


def test_fit_shards_arrays_by_rank_and_averages_logs():
    arrays = [np.arange(7), None, np.arange(7) * 10]
    process_world.install(_FakeWorld(1, 2, []))
    try:
        sharded = data_adapter.shard_arrays(arrays)
        assert sharded[0].tolist() == [1, 3, 5] and sharded[1] is None and sharded[2].tolist() == [10, 30, 50]
        # the other rank logged loss 1.0 over 3 samples: (1.0 * 3 + 2.0 * 1) / 4
        process_world.install(_FakeWorld(1, 2, [np.array([3.0, 3.0])]))
        assert process_world.average_logs({"loss": 2.0}, count=1) == {"loss": 1.25}
        assert not process_world.is_chief()
    finally:
        process_world.install(None)
    assert data_adapter.shard_arrays(arrays) is arrays and process_world.size() == 1
