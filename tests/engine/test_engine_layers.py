"""The engine's modules import each other downward only: no module-level import cycle and no import made
inside a function to dodge one (the op library is a stack of declared ops, primitives at the bottom)."""
import ast
import os

import kflow

ENGINE = os.path.join(os.path.dirname(kflow.__file__), "engine")


def _module_name(path):
    rel = os.path.relpath(path, os.path.dirname(os.path.dirname(ENGINE)))
    return rel[:-3].replace(os.sep, ".").replace(".__init__", "")


def _imports(tree, module):
    """(imported kflow module, line, inside a function?) for each import statement of ``tree``."""
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, in_function) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                for a in child.names:  # "from kflow.engine import graph" imports the module kflow.engine.graph
                    found.append((child.module + "." + a.name, child.lineno, in_function))
            visit(child, nested)

    visit(tree, False)
    return [(name, line, f) for name, line, f in found if name.startswith("kflow.")]


def _engine_graph():
    modules = {}
    for root, _, files in os.walk(ENGINE):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(root, f)
                with open(path) as fh:
                    modules[_module_name(path)] = _imports(ast.parse(fh.read()), _module_name(path))
    return modules


def _resolve(name, modules):
    """The engine module that ``name`` (a module or a module's attribute) refers to, or None."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def test_no_function_level_imports_in_engine():
    modules = _engine_graph()
    inside = ["%s:%d imports %s" % (m, line, name) for m, imports in modules.items()
              for name, line, in_function in imports if in_function]
    assert not inside, "imports inside functions (a cycle being dodged?):\n" + "\n".join(inside)


def test_engine_modules_form_no_cycle():
    modules = _engine_graph()
    edges = {m: {_resolve(name, modules) for name, _, _ in imports} - {None, m} for m, imports in modules.items()}
    # a package's __init__ is imported by its children; only edges into modules count
    edges = {m: {d for d in deps if not d.endswith(("kflow.engine", "kflow.engine.ops"))} for m, deps in edges.items()}
    state, path = {}, []

    def visit(m):
        state[m] = 1
        path.append(m)
        for d in sorted(edges.get(m, ())):
            if state.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(d):] + [d]))
            if not state.get(d):
                visit(d)
        path.pop()
        state[m] = 2

    for m in sorted(edges):
        if not state.get(m):
            visit(m)
