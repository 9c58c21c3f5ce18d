"""The layout rules of ecgkit (scripts/ecgkit_layout.py) and its generated README."""
import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "ecgkit_layout.py"
_spec = importlib.util.spec_from_file_location("ecgkit_layout", SCRIPT)
layout = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(layout)


def test_every_rule_holds():
    _, problems = layout.check()
    assert problems == [], "\n".join(problems)


def test_readme_is_current():
    assert layout.README.read_text() == layout.readme(), (
        "ecgkit/README.md is stale: run python scripts/ecgkit_layout.py --write")


def test_every_module_has_a_one_line_docstring():
    missing = [m for m, p in layout.modules().items()
               if layout.first_line(p) == "(no docstring)"]
    assert missing == []


@pytest.mark.parametrize("source, problem", [
    ("def f():\n    from ecgkit import data\n", "import inside f()"),
    ("def f():\n" + "    x = 1\n" * 90, "lines (> 80)"),
])
def test_the_checker_catches_a_broken_rule(tmp_path, monkeypatch, source, problem):
    package = tmp_path / "ecgkit"
    package.mkdir()
    (package / "__init__.py").write_text('"""A package."""\n')
    (package / "config.py").write_text('"""Config."""\n' + source)
    monkeypatch.setattr(layout, "ROOT", tmp_path)
    monkeypatch.setattr(layout, "PACKAGE", package)
    _, problems = layout.check()
    assert any(problem in p for p in problems), problems


def test_the_checker_catches_a_cycle_and_a_private_name(tmp_path, monkeypatch):
    package = tmp_path / "ecgkit"
    package.mkdir()
    (package / "__init__.py").write_text('"""A package."""\n')
    (package / "config.py").write_text('"""C."""\nfrom ecgkit import metrics\n')
    (package / "metrics.py").write_text('"""M."""\nfrom ecgkit.config import _x\n')
    monkeypatch.setattr(layout, "ROOT", tmp_path)
    monkeypatch.setattr(layout, "PACKAGE", package)
    _, problems = layout.check()
    text = "\n".join(problems)
    assert "import cycle" in text and "private _x" in text and "higher layer" in text
