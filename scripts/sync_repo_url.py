"""Write the repository URL of _config.yml and the two cell templates into every chapter.

The URL is set in one place (``_config.yml``: ``repository.url``); this script propagates it
to ``notebooks/_setup_cell.py`` and to each notebook's Colab badge and install cell. It also
rewrites each chapter's setup cell from ``notebooks/_setup_cell.py`` (keeping the values of
the chapter's own first line, ``CHAPTER, EXTRAS = ...``) and the start of its config cell from
``notebooks/_config_cell.py`` (keeping what the chapter adds after it; the template's
optional lines, ``DRIVE = ...`` and ``RETRAIN = ...``, only where the chapter has them). ``tests/test_book.py`` fails while
any of them disagrees.

    python scripts/sync_repo_url.py
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
URL_LINE = re.compile(r'REPO_URL = "[^"]*"')
BADGE = re.compile(r"\(https://colab\.research\.google\.com/github/[^)]*\)")
# the setup cell's per-chapter part: its number and extras, in the first line
EXTRAS_VALUE = re.compile(r'^CHAPTER, EXTRAS = "[^"]*", "[^"]*"')
# The config cell's optional lines: DRIVE for chapters that checkpoint, RETRAIN for those
# that cache trained models.
OPTIONAL = ("DRIVE = ", "RETRAIN = ")
OLD_CONFIG_END = "print(profile)"  # where config cells written before DATA_ROOT ended


def repo_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/")


def colab_link(url: str, notebook: Path, branch: str = "main") -> str:
    slug = url.split("github.com/", 1)[1]
    return f"(https://colab.research.google.com/github/{slug}/blob/{branch}/notebooks/{notebook.name})"


def setup_cell(template: str, source: str) -> str:
    """The setup ``template`` with the chapter's CHAPTER and EXTRAS values (from
    ``source``) in its first line."""
    lines = template.strip().splitlines()
    value = EXTRAS_VALUE.match(source.strip())
    if value:
        lines[0] = EXTRAS_VALUE.sub(lambda _: value.group(0), lines[0], count=1)
    return "\n".join(lines)


def _optional(line: str) -> str | None:
    return next((p for p in OPTIONAL if line.startswith(p)), None)


def config_cell(template: str, source: str) -> str:
    """``source`` with its leading config template replaced by ``template``: the required
    lines, then those of the optional lines the chapter has, then the chapter's own."""
    lines, wanted = source.strip().splitlines(), template.strip().splitlines()
    required = [t for t in wanted if not _optional(t)]
    end = next((lines.index(e) + 1 for e in (required[-1], OLD_CONFIG_END) if e in lines), 0)
    rest, present = lines[end:], set()
    while rest and _optional(rest[0]):
        present.add(_optional(rest.pop(0)))
    return "\n".join(required + [t for t in wanted if _optional(t) in present] + rest)


def sync_notebook(path: Path, url: str, setup_template: str, config_template: str) -> bool:
    """Rewrite the badge, setup and config cells of one notebook; True if it changed. The
    JSON is edited as it is (key order, layout), so a notebook changes only where it must."""
    text = path.read_text()
    nb = json.loads(text)
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        source = BADGE.sub(colab_link(url, path), source)
        if cell["cell_type"] == "code" and URL_LINE.search(source):
            source = setup_cell(setup_template, source)
        elif cell["cell_type"] == "code" and source.startswith("# Config:"):
            source = config_cell(config_template, source)
        cell["source"] = source.splitlines(keepends=True)
    new = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    if new != text:
        path.write_text(new)
    return new != text


def main() -> None:
    url = repo_url()
    setup = ROOT / "notebooks" / "_setup_cell.py"
    setup.write_text(URL_LINE.sub(f'REPO_URL = "{url}"', setup.read_text()))
    setup_template = setup.read_text()
    config_template = (ROOT / "notebooks" / "_config_cell.py").read_text()
    for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        if sync_notebook(path, url, setup_template, config_template):
            print(f"updated {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
