"""The book's structure: every chapter follows the course's layout and the one repository URL."""
import ast
import importlib.metadata
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
URL = CONFIG["repository"]["url"].rstrip("/")
SETUP = (ROOT / "notebooks" / "_setup_cell.py").read_text().strip()
CONFIG_TEMPLATE = (ROOT / "notebooks" / "_config_cell.py").read_text().strip().splitlines()
# The config cell: these lines start every chapter's; the optional lines follow them where
# the chapter uses them: DRIVE where it writes checkpoints (config.checkpoint_dir), RETRAIN
# where it caches trained models (retrain=RETRAIN).
USES = {"DRIVE = ": "config.checkpoint_dir(DRIVE", "RETRAIN = ": "retrain=RETRAIN"}
OPTIONAL_LINES = {p: next(line for line in CONFIG_TEMPLATE if line.startswith(p)) for p in USES}
CONFIG_CELL = "\n".join(line for line in CONFIG_TEMPLATE
                        if line not in OPTIONAL_LINES.values())
# The setup cell: the same in every chapter but for the values of its first line.
EXTRAS_LINE = re.compile(r'^CHAPTER, EXTRAS = "(\d\d[a-z]?)", "([a-z,]*)"')
SETUP_REST = SETUP.split("\n", 1)[1]
MODULES = next(ast.literal_eval(node.value) for node in ast.parse(SETUP).body  # extra: imports
               if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "MODULES")


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sync = load_script("sync_repo_url")
colab_check = load_script("colab_check")


def cells(path, kind="code"):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == kind]


def setup_cell(path):
    (cell,) = [c for c in cells(path) if 'REPO_URL = "' in c.source]
    return cell.source.strip()


def config_cell(path):
    return next(c.source.strip() for c in cells(path) if c.source.startswith("# Config:"))


def chapter_extras(path) -> list[str]:
    match = EXTRAS_LINE.match(setup_cell(path))
    assert match, "the setup cell must start with the CHAPTER, EXTRAS line"
    assert match.group(1) == path.name.split("_")[0], "CHAPTER is not this chapter's number"
    return [e for e in match.group(2).split(",") if e]


def toc_files(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("file", "root"):
                yield value
            else:
                yield from toc_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from toc_files(item)


def test_there_are_chapters():
    assert len(NOTEBOOKS) >= 3


def test_every_chapter_is_in_the_toc():
    toc = set(toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text())))
    for nb in NOTEBOOKS:
        assert f"notebooks/{nb.stem}" in toc, f"{nb.name} is not in _toc.yml"
    for entry in toc:
        candidates = [ROOT / f"{entry}{ext}" for ext in (".ipynb", ".md")]
        assert any(c.exists() for c in candidates), f"_toc.yml names missing file {entry}"


def test_setup_cell_names_the_configured_url():
    assert f'REPO_URL = "{URL}"' in SETUP


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_layout(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    # committed without outputs: the book build executes them
    assert all(not c.outputs and c.execution_count is None for c in code), "outputs committed"
    # Colab badge on top, pointing at this very notebook in the configured repository
    first = nb.cells[0].source
    assert first.startswith("# "), "first cell must be the chapter title"
    slug = URL.split("github.com/", 1)[1]
    assert f"colab.research.google.com/github/{slug}/blob/main/notebooks/{path.name}" in first
    assert "objectives" in md.lower()
    # the setup cell, exactly but for its first line's values, and the visible config cell
    setup = setup_cell(path)
    assert setup.split("\n", 1)[1] == SETUP_REST, "setup cell differs from _setup_cell.py"
    assert EXTRAS_LINE.sub("", setup.splitlines()[0]) == EXTRAS_LINE.sub(
        "", SETUP.splitlines()[0]), "the EXTRAS line's comment differs from _setup_cell.py"
    assert any(c.source.strip().startswith(CONFIG_CELL) for c in code), "config cell missing"
    assert re.search(r"^## 1\. ", md, re.M), "numbered sections expected"
    hidden = [c for c in code if "hide-cell" in c.metadata.get("tags", [])]  # code and outputs folded
    assert len(hidden) >= 2, "at least two exercises with hidden solutions"
    assert re.search(r"^## Summary", md, re.M)
    assert any("assert " in c.source for c in code), "no assert cell"


def test_extras_of_pyproject_provide_the_modules_the_setup_cell_checks():
    extras = colab_check.optional_dependencies()
    assert {"images", "explain", "app"} <= set(extras)
    assert set(MODULES) <= set(extras), "an extra of the setup cell is missing in pyproject"
    providers = importlib.metadata.packages_distributions()
    for extra, modules in MODULES.items():
        names = {re.split(r"[<>=!~ \[;]", req, maxsplit=1)[0].lower() for req in extras[extra]}
        for module in modules.split():
            dists = {d.lower() for d in providers.get(module, [])}
            assert dists, f"{module} is not installed here (make env installs every extra)"
            assert dists & names, f"extra {extra!r} ({sorted(names)}) does not provide {module}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_extras(path):
    extras = chapter_extras(path)
    assert set(extras) <= set(MODULES), f"unknown extra in {extras}"
    assert extras == sorted(extras, key=list(MODULES).index), "extras in MODULES' order"
    # a module the chapter imports itself is in its extras (what ecgkit imports on its
    # behalf, make colab-check finds: it runs each chapter in a Colab-like environment)
    code = "\n".join(c.source for c in cells(path))
    for extra, modules in MODULES.items():
        for module in modules.split():
            if re.search(rf"^\s*(import|from) {module}\b", code, re.M):
                assert extra in extras, f"imports {module}: EXTRAS needs {extra!r}"


def install_part(extras: str) -> str:
    """The setup template up to ``import ecgkit``, for this EXTRAS value."""
    code = SETUP.split("\nimport ecgkit\n")[0]
    return EXTRAS_LINE.sub(f'CHAPTER, EXTRAS = "01", "{extras}"', code, count=1)


def test_setup_cell_installs_only_when_a_module_is_missing(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, check: calls.append(cmd))
    exec(install_part("images,explain"), {})      # here everything is installed
    assert calls == [] and capsys.readouterr().out == ""
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda m: None if m == "captum" else real(m))
    exec(install_part("images,explain"), {})
    (cmd,) = calls
    torch_version = importlib.metadata.version("torch")
    assert cmd[:4] == [sys.executable, "-m", "pip", "install"] and "-q" in cmd
    assert cmd[-2:] == [f"ecgkit[images,explain] @ git+{URL}", f"torch=={torch_version}"]
    out = capsys.readouterr().out
    assert out.startswith("installed ecgkit[images,explain] in ") and out.count("\n") == 1
    calls.clear()
    exec(install_part("explain"), {})
    assert calls[0][-2] == f"ecgkit[explain] @ git+{URL}"
    calls.clear()
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda m: None if m == "ecgkit" else real(m))
    exec(install_part(""), {})
    assert calls[0][-2] == f"ecgkit @ git+{URL}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_optional_config_lines_where_they_are_used(path):
    """DRIVE is in a chapter's config cell iff it uses config.checkpoint_dir(DRIVE, ...);
    RETRAIN iff it passes retrain=RETRAIN to a cache of trained models."""
    lines = config_cell(path).splitlines()[len(CONFIG_CELL.splitlines()):]
    code = "\n".join(c.source for c in cells(path))
    expected = [line for p, line in OPTIONAL_LINES.items() if USES[p] in code]
    assert lines[:len(expected)] == expected, "optional config lines differ from their use"
    assert not any(line.startswith(tuple(USES)) for line in lines[len(expected):]), \
        "an optional config line the chapter does not use"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_sync_script_leaves_a_synced_chapter_alone(path):
    assert sync.setup_cell(SETUP, setup_cell(path)) == setup_cell(path)
    config = "\n".join(CONFIG_TEMPLATE)
    assert sync.config_cell(config, config_cell(path)) == config_cell(path)


def test_sync_script_keeps_extras_and_rewrites_the_rest():
    old = 'CHAPTER, EXTRAS = "08", "images"  # old\n# Setup: old\nREPO_URL = "x"\nprint(1)'
    new = sync.setup_cell(SETUP, old)
    assert new.startswith('CHAPTER, EXTRAS = "08", "images"  # extras: ')
    assert new.split("\n", 1)[1] == SETUP_REST
    config = "\n".join(CONFIG_TEMPLATE)
    old_config = "# Config: old\nPROFILE = 1\nprint(profile)\nDRIVE = True\nMODEL = 2"
    assert sync.config_cell(config, old_config) == \
        f"{CONFIG_CELL}\n{OPTIONAL_LINES['DRIVE = ']}\nMODEL = 2"
    assert (sync.config_cell(config, "# Config: old\nprint(profile)\nX = 1")
            == f"{CONFIG_CELL}\nX = 1")
    both = f"{CONFIG_CELL}\nDRIVE = 1\nRETRAIN = 1\nX = 1"
    assert sync.config_cell(config, both) == "\n".join([CONFIG_CELL, *OPTIONAL_LINES.values(),
                                                         "X = 1"])


def test_colab_check_installs_from_a_snapshot_of_the_working_tree(tmp_path):
    """make colab-check: the chapters' copies install ecgkit from a commit of this tree."""
    repo, sha = colab_check.snapshot(tmp_path, None)
    (copy,) = colab_check.chapters(repo, sha, tmp_path, [NOTEBOOKS[-1].name])
    setup = setup_cell(copy)
    assert f'REPO_URL = "file://{repo}@{sha}"' in setup
    assert setup.split("\n", 1)[0] == setup_cell(NOTEBOOKS[-1]).split("\n", 1)[0]
    show = subprocess.run(["git", "--git-dir", str(repo), "show", f"{sha}:pyproject.toml"],
                          capture_output=True, text=True, check=True).stdout
    assert show == (ROOT / "pyproject.toml").read_text()   # the working tree's, not HEAD's
    torch_pin = next(line for line in (ROOT / "requirements.txt").read_text().splitlines()
                     if line.startswith("torch=="))
    assert colab_check.pinned(["torch", "requests"]) == [torch_pin, "requests"]
    assert set(colab_check.extra_packages()) >= {"captum", "shap", "pyts", "streamlit"}


SCAFFOLD = re.compile(r'raise NotImplementedError\("(Exercise \d+)')


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_fill_in_exercises(path):
    """At least two exercises a learner fills in: a scaffold that raises
    NotImplementedError, a check cell (ecgkit.exercises.check) after it, and a solution
    after that, folded with its outputs in the book and collapsed in Colab, that passes
    the same check (so the build keeps the solution right)."""
    code = cells(path)
    names = [m.group(1) for c in code for m in SCAFFOLD.finditer(c.source)]
    assert len(set(names)) >= 2, f"{path.name}: {len(set(names))} fill-in exercises, want 2+"
    for name in set(names):
        call = f'exercises.check("{name}"'
        at = next(i for i, c in enumerate(code) if f'NotImplementedError("{name}' in c.source)
        checks = [i for i, c in enumerate(code) if call in c.source and i > at]
        assert checks, f"{path.name}: no check cell for {name}"
        solutions = [c for c in code[checks[0] + 1:] if call in c.source
                     and c.source.startswith("# @title Solution")]
        assert solutions, f"{path.name}: no solution cell ('# @title Solution') for {name}"
        for cell in solutions:
            assert "hide-cell" in cell.metadata.get("tags", []), f"{name}: solution not folded"
            assert cell.metadata.get("cellView") == "form", f"{name}: not collapsed in Colab"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_fits_the_page(path):
    long = [line for c in cells(path) for line in c.source.splitlines() if len(line) > 90]
    assert not long, f"{path.name}: {len(long)} code lines over 90 characters: {long[:2]}"
