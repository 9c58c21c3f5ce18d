"""Write the repository URL of _config.yml into every chapter's badge and setup cell.

The URL is set in one place (``_config.yml``: ``repository.url``); this script propagates it
to ``notebooks/_setup_cell.py`` and to each notebook's Colab badge and install cell.
``tests/test_book.py`` fails while any of them disagrees.

    python scripts/sync_repo_url.py
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
URL_LINE = re.compile(r'REPO_URL = "[^"]*"')
BADGE = re.compile(r"\(https://colab\.research\.google\.com/github/[^)]*\)")


def repo_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/")


def colab_link(url: str, notebook: Path, branch: str = "main") -> str:
    slug = url.split("github.com/", 1)[1]
    return f"(https://colab.research.google.com/github/{slug}/blob/{branch}/notebooks/{notebook.name})"


def main() -> None:
    url = repo_url()
    setup = ROOT / "notebooks" / "_setup_cell.py"
    setup.write_text(URL_LINE.sub(f'REPO_URL = "{url}"', setup.read_text()))
    for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            cell.source = URL_LINE.sub(f'REPO_URL = "{url}"', cell.source)
            cell.source = BADGE.sub(colab_link(url, path), cell.source)
        nbformat.write(nb, path)
        print(f"updated {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
