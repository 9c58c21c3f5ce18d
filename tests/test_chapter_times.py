"""scripts/chapter_times.py: each chapter's execution time, from a book build log."""
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("chapter_times", ROOT / "scripts" / "chapter_times.py")
chapter_times = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(chapter_times)

LOG = """Running Jupyter-Book v1.0.4.post1
Source Folder: {source}
\x1b[01mreading sources... \x1b[39;49;00m[ 25%] \x1b[35mnotebooks/01_ecg_primer\x1b[39;49;00m
/x/notebooks/01_ecg_primer.ipynb: Executing notebook using local CWD [mystnb]
/x/notebooks/01_ecg_primer.ipynb: Executed notebook in 12.09 seconds [mystnb]
/x/notebooks/04_training_engine.ipynb: Executed notebook in 27.86 seconds [mystnb]
/x/notebooks/07_heartbeats.ipynb: Executed notebook in 200.93 seconds [mystnb]
"""
CHAPTERS = ["01_ecg_primer", "04_training_engine", "07_heartbeats"]


def test_parse_log_reads_the_executed_lines():
    assert chapter_times.parse_log(LOG.format(source="/x")) == {
        "01_ecg_primer": 12.1, "04_training_engine": 27.9, "07_heartbeats": 200.9}
    assert chapter_times.parse_log("no notebook here") == {}


def test_record_writes_a_complete_build_and_keeps_the_gpu_section(tmp_path):
    log, out = tmp_path / "book.log", tmp_path / "chapter_times.json"
    log.write_text(LOG.format(source=ROOT))
    out.write_text(json.dumps({"gpu": {"measured": {"machine": "NVIDIA T4"},
                                       "seconds": {"04_training_engine": 5.0}}}))
    written = chapter_times.record(log, out, "sample", chapters=CHAPTERS)
    assert json.loads(out.read_text()) == written
    assert written["seconds"] == {"01_ecg_primer": 12.1, "04_training_engine": 27.9,
                                  "07_heartbeats": 200.9}
    m = written["measured"]
    assert m["machine"].endswith("-core CPU") and m["profile"] == "sample"
    assert m["commit"] and len(m["date"]) == 10 and m["total_s"] == 240.9
    assert written["gpu"]["seconds"] == {"04_training_engine": 5.0}
    # a GPU build fills the gpu section and keeps the CPU one
    gpu = chapter_times.record(log, out, "full", gpu="NVIDIA A100", chapters=CHAPTERS)
    assert gpu["seconds"] == written["seconds"] and gpu["gpu"]["measured"]["machine"] == "NVIDIA A100"


def test_an_incomplete_log_changes_nothing(tmp_path, capsys):
    log, out = tmp_path / "book.log", tmp_path / "chapter_times.json"
    log.write_text(LOG.format(source=tmp_path))
    chapters = CHAPTERS + ["13_notebook_to_tool"]
    assert chapter_times.record(log, out, "sample", chapters=chapters) is None
    assert not out.exists() and "3 of 4 chapters" in capsys.readouterr().out
    assert chapter_times.record(log, out, "sample", partial=True, chapters=chapters)
    assert json.loads(out.read_text())["seconds"]["07_heartbeats"] == 200.9


def test_main_reports_what_it_recorded(tmp_path, capsys):
    log, out = tmp_path / "book.log", tmp_path / "times.json"
    log.write_text(LOG.format(source=tmp_path))
    assert chapter_times.main([str(log), "--out", str(out), "--partial"]) == 0
    assert "recorded 3 chapter times" in capsys.readouterr().out
