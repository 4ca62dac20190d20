"""Keras fit on every rank with the distribute callbacks; writes rank<r>.json (logs, weights) into argv[1]."""
import json
import os
import sys

import numpy as np

import kflow as kf
import kflow.distribute as kd

kd.init()
r = kd.rank()
folder = sys.argv[1]
rng = np.random.RandomState(0)
x = rng.standard_normal((128, 8)).astype(np.float32)
y = (x[:, :3].argmax(1)).astype(np.int64)
kf.set_random_seed(10 + r)  # different initial weights per rank: the broadcast callback must align them
model = kf.keras.Sequential([kf.keras.layers.Dense(16, activation="relu", input_shape=(8,)),
                             kf.keras.layers.Dense(3, activation="softmax")])
model.compile(kd.DistributedOptimizer(kf.keras.optimizers.SGD(lr=0.1 * kd.size())),
              "sparse_categorical_crossentropy", metrics=["acc"])
val = kf.data.Dataset.from_tensor_slices((x[:40], y[:40])).batch(10)
callbacks = [kd.BroadcastGlobalVariablesCallback(0), kd.MetricAverageCallback(),
             kd.LearningRateWarmupCallback(warmup_epochs=2, verbose=1),
             kf.keras.callbacks.ModelCheckpoint(os.path.join(folder, "ckpt-rank%d.h5" % r)),
             kf.keras.callbacks.CSVLogger(os.path.join(folder, "log-rank%d.csv" % r))]
history = model.fit(x, y, batch_size=16, epochs=3, validation_data=val, callbacks=callbacks, verbose=1)
with open(os.path.join(folder, "rank%d.json" % r), "w") as f:
    json.dump({"history": history.history, "weights": [w.tolist() for w in model.get_weights()],
               "steps": history.params["steps"] if hasattr(history, "params") else None}, f)
