"""The TF1 cluster API on 2 ranks: rank 1 serves, rank 0 is the client; prints results as JSON lines."""
import json

import numpy as np

import kflow as kf
import kflow.distribute as kd

kd.init()
lecture = kf.train.ClusterSpec({"local": ["localhost:2222", "localhost:2223"]})
server = kf.train.Server(lecture, job_name="local", task_index=kd.rank())
ps_worker = kf.train.ClusterSpec({"worker": ["w0:2222"], "ps": ["ps0:2222"]})  # ps is rank 0, worker rank 1
ps_server = kf.train.Server(ps_worker)
if kd.rank() == 1:
    server.join()
    print(json.dumps({"joined_returned": True}))
else:
    # the lecture's example
    with kf.device("/job:local/task:0"):
        a = kf.constant(5)
        b = a * 10
    with kf.device("/job:local/task:1"):
        c = b + a
    with kf.Session(server.target) as sess:
        print(sess.run(c))

    # edges going back and forth, a feed used remotely, a fetch from a remote task
    kf.reset_default_graph()
    x = kf.placeholder(kf.float32, [None, 2])
    with kf.device("/job:local/task:1"):
        y = kf.square(x) + 1.0
    with kf.device("/job:local/task:0"):
        z = kf.reduce_sum(y, axis=1)
    with kf.device("/job:local/task:1"):
        w = z * 2.0
    feed = {x: np.array([[1, 2], [3, 4]], np.float32)}
    with kf.Session(server.target) as sess:
        remote = sess.run([w, y], feed)
    with kf.Session() as sess:
        here = sess.run([w, y], feed)
    print(json.dumps({"ping_pong": [r.tolist() for r in remote], "local": [h.tolist() for h in here]}))

    # between-graph training: variables on the ps (rank 0), compute on the worker (rank 1)
    kf.reset_default_graph()
    kf.set_random_seed(0)
    rng = np.random.RandomState(0)
    data = rng.standard_normal((32, 3)).astype(np.float32)
    labels = data @ np.array([[1.0], [-1.0], [2.0]], np.float32)
    setter = kf.train.replica_device_setter(cluster=ps_worker, worker_device="/job:worker/task:0")
    with kf.device(setter):
        xs = kf.placeholder(kf.float32, [None, 3])
        ys = kf.placeholder(kf.float32, [None, 1])
        weights = kf.Variable(kf.zeros([3, 1]), name="weights")
        loss = kf.reduce_mean(kf.square(kf.matmul(xs, weights) - ys))
        step = kf.train.MomentumOptimizer(0.05, 0.9).minimize(loss)  # a slot variable on the ps too
    devices = {"weights": weights.op.device, "loss": loss.op.device}
    results = {}
    for target in (ps_server.target, ""):
        with kf.Session(target) as sess:
            sess.run(kf.global_variables_initializer())
            for _ in range(60):
                sess.run(step, {xs: data, ys: labels})
            results[target or "local"] = sess.run(weights).ravel().tolist()
    print(json.dumps({"devices": devices, "trained": results}))
