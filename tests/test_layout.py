"""The layout of mtmk's modules: imports point one way, down the floors.

The import graph is read from the source with :mod:`ast` (every ``import`` and
``from ... import`` of an mtmk module, including those inside functions); a
name imported from a package counts as an arrow to that package's
``__init__``.  The floors, from the bottom:

0. ``solvers``: the numerical engine (datafits, penalties, kernel operators,
   the solvers and their results).  It works on arrays and operators only and
   imports nothing of mtmk outside ``mtmk.solvers``, so it can be read, tested
   and reused on its own.
1. ``foundations``: small helpers with no estimator in them: the one home of
   scikit-learn's private names (``_sklearn_compat``), input checks
   (``_validation``), memory probing (``_memory``), metrics, target encoding,
   statistics; and the data sets, which only read or simulate arrays.
2. ``kernels``: the kernel dictionary, built on the solvers' operators and the
   foundations.
3. ``estimators``: the scikit-learn estimators, the fit function, the
   regularisation path, model selection, and the ``mtmk`` package that
   exports them.
4. ``applications``: what is built from estimators and data: the alignment
   tables, the contrastive (CLIP-style) models, the theory simulations.
5. ``command line``: ``python -m mtmk`` and the commands it dispatches to.
   Nothing but another command-line module imports them, so the library never
   runs argument parsing or writes files on import.

An arrow may stay on its floor or go down, never up, and the graph has no
circle (within a floor either).  A new module must be given a floor here.
"""

import ast
from pathlib import Path

import mtmk

PACKAGE = Path(mtmk.__file__).resolve().parent

#: Floor of every module, by name or by the package (prefix) it belongs to;
#: the longest match wins, so ``mtmk.theory._cli`` is on the command-line floor
#: while the rest of ``mtmk.theory`` is an application.
FLOORS = {
    "mtmk.solvers": 0,
    "mtmk._sklearn_compat": 1,
    "mtmk._validation": 1,
    "mtmk._memory": 1,
    "mtmk._metrics": 1,
    "mtmk._targets": 1,
    "mtmk.stats": 1,
    "mtmk.datasets": 1,
    "mtmk._kernels": 2,
    "mtmk._base": 3,
    "mtmk._fit": 3,
    "mtmk._loo": 3,
    "mtmk._distributed": 3,
    "mtmk._mkl": 3,
    "mtmk._multitask": 3,
    "mtmk._path": 3,
    "mtmk.selection": 3,
    "mtmk": 3,              # the package itself: it exports the estimators
    "mtmk.alignment": 4,
    "mtmk.alignment_mfeat": 4,
    "mtmk.contrastive": 4,
    "mtmk.theory": 4,
    "mtmk.__main__": 5,
    "mtmk._alignment_cli": 5,
    "mtmk._demo": 5,
    "mtmk.theory._cli": 5,
}
COMMAND_LINE = 5


def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package_dir=PACKAGE):
    """``{module: set of mtmk modules it imports}`` from the source files."""
    files = {_module_name(p): p for p in package_dir.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")[:len(here.split(".")) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module
                for alias in node.names:
                    # ``from pkg import submodule`` imports the submodule.
                    sub = f"{module}.{alias.name}"
                    targets.add(sub if sub in files else module)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def floor(module):
    if module == "mtmk":
        return FLOORS["mtmk"]
    keys = [k for k in FLOORS if k != "mtmk" and (module == k or module.startswith(k + "."))]
    if not keys:
        raise KeyError(f"{module} has no floor: add it to FLOORS in tests/test_layout.py.")
    return FLOORS[max(keys, key=len)]


def find_cycle(graph):
    """One import circle as a list of modules (first == last), or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def upward_arrows(graph):
    return sorted(f"{a} (floor {floor(a)}) imports {b} (floor {floor(b)})"
                  for a, targets in graph.items() for b in targets if floor(b) > floor(a))


GRAPH = import_graph()


def test_graph_is_read_from_the_source():
    # Imports of every kind are found: relative, from a package, inside a function.
    assert "mtmk.solvers._operators" in GRAPH["mtmk._kernels"]
    assert "mtmk" in GRAPH["mtmk.theory._sweep"]                       # from .. import
    assert "mtmk._alignment_cli" in GRAPH["mtmk.__main__"]             # inside main()
    assert "mtmk.alignment" in GRAPH["mtmk.alignment_mfeat"]
    assert len(GRAPH) > 60


def test_every_module_has_a_floor():
    for module in GRAPH:
        floor(module)


def test_no_import_circle():
    assert find_cycle(GRAPH) is None, " -> ".join(find_cycle(GRAPH))


def test_no_arrow_goes_up_a_floor():
    assert not upward_arrows(GRAPH)


def test_solvers_import_nothing_of_mtmk_outside_the_solvers():
    outside = {a: sorted(b for b in targets if not b.startswith("mtmk.solvers"))
               for a, targets in GRAPH.items() if a.startswith("mtmk.solvers")}
    assert not {a: b for a, b in outside.items() if b}


def test_command_line_modules_are_imported_by_command_line_modules_only():
    importers = {f"{a} imports {b}" for a, targets in GRAPH.items() for b in targets
                 if floor(b) == COMMAND_LINE and floor(a) != COMMAND_LINE}
    assert not importers


def test_the_checks_catch_a_circle_and_an_upward_arrow():
    # The alignment circle this layout removed, and an arrow from the solvers
    # back up to the kernel dictionary, put back into a copy of the graph.
    graph = {a: set(targets) for a, targets in GRAPH.items()}
    graph["mtmk.alignment"].add("mtmk.alignment_mfeat")
    cycle = find_cycle(graph)
    assert cycle is not None and {"mtmk.alignment", "mtmk.alignment_mfeat"} <= set(cycle)
    graph = {a: set(targets) for a, targets in GRAPH.items()}
    graph["mtmk.solvers._mkl_reference"].add("mtmk._kernels")
    assert upward_arrows(graph) == [
        "mtmk.solvers._mkl_reference (floor 0) imports mtmk._kernels (floor 2)"]
