"""Check ecgkit's layout and print its figures; write or check ecgkit/README.md.

    python scripts/ecgkit_layout.py            # figures + every rule broken (exit 1 if any)
    python scripts/ecgkit_layout.py --write    # regenerate ecgkit/README.md
    python scripts/ecgkit_layout.py --check    # exit 1 when ecgkit/README.md is stale

Rules (issue "A library a student can read"): each ecgkit module imports only from its own
layer or the layers below it (``LAYERS``); no import cycle among modules; no import inside
a function except the optional heavy packages (``LAZY_OK``); no private name (``_x``) of
one module used in another; no function over ``MAX_FUNCTION`` lines; no module over
``MAX_MODULE`` lines; no literal constant (a tuple, list, set or dict of 3+ items) written
in two modules. ``tests/test_layout.py`` runs the same checks.
"""
from __future__ import annotations

import argparse
import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ecgkit"
README = PACKAGE / "README.md"
MAX_FUNCTION, MAX_MODULE = 80, 600
LAZY_OK = {"captum", "shap", "pywt", "pyts", "streamlit"}

# (layer, what it is for, its modules): a module may import from its own layer and the
# layers listed before it. The first nine layers are the teaching core.
LAYERS = [
    ("config", "profiles, device, seeding, exercise self-checks, the claims ledger",
     ["ecgkit.config", "ecgkit.exercises", "ecgkit.ledger"]),
    ("signal", "filters, standardisation, checks, beat windows (arrays only)",
     ["ecgkit.signal"]),
    ("data", "PTB-XL and MIT-BIH on disk, downloads, user uploads", ["ecgkit.data"]),
    ("metrics", "AUROC, F1, bootstrap intervals, beat-classification figures",
     ["ecgkit.metrics"]),
    ("transforms", "1-D signals to 2-D images and spectra", ["ecgkit.transforms"]),
    ("models", "the registry and one module per network", ["ecgkit.models"]),
    ("train", "the training loop, checkpoints, class weights, prediction",
     ["ecgkit.train"]),
    ("plot", "ECG paper and the course's figures", ["ecgkit.plot"]),
    ("explain", "attributions, prototypes, faithfulness", ["ecgkit.explain"]),
    ("experiments", "the benchmarks' recipes and runs",
     ["ecgkit.experiments", "ecgkit.bench"]),
    ("app", "model bundles, reports, the command line",
     ["ecgkit.app", "ecgkit.predict"]),
]
CORE = [name for name, _, _ in LAYERS[:9]]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    if module == "ecgkit":
        return -1
    for i, (_, _, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    return len(LAYERS)  # in no layer: check() reports it


def _resolve(name: str, mods: dict) -> str | None:
    """The ecgkit module a dotted import name refers to (the longest module prefix)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in mods:
            return candidate
        parts.pop()
    return None


def _imports(tree: ast.Module, module: str, mods: dict):
    """(node, imported ecgkit module, names) for every import of ecgkit in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _resolve(alias.name, mods)
                if target:
                    yield node, target, []
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                pkg = module.split(".") if PACKAGE.joinpath(
                    *module.split(".")[1:], "__init__.py").exists() else module.split(".")[:-1]
                base = ".".join(pkg[:len(pkg) - node.level + 1] + [node.module])
            if not base.startswith("ecgkit"):
                continue
            for alias in node.names:
                sub = _resolve(f"{base}.{alias.name}", mods)
                if sub and sub != _resolve(base, mods):
                    yield node, sub, []
                else:
                    yield node, _resolve(base, mods), [alias.name]


def _functions(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _literal_constants(tree):
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(
                node.value, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
            items = node.value.keys if isinstance(node.value, ast.Dict) else node.value.elts
            if len(items) >= 3:
                try:
                    yield node, repr(ast.literal_eval(node.value))
                except ValueError:
                    pass


def _find_cycles(graph: dict[str, set]) -> list[list[str]]:
    cycles, state, stack = [], {}, []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def _is_ancestor_package(package: str, module: str) -> bool:
    return module.startswith(package + ".")


def check() -> tuple[dict, list[str]]:
    """Figures of the layout and the list of broken rules (empty when all hold)."""
    mods = modules()
    problems, graph, constants = [], defaultdict(set), defaultdict(list)
    figures = {"modules": len(mods), "lines": {}, "longest_function": ("", 0)}
    for module, path in mods.items():
        text = path.read_text()
        tree = ast.parse(text)
        n_lines = len(text.splitlines())
        figures["lines"][module] = n_lines
        if layer_of(module) == len(LAYERS):
            problems.append(f"{module}: in no layer (add it to LAYERS in this script)")
        if n_lines > MAX_MODULE:
            problems.append(f"{module}: {n_lines} lines (> {MAX_MODULE})")
        local_imports = set()
        for fn in _functions(tree):
            length = fn.end_lineno - fn.lineno + 1
            if length > figures["longest_function"][1]:
                figures["longest_function"] = (f"{module}.{fn.name}", length)
            if length > MAX_FUNCTION:
                problems.append(f"{module}.{fn.name}: {length} lines (> {MAX_FUNCTION})")
            for node in ast.walk(fn):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    local_imports.add(id(node))
                    names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                             else [node.module or ""])
                    if not all(n.split(".")[0] in LAZY_OK for n in names):
                        problems.append(f"{module}:{node.lineno}: import inside "
                                        f"{fn.name}() ({', '.join(names)})")
        for node, target, names in _imports(tree, module, mods):
            if id(node) not in local_imports and target != module and not (
                    _is_ancestor_package(module, target)):
                graph[module].add(target)
            if len(LAYERS) > layer_of(target) > layer_of(module):
                problems.append(f"{module}: imports {target}, a higher layer "
                                f"({LAYERS[layer_of(target)][0]})")
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private:
                problems.append(f"{module}: uses private {', '.join(private)} of {target}")
        problems += _private_attributes(tree, module, mods)
        for node, value in _literal_constants(tree):
            constants[value].append(f"{module}.{node.targets[0].id}"
                                    if isinstance(node.targets[0], ast.Name) else module)
    for cycle in _find_cycles(graph):
        problems.append("import cycle: " + " -> ".join(cycle))
    for value, places in constants.items():
        if len(places) > 1:
            problems.append(f"one constant in {len(places)} places: {', '.join(places)}")
    figures["core_lines"] = sum(n for m, n in figures["lines"].items()
                                if m != "ecgkit" and layer_of(m) < len(CORE))
    figures["total_lines"] = sum(figures["lines"].values())
    return figures, problems


def _private_attributes(tree, module, mods) -> list[str]:
    """``alias._name`` where ``alias`` is an imported ecgkit module."""
    aliases = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ecgkit"):
            for a in node.names:
                if f"{node.module}.{a.name}" in mods:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name in mods and a.asname:
                    aliases[a.asname] = a.name
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            found.append(f"{module}:{node.lineno}: uses private "
                         f"{aliases[node.value.id]}.{node.attr}")
    return found


def first_line(path: Path) -> str:
    """The first line of a module's docstring, Sphinx roles turned into plain code spans."""
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    if not doc.strip():
        return "(no docstring)"
    line = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", doc.strip().splitlines()[0])
    return line.replace("``", "`")


def readme() -> str:
    """ecgkit/README.md: the layer diagram and one line per module, from the docstrings."""
    mods = modules()
    out = ["# Inside ecgkit", "",
           "<!-- Generated by `python scripts/ecgkit_layout.py --write` from the modules' "
           "docstrings; tests/test_layout.py fails when it is stale. -->", "",
           "Each layer imports only from the layers above it in this list. The first nine "
           "are the teaching core, what chapters 1-12 import; `experiments` and `app` sit "
           "beside it. `python scripts/ecgkit_layout.py` prints the sizes and checks the "
           "rules.", "", "```"]
    for i, (name, what, _) in enumerate(LAYERS):
        out.append(f"{i:>2} {name:<12} {what}")
        if i == len(CORE) - 1:
            out.append("   " + "-" * 40 + " beside the core:")
    out += ["```", "", "| module | what it holds |", "| --- | --- |"]
    for module in sorted(mods, key=lambda m: (layer_of(m), m)):
        what = first_line(mods[module]).replace("|", r"\|")  # a bare | would end the cell
        out.append(f"| `{module}` | {what} |")
    out += ["", "Tests mirror the modules: `ecgkit/train/loop.py` is tested in "
            "`tests/train/test_loop.py`, `ecgkit/metrics.py` in `tests/test_metrics.py`.", ""]
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="regenerate ecgkit/README.md")
    parser.add_argument("--check", action="store_true", help="fail if ecgkit/README.md is stale")
    args = parser.parse_args(argv)
    if args.write:
        README.write_text(readme())
        print(f"wrote {README.relative_to(ROOT)}")
        return 0
    if args.check:
        stale = not README.is_file() or README.read_text() != readme()
        print("ecgkit/README.md is stale: run python scripts/ecgkit_layout.py --write"
              if stale else "ecgkit/README.md is up to date")
        return int(stale)
    figures, problems = check()
    name, length = figures["longest_function"]
    biggest = max(figures["lines"], key=figures["lines"].get)
    print(f"{figures['modules']} modules, {figures['total_lines']:,} lines; teaching core "
          f"({', '.join(CORE)}) {figures['core_lines']:,} lines")
    print(f"largest module {biggest} ({figures['lines'][biggest]} lines, limit "
          f"{MAX_MODULE}); longest function {name} ({length} lines, limit {MAX_FUNCTION})")
    print(f"{len(problems)} rule(s) broken" + (":" if problems else ""))
    for p in problems:
        print("  " + p)
    return int(bool(problems))


if __name__ == "__main__":
    sys.exit(main())
