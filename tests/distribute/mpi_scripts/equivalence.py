"""Trains a small classifier with DistributedOptimizer, graph mode and Keras fit, per-rank batch argv[2];
rank 0 writes the final weights to argv[1] (npz). Run on N ranks with batch B, or on 1 with batch N*B."""
import sys

import numpy as np

import kflow as kf
import kflow.distribute as kd

kd.init()
r, n = kd.rank(), kd.size()
batch = int(sys.argv[2])
rng = np.random.RandomState(0)
x = rng.standard_normal((96, 8)).astype(np.float32)
y = (x[:, :3].argmax(1)).astype(np.int64)
mine_x, mine_y = x[r::n], y[r::n]  # rank r's rows; batch i of all ranks = one-process batch i of n * B

# graph mode: kf.train optimizers
kf.set_random_seed(1)
xs = kf.placeholder(kf.float32, [None, 8])
ys = kf.placeholder(kf.int64, [None])
hidden = kf.layers.dense(xs, 16, activation=kf.nn.relu)
logits = kf.layers.dense(hidden, 3)
loss = kf.reduce_mean(kf.nn.sparse_softmax_cross_entropy_with_logits(labels=ys, logits=logits))
step = kd.DistributedOptimizer(kf.train.AdamOptimizer(0.01)).minimize(loss)
momentum = kd.DistributedOptimizer(kf.train.MomentumOptimizer(0.05, 0.9)).minimize(loss)
weights = {}
with kf.Session() as sess:
    sess.run(kf.global_variables_initializer())
    sess.run(kd.broadcast_global_variables(0))
    for epoch in range(2):
        for i in range(len(mine_x) // batch):
            feed = {xs: mine_x[i * batch:(i + 1) * batch], ys: mine_y[i * batch:(i + 1) * batch]}
            sess.run(step if epoch == 0 else momentum, feed)
    for v in kf.trainable_variables():
        weights["graph/" + v.op.name] = sess.run(v)

# Keras: fit shards the arrays itself (rows rank::size)
kf.reset_default_graph()
kf.keras.backend.clear_session()
kf.set_random_seed(2)
model = kf.keras.Sequential([kf.keras.layers.Dense(16, activation="relu", input_shape=(8,)),
                             kf.keras.layers.Dense(3, activation="softmax")])
model.compile(kd.DistributedOptimizer(kf.keras.optimizers.Adam(lr=0.01)), "sparse_categorical_crossentropy")
model.fit(x, y, batch_size=batch, epochs=2, shuffle=False, verbose=0,
          callbacks=[kd.BroadcastGlobalVariablesCallback(0)])
for i, w in enumerate(model.get_weights()):
    weights["keras/%d" % i] = w
if r == 0:
    np.savez(sys.argv[1], **weights)
