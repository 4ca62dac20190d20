"""The wings of kflow/data import in one direction: pipeline -> tfrecord -> example, queue -> tfrecord.

The pipeline reads TFRecord files and parses Examples; the TFRecord CLI
summarizes Examples; the Example wing stands alone. Function-level imports
count too, so a cycle cannot hide inside a function.
"""
import ast
import os

import kflow.data

DATA_DIR = os.path.dirname(kflow.data.__file__)
# wing -> the wings it may import (besides itself)
ALLOWED = {"pipeline": {"tfrecord", "example"}, "tfrecord": {"example"}, "example": set(),
           "queue": {"tfrecord"}}  # TF1's queue-fed readers read TFRecord files


def imported_wings(path):
    """The kflow.data wings a file imports anywhere in it (module or function level)."""
    wings = set()
    for node in ast.walk(ast.parse(open(path).read(), path)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + ["%s.%s" % (node.module, a.name) for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[:2] == ["kflow", "data"] and len(parts) > 2 and parts[2] in ALLOWED:
                wings.add(parts[2])
    return wings


def test_every_module_of_data_lives_in_a_wing():
    loose = [f for f in os.listdir(DATA_DIR) if f.endswith(".py") and f != "__init__.py"]
    assert loose == [], "modules outside pipeline/, tfrecord/, example/: %s" % loose
    assert sorted(d for d in os.listdir(DATA_DIR) if os.path.isdir(os.path.join(DATA_DIR, d))
                  and not d.startswith("__")) == sorted(ALLOWED)


def test_wings_import_only_downward():
    bad = []
    for wing, allowed in ALLOWED.items():
        for root, _, files in os.walk(os.path.join(DATA_DIR, wing)):
            for f in files:
                if f.endswith(".py"):
                    path = os.path.join(root, f)
                    for other in imported_wings(path) - allowed - {wing}:
                        bad.append("%s imports kflow.data.%s" % (os.path.relpath(path, DATA_DIR), other))
    assert bad == []


def test_the_check_sees_function_level_imports(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("def f():\n    from kflow.data.pipeline.dataset import Dataset\n    import kflow.data.tfrecord.crc\n")
    assert imported_wings(str(path)) == {"pipeline", "tfrecord"}
