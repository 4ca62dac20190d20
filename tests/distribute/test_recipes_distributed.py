"""The README's `mpiexec -n 2 python recipes/mnist_mlp.py --distributed` (and the CNN's), on a small slice."""
import os

import pytest

RECIPES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "recipes")


@pytest.mark.parametrize("recipe, limit", [("mnist_mlp.py", 1024), ("mnist_cnn.py", 256)])
def test_recipe_trains_on_two_ranks(mpirun, data_dir, tmp_path, recipe, limit):
    out = tmp_path / "out"
    proc = mpirun(os.path.join(RECIPES, recipe), 2, "--distributed", "--epochs", "1", "--limit", limit,
                  "--out", out, "--verbose", "2", "--data-dir", data_dir, timeout=300)
    assert proc.stdout.count("Test loss") == 1  # printed by rank 0 only
    assert proc.stdout.count("Epoch 1/1") == 1
    assert os.listdir(out / "logs")  # TensorBoard files, from rank 0
    accuracy = float(proc.stdout.split("test accuracy: ")[1].split()[0])
    assert accuracy > (0.5 if recipe == "mnist_mlp.py" else 0.0)
