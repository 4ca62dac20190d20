"""kflow's package import graph, built with ``ast`` from the source: every import points down the stack.

The allowed order is ``kflow.package_order.TIERS`` (listed once, there). Every import statement in
kflow counts, those inside functions and class bodies included; ``from kflow import errors`` is an
import of the module ``kflow.errors``, while ``import kflow`` or ``from kflow import __version__``
imports the root package (which imports everything, so no package may).

Checked here:
- no package imports a package above it or in its own tier, and the package graph has no cycle;
- nothing in kflow imports kflow inside a function (the usual way to dodge a cycle), except the
  imports listed in ``FUNCTION_LEVEL_ALLOWED`` with their reason.

Failures that other branches of issue 13 are fixing are listed in ``KNOWN_UPWARD`` and
``KNOWN_FUNCTION_LEVEL``: the strict tests skip exactly those, and one xfail test per entry
checks that it is gone. Delete an entry once its branch is merged.
"""
import ast
import collections
import pathlib

import pytest

import kflow
from kflow import package_order

KFLOW_DIR = pathlib.Path(kflow.__file__).resolve().parent

# (importer package, imported package) -> why it is still there and who removes it.
KNOWN_UPWARD = {}

# (importer module prefix, imported module prefix) -> why function-level imports between them remain (a debt inside
# one package: no package-level cycle depends on it).
KNOWN_FUNCTION_LEVEL = {
    ("kflow.data", "kflow.data"): "Dataset's chaining methods build its subclasses (batching, map_ops, ...), defined "
                                  "in modules that import dataset.py; the fix is transformations as stages that "
                                  "Dataset wraps (composition)",
}

# (importer module, imported module) -> the one-line reason a function-level import of kflow is right there.
# Optional third-party dependencies (cupy, scipy, ...) are not kflow imports and need no entry.
FUNCTION_LEVEL_ALLOWED = {}

Import = collections.namedtuple("Import", ["importer", "imported", "line", "in_function"])


def module_names(root):
    """``{dotted module name: path}`` for every .py file of the package folder ``root``."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = (root.name,) + path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _known_module(name, modules):
    """The longest prefix of the dotted ``name`` that is a module (``kflow.nn.relu`` -> ``kflow.nn``)."""
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _imports_in(module, path, modules, top):
    """The imports of ``top``'s modules made by ``module`` (a :class:`Import` each, resolved to a module)."""
    is_init = path.name == "__init__.py"
    found = []

    def ours(name):
        return name == top or name.startswith(top + ".")

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend(Import(module, _known_module(a.name, modules), child.lineno, in_function)
                             for a in child.names if ours(a.name))
            elif isinstance(child, ast.ImportFrom):
                if child.level:  # relative: from the module's own package, up level - 1 packages
                    base = module.split(".")[:len(module.split(".")) - (not is_init) - (child.level - 1)]
                    source = ".".join(base + ([child.module] if child.module else []))
                else:
                    source = child.module
                if ours(source):
                    for alias in child.names:  # "from kflow import errors" imports the module kflow.errors
                        name = source + "." + alias.name
                        found.append(Import(module, name if name in modules else _known_module(source, modules),
                                            child.lineno, in_function))
            elif (isinstance(child, ast.Call) and getattr(child.func, "attr", getattr(child.func, "id", None))
                  in ("import_module", "__import__") and child.args and isinstance(child.args[0], ast.Constant)
                  and isinstance(child.args[0].value, str) and ours(child.args[0].value)):
                found.append(Import(module, _known_module(child.args[0].value, modules), child.lineno, in_function))
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(ast.parse(path.read_text(), str(path)), False)
    return found


def all_imports(root):
    """Every import of the package folder ``root``'s modules made inside it."""
    modules = module_names(root)
    return [imp for module, path in modules.items() for imp in _imports_in(module, path, modules, root.name)]


def package_of(module):
    """``kflow.layers.core`` -> "layers", ``kflow.errors`` -> "errors", ``kflow`` (and ``python -m kflow``'s
    ``kflow.__main__``) -> the root."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] not in package_order.ROOT_MODULES else package_order.ROOT


def package_edges(imports):
    """``{(importer package, imported package): [Import, ...]}`` for imports crossing a package boundary."""
    edges = collections.defaultdict(list)
    for imp in imports:
        pair = package_of(imp.importer), package_of(imp.imported)
        if pair[0] != pair[1]:
            edges[pair].append(imp)
    return dict(edges)


def find_cycle(edges):
    """One cycle of the directed graph ``edges`` (a list of nodes, first == last), or None."""
    graph = collections.defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    state, path = {}, []

    def walk(node):
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = walk(nxt)
                if cycle:
                    return cycle
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = walk(node)
            if cycle:
                return cycle
    return None


def _within(module, prefix):
    return module == prefix or module.startswith(prefix + ".")


def _is_known_function_level(imp):
    return any(_within(imp.importer, a) and _within(imp.imported, b) for a, b in KNOWN_FUNCTION_LEVEL)


def _describe(imports):
    return "\n".join("  %s:%d imports %s%s" % (i.importer, i.line, i.imported, " (in a function)" * i.in_function)
                     for i in imports)


IMPORTS = all_imports(KFLOW_DIR)
EDGES = package_edges(IMPORTS)


def test_the_walk_finds_kflow_s_imports():
    assert (KFLOW_DIR / "package_order.py").is_file()
    assert len(IMPORTS) > 500 and ("layers", "engine") in EDGES and ("keras", "layers") in EDGES


def test_every_package_is_listed_once_in_the_order():
    listed = [p for tier in package_order.TIERS for p in tier]
    assert len(listed) == len(set(listed)), "a package is listed twice in kflow.package_order.TIERS"
    packages = {package_of(m) for m in module_names(KFLOW_DIR)} - {package_order.ROOT}
    for package in sorted(packages):
        package_order.tier_of(package)  # KeyError names a package missing from the order


def test_imports_point_down_the_package_order():
    upward = [imp for (a, b), imps in sorted(EDGES.items())
              if not package_order.may_import(a, b) and (a, b) not in KNOWN_UPWARD for imp in imps]
    assert not upward, ("imports against kflow.package_order.TIERS (a package imports only lower tiers, never "
                        "its own tier or the root):\n" + _describe(upward))


def test_no_cycle_between_packages():
    cycle = find_cycle(set(EDGES) - set(KNOWN_UPWARD))
    assert cycle is None, "packages import each other in a cycle: " + " -> ".join(cycle)


def test_no_function_level_imports_of_kflow():
    hidden = [imp for imp in IMPORTS if imp.in_function and not _is_known_function_level(imp)
              and (imp.importer, imp.imported) not in FUNCTION_LEVEL_ALLOWED]
    assert not hidden, ("kflow imported inside a function (import at module level; if that makes a cycle, the "
                        "code sits in the wrong package):\n" + _describe(hidden))


def test_allowed_function_level_imports_still_exist():
    present = {(imp.importer, imp.imported) for imp in IMPORTS if imp.in_function}
    stale = sorted(set(FUNCTION_LEVEL_ALLOWED) - present)
    assert not stale, "FUNCTION_LEVEL_ALLOWED lists imports that are gone; delete them: %s" % stale


@pytest.mark.parametrize("edge", [pytest.param(edge, marks=pytest.mark.xfail(reason=why, strict=False))
                                  for edge, why in KNOWN_UPWARD.items()])
def test_known_upward_import_is_gone(edge):
    assert edge not in EDGES, "%s -> %s:\n%s" % (edge[0], edge[1], _describe(EDGES[edge]))


@pytest.mark.parametrize("prefixes", [pytest.param(pair, marks=pytest.mark.xfail(reason=why, strict=False))
                                      for pair, why in KNOWN_FUNCTION_LEVEL.items()])
def test_known_function_level_imports_are_gone(prefixes):
    left = [imp for imp in IMPORTS if imp.in_function and _within(imp.importer, prefixes[0])
            and _within(imp.imported, prefixes[1])]
    assert not left, _describe(left)


# ---- the checker itself, on a small package with known faults ------------------------------------------------
def _write_package(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_checker_resolves_every_import_form(tmp_path):
    root = _write_package(tmp_path / "kflow", {
        "__init__.py": "from kflow import low\n",
        "low.py": "VERSION = 1\n",
        "mid/__init__.py": "from kflow import low\nfrom . import core\n",
        "mid/core.py": "import kflow.low as low\nfrom ..low import VERSION\nfrom kflow.top.api import thing\n",
        "top/__init__.py": "",
        "top/api.py": ("import numpy\nclass A:\n    import kflow.mid\n"
                       "def f():\n    from kflow import VERSION_AT_ROOT\n"
                       "def g():\n    import importlib\n    return importlib.import_module('kflow.mid.core')\n"),
    })
    found = {(i.importer, i.imported, i.in_function) for i in all_imports(root)}
    assert found == {
        ("kflow", "kflow.low", False),
        ("kflow.mid", "kflow.low", False), ("kflow.mid", "kflow.mid.core", False),
        ("kflow.mid.core", "kflow.low", False), ("kflow.mid.core", "kflow.top.api", False),
        ("kflow.top.api", "kflow.mid", False),                  # a class body runs at import time
        ("kflow.top.api", "kflow", True),                       # an attribute of the root: the root package
        ("kflow.top.api", "kflow.mid.core", True),              # importlib with a literal name
    }
    edges = package_edges(all_imports(root))
    assert set(edges) == {(package_order.ROOT, "low"), ("mid", "low"), ("mid", "top"), ("top", "mid"),
                          ("top", package_order.ROOT)}
    assert find_cycle(set(edges)) == ["mid", "top", "mid"]
    assert find_cycle({("a", "b"), ("b", "c"), ("a", "c")}) is None


def test_order_rules():
    assert package_order.may_import("layers", "engine") and not package_order.may_import("engine", "layers")
    assert not package_order.may_import("nn", "losses")  # one tier: neither may import the other
    assert package_order.may_import(package_order.ROOT, "keras")
    assert not package_order.may_import("keras", package_order.ROOT)
    with pytest.raises(KeyError, match="'nowhere' is not in kflow.package_order.TIERS"):
        package_order.tier_of("nowhere")
