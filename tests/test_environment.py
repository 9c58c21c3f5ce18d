"""The environment `make env` builds: JupyterLab (`make lab`) and the course's kernel."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pinned(package: str) -> str:
    """The version pattern requirements.txt pins ``package`` to (``4.6.*`` -> ``4.6.``)."""
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        found = re.fullmatch(rf"{re.escape(package)}==([\w.*]+)", line.strip())
        if found:
            return found.group(1).rstrip("*")
    raise AssertionError(f"requirements.txt pins no {package}")


def test_jupyterlab_runs_in_this_environment():
    out = subprocess.run([sys.executable, "-m", "jupyterlab", "--version"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    version = out.stdout.strip().splitlines()[-1]
    assert version.startswith(_pinned("jupyterlab")), version


def test_the_course_kernel_runs_this_environment():
    """`make env` installs the kernel "python3" into the environment itself; it must
    start this environment's Python, whatever else the user has installed."""
    spec = Path(sys.prefix) / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"
    argv = json.loads(spec.read_text())["argv"]
    assert os.path.samefile(argv[0], sys.executable), argv
    assert "ipykernel_launcher" in argv


def test_make_lab_and_the_conda_file_use_the_same_environment():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^lab: env\n\t\$\(BIN\)/jupyter lab notebooks( \$\(LAB_FLAGS\))?$",
                     makefile, re.MULTILINE)
    assert "export JUPYTER_PATH := $(abspath $(VENV))/share/jupyter" in makefile
    environment = (ROOT / "environment.yml").read_text()
    assert "- -r requirements.txt" in environment   # JupyterLab and the pins come from there
