"""kf.math, kf.linalg and the TF1 top-level aliases of issue 16's array/linear-algebra ops name working ops, and the
name-coverage tool counts them."""
import json
import os
import subprocess
import sys

import numpy as np

import kflow as kf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_tf1_aliases_are_the_namespaced_ops():
    assert kf.linalg.inv is kf.matrix_inverse and kf.linalg.det is kf.matrix_determinant
    assert kf.linalg.solve is kf.matrix_solve and kf.linalg.eigh is kf.self_adjoint_eig
    assert kf.linalg.band_part is kf.matrix_band_part and kf.linalg.diag is kf.matrix_diag
    assert kf.linalg.tensor_diag is kf.diag and kf.linalg.lstsq is kf.matrix_solve_ls
    assert kf.math.segment_sum is kf.segment_sum and kf.math.cumprod is kf.cumprod
    assert kf.math.reduce_logsumexp is kf.reduce_logsumexp and kf.math.top_k is kf.nn.top_k
    assert kf.div_no_nan is kf.math.divide_no_nan and kf.io.write_graph is kf.summary.write_graph


def test_namespaced_ops_run():
    a = np.array([[4.0, 2.0], [2.0, 3.0]])
    with kf.Session() as sess:
        inv, chol, s, lse, seg = sess.run([kf.linalg.inv(a), kf.cholesky(a), kf.linalg.svd(a, compute_uv=False),
                                           kf.math.reduce_logsumexp(a, 1), kf.math.unsorted_segment_max(a, [1, 0], 2)])
    np.testing.assert_allclose(inv, np.linalg.inv(a))
    np.testing.assert_allclose(chol, np.linalg.cholesky(a))
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), rtol=1e-6)
    np.testing.assert_allclose(lse, np.log(np.exp(a).sum(1)), rtol=1e-6)
    np.testing.assert_array_equal(seg, a[::-1])


def test_every_reference_name_kflow_claims_in_math_and_linalg_is_callable_or_a_class():
    with open(os.path.join(ROOT, "tools", "tf_v1_names.json")) as f:
        names = json.load(f)["namespaces"]
    for ns in ("math", "linalg"):
        module = getattr(kf, ns)
        for name in names[ns]:
            if hasattr(module, name):
                assert callable(getattr(module, name)), (ns, name)


def test_name_coverage_tool_runs_without_tensorflow():
    out = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "tf_name_coverage.py")], capture_output=True,
                         text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.strip().startswith("linalg"))  # noqa: E741
    have, total = (int(v) for v in line.split()[1::2])
    assert have >= 30 and total == 66
    missing = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "tf_name_coverage.py"), "--missing",
                              "linalg"], capture_output=True, text=True, check=True).stdout.split()
    assert "inv" not in missing and "LinearOperator" in missing
