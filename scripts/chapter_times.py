"""Record each chapter's execution time from a book build log into ecgkit/chapter_times.json.

    python scripts/chapter_times.py _build/book.log          # what `make book` runs
    python scripts/chapter_times.py book.log --gpu "NVIDIA A100-SXM4-40GB" --profile full

Reads the lines myst-nb prints for every executed notebook
(``.../notebooks/04_training_engine.ipynb: Executed notebook in 27.86 seconds [mystnb]``)
and writes the seconds per notebook, with the build's date (the log's modification time),
commit (of the built source folder the log names, else of this checkout), machine
(``N-core CPU``, or the GPU named by ``--gpu``) and profile. ``--gpu`` fills the ``"gpu"``
section and keeps the CPU one, and the other way round. A log that does not time every
chapter of ``notebooks/`` (a build that failed or reused outputs) changes nothing, unless
``--partial``. ``ecgkit.config.chapter_cost`` turns the file into the line each chapter
prints in its setup cell.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import sys
from pathlib import Path

from ecgkit.config import CHAPTER_TIMES
from ecgkit.experiments.results import git_commit

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = re.compile(r"(\S+)\.ipynb: Executed notebook in ([0-9.]+) seconds")
SOURCE = re.compile(r"^Source Folder: (.+)$", re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def parse_log(text: str) -> dict[str, float]:
    """Notebook stem -> seconds, from the 'Executed notebook in' lines of a build log."""
    text = ANSI.sub("", text)
    return {Path(path).name: round(float(s), 1) for path, s in EXECUTED.findall(text)}


def build_commit(text: str) -> str | None:
    """The commit of the source folder the log names (``Source Folder: ...``), else of
    this checkout."""
    found = SOURCE.search(ANSI.sub("", text))
    folder = Path(found.group(1).strip()) if found else None
    commit = git_commit(folder) if folder is not None and folder.is_dir() else None
    return commit or git_commit(ROOT)


def cpu_cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def record(log: Path, out: Path, profile: str, gpu: str | None = None,
           partial: bool = False, chapters=None) -> dict | None:
    """Write the times of ``log`` into ``out``; returns what was written, or None (with a
    message) when the log does not time every chapter in ``chapters`` (default: the
    notebooks of ``notebooks/``) and ``partial`` is False."""
    text = log.read_text(errors="replace")
    seconds = parse_log(text)
    chapters = sorted(chapters if chapters is not None
                      else (p.stem for p in (ROOT / "notebooks").glob("[0-9]*.ipynb")))
    missing = [c for c in chapters if c not in seconds]
    if missing and not partial:
        print(f"chapter times not recorded: {log} times {len(chapters) - len(missing)} of "
              f"{len(chapters)} chapters (missing {', '.join(missing)})")
        return None
    date = datetime.datetime.fromtimestamp(log.stat().st_mtime, datetime.timezone.utc)
    section = {"measured": {"date": date.date().isoformat(), "commit": build_commit(text),
                            "machine": gpu or f"{cpu_cores()}-core CPU", "profile": profile,
                            "total_s": round(sum(seconds.values()), 1)},
               "seconds": dict(sorted(seconds.items()))}
    try:
        recorded = json.loads(out.read_text())
    except (OSError, ValueError):
        recorded = {}
    if gpu:
        recorded = {"measured": recorded.get("measured", {}),
                    "seconds": recorded.get("seconds", {}), "gpu": section}
    else:
        recorded = {**section, "gpu": recorded.get("gpu", {})}
    out.write_text(json.dumps(recorded, indent=1) + "\n")
    return recorded


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("log", type=Path, help="output of `jupyter-book build` (stdout + stderr)")
    p.add_argument("--out", type=Path, default=CHAPTER_TIMES)
    p.add_argument("--profile", default=os.environ.get("ECGKIT_PROFILE") or "sample")
    p.add_argument("--gpu", default=None, help="GPU name: record a GPU build's times")
    p.add_argument("--partial", action="store_true",
                   help="record even when some chapters have no time in the log")
    args = p.parse_args(argv)
    recorded = record(args.log, args.out, args.profile, args.gpu, args.partial)
    if recorded is not None:
        section = recorded["gpu"] if args.gpu else recorded
        m = section["measured"]
        print(f"recorded {len(section['seconds'])} chapter times ({m['total_s']:.0f} s, "
              f"{m['machine']}, {m['profile']} profile, {m['commit']}) in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
