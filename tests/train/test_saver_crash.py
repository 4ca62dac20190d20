"""A process killed (SIGKILL) in the middle of Saver.save leaves a consistent, restorable checkpoint directory.

The child saves three checkpoints, then starts a fourth save that stops at a chosen point (the kill lands
there for certain): while writing the data file, before the state file update, while replacing the state
file, or before deleting the checkpoint max_to_keep evicts.
"""
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import kflow as kf

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CHILD = textwrap.dedent("""
    import os, sys, time
    import h5py
    import numpy as np
    import kflow as kf
    from kflow.train import saver as saver_mod

    logdir, stage, marker = sys.argv[1:4]
    w = kf.Variable(np.zeros((32, 32), np.float32), name="w")
    step = kf.Variable(0, dtype=kf.int64, name="global_step", trainable=False)
    train = kf.group(w.assign_add(np.ones((32, 32), np.float32)), step.assign_add(1))
    saver = kf.train.Saver(max_to_keep=2)
    sess = kf.Session()
    sess.run(kf.global_variables_initializer())
    for _ in range(3):
        sess.run(train)
        saver.save(sess, os.path.join(logdir, "model.ckpt"), global_step=step)

    def hang(*args, **kwargs):
        open(marker, "w").close()
        time.sleep(600)

    if stage == "data":
        real = h5py.Group.create_dataset
        def slow(self, name, *a, **k):
            out = real(self, name, *a, **k)
            hang()
        h5py.Group.create_dataset = slow
    elif stage == "state":
        saver_mod.ckpt.update_checkpoint_state = hang
    elif stage == "state_replace":
        real_replace = os.replace
        def replace(src, dst):
            if os.path.basename(dst) == "checkpoint":
                hang()
            real_replace(src, dst)
        os.replace = replace
    elif stage == "delete":
        saver_mod.ckpt.remove_checkpoint = hang
    sess.run(train)
    saver.save(sess, os.path.join(logdir, "model.ckpt"), global_step=step)
    """)


@pytest.mark.parametrize("stage,latest", [("data", 3), ("state", 3), ("state_replace", 3), ("delete", 4)])
def test_sigkill_mid_save_leaves_a_restorable_checkpoint(tmp_path, stage, latest):
    logdir, marker = tmp_path / "run", tmp_path / "hung"
    logdir.mkdir()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(logdir), stage, str(marker)], cwd=REPO)
    try:
        deadline = time.time() + 60
        while not marker.exists():
            assert child.poll() is None, "child exited early with %s" % child.returncode
            assert time.time() < deadline, "child never reached the %s stage" % stage
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    state = kf.train.get_checkpoint_state(str(logdir))
    assert state.model_checkpoint_path == str(logdir / ("model.ckpt-%d" % latest))
    assert all(kf.train.checkpoint_exists(p) for p in state.all_model_checkpoint_paths)
    w = kf.Variable(np.full((32, 32), -1.0, np.float32), name="w")
    step = kf.Variable(0, dtype=kf.int64, name="global_step", trainable=False)
    with kf.Session() as sess:
        kf.train.Saver().restore(sess, kf.train.latest_checkpoint(str(logdir)))
        assert sess.run(step) == latest
        np.testing.assert_array_equal(sess.run(w), np.full((32, 32), float(latest), np.float32))
    leftovers = {p for p in os.listdir(logdir) if p.startswith(".")}
    assert all(p.endswith(".tmp") for p in leftovers)  # at worst a hidden temporary file stays behind
