"""An Estimator trained on every rank, each with model_dir argv[1]/rank<r> (to see who writes what; a shared
model_dir is the usual setup); writes argv[1]/rank<r>.json."""
import json
import os
import sys

import numpy as np

import kflow as kf
import kflow.distribute as kd

kd.init()
r, n = kd.rank(), kd.size()
model_dir = os.path.join(sys.argv[1], "rank%d" % r)


def model_fn(features, labels, mode, params):
    w = kf.get_variable("w", [3, 1], initializer=kf.random_normal_initializer(seed=r))  # differs per rank
    pred = kf.matmul(features["x"], w)
    loss = kf.reduce_mean(kf.square(pred - labels))
    opt = kd.DistributedOptimizer(kf.train.GradientDescentOptimizer(0.1))
    train_op = opt.minimize(loss, global_step=kf.train.get_global_step())
    return kf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


rng = np.random.RandomState(0)
x = rng.standard_normal((80, 3)).astype(np.float32)
y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
config = kf.estimator.RunConfig(save_checkpoints_steps=5, save_summary_steps=5, log_step_count_steps=0)
est = kf.estimator.Estimator(model_fn, model_dir=model_dir, config=config)
# each rank reads its own shard (rows rank::size) of the data
input_fn = kf.estimator.inputs.numpy_input_fn({"x": x[r::n]}, y[r::n], batch_size=10, num_epochs=2, shuffle=False)
est.train(input_fn, hooks=[kd.BroadcastGlobalVariablesHook(0)])
with open(os.path.join(sys.argv[1], "rank%d.json" % r), "w") as f:
    json.dump({"is_chief": est.config.is_chief, "task_id": est.config.task_id,
               "workers": est.config.num_worker_replicas, "wrote_model_dir": os.path.exists(model_dir),
               "w": est.get_variable_value("w").tolist() if r == 0 else None}, f)
