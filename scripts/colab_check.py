"""Run every chapter as Colab runs it: a fresh environment with only what Colab preinstalls.

    python scripts/colab_check.py                  # every chapter (make colab-check)
    python scripts/colab_check.py notebooks/09_image_models.ipynb
    python scripts/colab_check.py --ref HEAD       # the last commit, not the working tree

1. A fresh virtual environment (``.colab-venv``) gets only Colab's preinstalled packages
   that the course touches (``COLAB_PREINSTALLED``, at the versions of requirements.txt),
   and pytest + nbval to run the notebooks; torch is the CPU build (``$TORCH_SOURCE``, set
   by the Makefile). Neither ecgkit nor its extras is installed.
2. The working tree goes into a throwaway git repository as one commit (what ``git add
   -A; git commit`` would commit: ignored files left out; in a clean checkout, as on CI,
   that is HEAD). With ``--ref``, a commit of this repository instead. Colab installs
   ecgkit from GitHub; this is the same install, from a local git URL.
3. Each chapter is copied from that commit with its setup cell's ``REPO_URL`` pointing at
   it, and runs top to bottom in the smoke profile (``pytest --nbval-lax
   --nbval-current-env``). Its own setup cell installs ecgkit and the chapter's EXTRAS with
   pip, as in Colab. Before each chapter the extras' packages are uninstalled and the array
   cache is new, as in a fresh Colab runtime: a chapter that does not list an extra it
   needs fails, whatever ran before it.

Exit status 1 when any chapter fails; its log is kept and its last lines printed.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What Colab has before a chapter's first cell, as far as the course is concerned.
COLAB_PREINSTALLED = ["torch", "numpy", "scipy", "pandas", "scikit-learn", "matplotlib",
                      "seaborn", "tqdm", "ipykernel", "requests", "pip"]
RUNNER = ["pytest", "nbval"]
URL_LINE = re.compile(r'REPO_URL = "[^"]*"')
ANSI = re.compile(r"\x1b\[[0-9;]*m")   # colours of IPython's tracebacks
EXTRAS_LINE = re.compile(r'^CHAPTER, EXTRAS = "[^"]*", "([^"]*)"', re.M)


def sh(cmd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def pinned(names: list[str]) -> list[str]:
    """``names`` with the version of requirements.txt where it pins one."""
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        req = line.split("#")[0].strip()
        if req:
            pins[re.split(r"[=<>!~ \[]", req, maxsplit=1)[0].lower()] = req
    return [pins.get(name.lower(), name) for name in names]


def optional_dependencies() -> dict[str, list[str]]:
    """``[project.optional-dependencies]`` of pyproject.toml (no tomllib: Python 3.10)."""
    text = (ROOT / "pyproject.toml").read_text()
    section = text.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
    return {m.group(1): re.findall(r'"([^"]+)"', m.group(2))
            for m in re.finditer(r"^([\w-]+)\s*=\s*\[(.*?)\]", section, re.M | re.S)}


def extra_packages() -> list[str]:
    """The distributions ecgkit's extras install (uninstalled before each chapter)."""
    return sorted({re.split(r"[=<>!~ \[;]", req, maxsplit=1)[0]
                   for reqs in optional_dependencies().values() for req in reqs})


def build_venv(venv: Path, uv: Path, python: str) -> None:
    shutil.rmtree(venv, ignore_errors=True)
    sh([python, "-m", "venv", "--without-pip", venv])
    torch_source = shlex.split(os.environ.get("TORCH_SOURCE", ""))
    sh([uv, "pip", "install", "-q", "--python", venv / "bin" / "python", *torch_source,
        *pinned(COLAB_PREINSTALLED + RUNNER)])


def snapshot(work: Path, ref: str | None) -> tuple[Path, str]:
    """(git repository, commit) that Colab's install will use: ``ref`` of this repository,
    or a commit of the working tree (ignored files left out) in a throwaway repository."""
    if ref is not None:
        sha = sh(["git", "-C", ROOT, "rev-parse", "--verify", f"{ref}^{{commit}}"],
                 capture_output=True, text=True).stdout.strip()
        return ROOT, sha
    repo = work / "repo.git"
    git = ["git", "--git-dir", repo, "--work-tree", ROOT, "-c", "core.hooksPath=/dev/null",
           "-c", "commit.gpgsign=false", "-c", "user.name=colab-check",
           "-c", "user.email=colab-check@localhost"]
    sh(["git", "init", "-q", "--bare", repo])
    files = sh(["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others",
                "--exclude-standard"], capture_output=True).stdout
    paths = [p for p in files.split(b"\0") if p and (ROOT / os.fsdecode(p)).exists()]
    sh([*git, "add", "-f", "--pathspec-from-file=-", "--pathspec-file-nul"],
       input=b"\0".join(paths))
    sh([*git, "commit", "-q", "-m", "colab-check snapshot of the working tree"])
    sha = sh(["git", "--git-dir", repo, "rev-parse", "HEAD"], capture_output=True,
             text=True).stdout.strip()
    return repo, sha


def chapters(repo: Path, sha: str, work: Path, wanted: list[str]) -> list[Path]:
    """The chapters of commit ``sha``, copied to ``work/notebooks`` with REPO_URL at it."""
    archive = sh(["git", "--git-dir", repo / ".git" if (repo / ".git").is_dir() else repo,
                  "archive", "--format=tar", sha, "notebooks"], capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(work, **safe)
    names = {Path(w).name for w in wanted}
    copies = []
    for path in sorted((work / "notebooks").glob("[0-9]*.ipynb")):
        if names and path.name not in names:
            continue
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and URL_LINE.search(source):
                cell["source"] = URL_LINE.sub(f'REPO_URL = "file://{repo}@{sha}"', source)
        path.write_text(json.dumps(nb, indent=1))
        copies.append(path)
    missing = names - {p.name for p in copies}
    if missing:
        raise SystemExit(f"not chapters of {sha[:10]}: {', '.join(sorted(missing))}")
    return copies


def setup_seconds(path: Path, log: Path) -> float | None:
    """What the chapter's setup cell (install, data) took, from pytest's durations."""
    code = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    k = next(i for i, c in enumerate(code) if URL_LINE.search("".join(c["source"])))
    found = re.search(rf"^([\d.]+)s call .*::Cell {k}$", log.read_text(), re.M)
    return float(found.group(1)) if found else None


def run_chapter(path: Path, venv: Path, uv: Path, work: Path,
                timeout: float) -> tuple[bool, float]:
    """Uninstall the extras (a fresh runtime), then run the chapter; (passed, seconds)."""
    sh([uv, "pip", "uninstall", "-q", "--python", venv / "bin" / "python", *extra_packages()])
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JUPYTER_PATH")}
    env.update(ECGKIT_PROFILE="smoke", ECGKIT_CACHE=str(work / "cache" / path.stem),
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    log = work / "logs" / f"{path.stem}.log"
    log.parent.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    with open(log, "w") as out:
        try:
            rc = subprocess.run([venv / "bin" / "python", "-m", "pytest", "--nbval-lax",
                                 "--nbval-current-env", "-q", "-p", "no:cacheprovider",
                                 "--durations=0", "--durations-min=0", path.name], cwd=path.parent, env=env, stdout=out,
                                stderr=subprocess.STDOUT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            out.write(f"\ncolab-check: stopped after {timeout:.0f} s\n")
            rc = 1
    return rc == 0, time.perf_counter() - t0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="chapters to run (default: all)")
    parser.add_argument("--ref", default=None,
                        help="check this commit (e.g. HEAD) instead of the working tree")
    parser.add_argument("--venv", type=Path, default=ROOT / ".colab-venv")
    parser.add_argument("--uv", type=Path, default=ROOT / ".venv" / "bin" / "uv")
    parser.add_argument("--python", default=os.environ.get("PYTHON", "python3"),
                        help="the interpreter of the new environment")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per chapter")
    parser.add_argument("--keep", action="store_true", help="keep the logs of passed chapters")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if subprocess.run(["git", "-C", ROOT, "rev-parse"], capture_output=True).returncode:
        raise SystemExit(f"colab-check installs ecgkit with git: {ROOT} is not a git checkout")
    work = Path(tempfile.mkdtemp(prefix="ecgkit-colab-check-"))
    repo, sha = snapshot(work, args.ref)
    copies = chapters(repo, sha, work, args.notebooks)
    what = f"commit {args.ref} ({sha[:10]})" if args.ref else "the working tree"
    print(f"colab-check: {len(copies)} chapters of {what}, ecgkit from git+file://{repo}")
    build_venv(args.venv, args.uv, args.python)
    print(f"  {args.venv.name}: Colab's preinstalled set ready after "
          f"{time.perf_counter() - start:.0f} s")
    results = []
    for path in copies:
        extras = EXTRAS_LINE.search("\n".join(
            "".join(c["source"]) for c in json.loads(path.read_text())["cells"]))
        passed, seconds = run_chapter(path, args.venv, args.uv, work, args.timeout)
        results.append((path.stem, passed))
        setup = setup_seconds(path, work / "logs" / f"{path.stem}.log")
        print(f"  {path.stem:24} EXTRAS={extras.group(1) if extras else '?':16} "
              f"{'passed' if passed else 'FAILED'} in {seconds:4.0f} s (setup cell "
              f"{'?' if setup is None else f'{setup:.0f}'} s)", flush=True)
        if not passed:
            tail = (work / "logs" / f"{path.stem}.log").read_text().splitlines()[-40:]
            print("\n".join("    | " + ANSI.sub("", line) for line in tail))
    failed = [name for name, ok in results if not ok]
    print(f"colab-check: {len(results) - len(failed)} of {len(results)} chapters passed in "
          f"{time.perf_counter() - start:.0f} s" + (f"; logs in {work / 'logs'}" if failed
                                                     else ""))
    if not failed and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
