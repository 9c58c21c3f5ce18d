"""The book's structure: every chapter follows the course's layout and the one repository URL."""
from pathlib import Path
import re

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
URL = CONFIG["repository"]["url"].rstrip("/")
SETUP = (ROOT / "notebooks" / "_setup_cell.py").read_text().strip()
CONFIG_CELL = (ROOT / "notebooks" / "_config_cell.py").read_text().strip()


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
    # the setup cell, exactly, and the visible config cell
    assert any(c.source.strip() == SETUP for c in code), "setup cell differs from _setup_cell.py"
    assert any(c.source.strip().startswith(CONFIG_CELL) for c in code), "config cell missing"
    assert re.search(r"^## 1\. ", md, re.M), "numbered sections expected"
    hidden = [c for c in code if "hide-input" in c.metadata.get("tags", [])]
    assert len(hidden) >= 2, "at least two exercises with hidden solutions"
    assert re.search(r"^## Summary", md, re.M)
    assert any("assert " in c.source for c in code), "no assert cell"
