"""Keras fit on a Dataset whose shards differ in length per rank (rank r builds 3 + 4r batches of 8, and fit
takes every second one from rank r's: 2 batches on rank 0, 3 on rank 1); writes
rank<r>.json (batches trained per epoch, warnings) into argv[1]. Without the ranks agreeing per step, the
longer rank would wait forever in its extra steps' gradient allreduce."""
import json
import os
import sys
import warnings

import numpy as np

import kflow as kf
import kflow.distribute as kd

kd.init()
r = kd.rank()
rng = np.random.RandomState(r)
n = 8 * (3 + 4 * r)
x = rng.standard_normal((n, 4)).astype(np.float32)
y = rng.randint(0, 2, n).astype(np.int64)
data = kf.data.Dataset.from_tensor_slices((x, y)).batch(8)
model = kf.keras.Sequential([kf.keras.layers.Dense(2, activation="softmax", input_shape=(4,))])
model.compile(kd.DistributedOptimizer(kf.keras.optimizers.SGD(0.1)), "sparse_categorical_crossentropy")


class CountBatches(kf.keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.seen.append(0)

    def on_train_batch_end(self, batch, logs=None):
        self.seen[-1] += 1


counter = CountBatches()
counter.seen = []
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    model.fit(data, epochs=2, verbose=0, callbacks=[kd.BroadcastGlobalVariablesCallback(0), counter])
with open(os.path.join(sys.argv[1], "rank%d.json" % r), "w") as f:
    json.dump({"batches": counter.seen, "weights": [w.tolist() for w in model.get_weights()],
               "warnings": [str(w.message) for w in caught if "unequal batch counts" in str(w.message)]}, f)
