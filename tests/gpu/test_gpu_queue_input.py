"""The queue pipeline with a GPU present: queue, reader, Print and py_function ops stay on the host, the model runs
on the GPU, the epoch counter (an int64 variable) counts on its device, and the values match numpy."""
import numpy as np

import kflow as kf


def test_queue_pipeline_feeds_a_gpu_model(gpu_log, capsys):
    data = np.arange(12, dtype=np.float32).reshape(6, 2)
    x, = kf.train.slice_input_producer([data], num_epochs=2, shuffle=False)
    xb = kf.train.batch([x], batch_size=4, allow_smaller_final_batch=True)[0]
    w = kf.Variable([[1.0], [2.0]])
    y = kf.Print(kf.matmul(xb, w), [kf.shape(xb)], "batch shape: ")
    z = kf.py_function(lambda v: v.numpy() + 1.0, [y], kf.float32)
    out = []
    with kf.Session() as sess:
        sess.run(kf.group(kf.global_variables_initializer(), kf.local_variables_initializer()))
        coord = kf.train.Coordinator()
        threads = kf.train.start_queue_runners(sess, coord)
        try:
            while True:
                out.append(sess.run([y, z]))
        except kf.errors.OutOfRangeError:
            pass
        coord.request_stop()
        coord.join(threads)
    ys = np.concatenate([a for a, _ in out])
    expected = np.concatenate([data, data]) @ np.array([[1.0], [2.0]], dtype=np.float32)
    np.testing.assert_allclose(ys, expected)
    np.testing.assert_allclose(np.concatenate([b for _, b in out]), expected + 1.0)
    assert all(type(a) is np.ndarray for a, _ in out)
    assert "batch shape: [4 2]" in capsys.readouterr().err
    assert gpu_log.calls > 0 and not gpu_log.leaks
