"""How many of tf.compat.v1's public names kflow has, per namespace.

The reference lists are tools/tf_v1_names.json (made once with TensorFlow by tools/make_tf_v1_names.py),
so this runs without TensorFlow. A name counts when ``kflow.<namespace>`` has an attribute of that name.

Example:
    python tools/tf_name_coverage.py                 # table, main namespaces first
    python tools/tf_name_coverage.py --missing math  # the names kflow lacks in tf.math
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import kflow  # noqa: E402  (this checkout's kflow, not the installed one)

NAMES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_v1_names.json")
MAIN = ("", "nn", "train", "io", "math", "linalg", "image", "losses", "data", "data.experimental", "summary",
        "sparse", "random", "initializers", "errors", "metrics", "gfile", "logging", "app", "strings")


def _namespace(path):
    module = kflow
    for part in path.split(".") if path else ():
        module = getattr(module, part, None)
        if module is None:
            return None
    return module


def coverage(namespaces):
    """{namespace: (names kflow has, names kflow lacks)} for each reference namespace."""
    out = {}
    for path, names in namespaces.items():
        module = _namespace(path)
        have = [n for n in names if module is not None and hasattr(module, n)]
        out[path] = (have, [n for n in names if n not in have])
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--missing", metavar="NAMESPACE", help="list the names kflow lacks in NAMESPACE ('' = top)")
    parser.add_argument("--all", action="store_true", help="every namespace, not only the main ones")
    args = parser.parse_args(argv)
    with open(NAMES_FILE) as f:
        reference = json.load(f)
    table = coverage(reference["namespaces"])
    if args.missing is not None:
        print("\n".join(table[args.missing][1]))
        return
    print("tf.compat.v1 names in kflow (reference: %s)" % reference["made_by"])
    order = [p for p in MAIN if p in table] + sorted(p for p in table if p not in MAIN)
    total_have = total = 0
    for path in order:
        have, lacking = table[path]
        total_have, total = total_have + len(have), total + len(have) + len(lacking)
        if args.all or path in MAIN:
            print("  %-20s %4d / %4d" % (path or "(top level)", len(have), len(have) + len(lacking)))
    print("  %-20s %4d / %4d  (all %d namespaces)" % ("total", total_have, total, len(table)))


if __name__ == "__main__":
    main()
