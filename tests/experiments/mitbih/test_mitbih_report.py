"""Both recipes side by side (scripts/bench_mitbih.py --report)."""
import importlib.util
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from ecgkit.experiments.mitbih import RECIPES, realuse, recipe_hash, report, selection

RECORDS = ["100", "103", "232"]


def _result(seed, f1, matrices=None):
    test = {"macro_f1_nsvf": f1}
    if matrices is not None:
        test["confusions_by_record"] = {r: m.tolist() for r, m in zip(RECORDS, matrices)}
    return {"reference": {"seed": seed, "test": test}}


def _matrices(wrong_s):
    """Three records of 100 N and 20 S beats; ``wrong_s`` S beats of each called N."""
    m = np.zeros((3, 5, 5), dtype=int)
    m[:, 0, 0] = 100
    m[:, 1, 1], m[:, 1, 0] = 20 - wrong_s, wrong_s
    return m


def test_the_median_run_is_a_seed_that_ran():
    results = {0: _result(0, 0.70), 1: _result(1, 0.67), 2: _result(2, 0.68)}
    assert report.median_run(results) == 2
    assert report.median_run({0: _result(0, 0.7), 1: _result(1, 0.6)}) == 1  # the lower


def test_paired_difference_over_records_and_seeds():
    good = {s: _result(s, 0.0, _matrices(0)) for s in (0, 1)}
    poor = {s: _result(s, 0.0, _matrices(10)) for s in (0, 1)}
    d = report.paired_difference(good, poor, n=200)
    assert d["verdict"] == "a better" and d["difference"] > 0.1
    assert len(d["per_seed"]) == 2 and d["ci95"][0] > 0
    same = report.paired_difference(good, good, n=200)
    assert same["difference"] == 0 and same["verdict"] == "cannot tell apart"
    assert report.paired_difference(poor, good, n=200)["verdict"] == "b better"


def test_paired_difference_refuses_what_it_cannot_pair():
    good = {0: _result(0, 0.0, _matrices(0))}
    with pytest.raises(ValueError, match="no seed in common"):
        report.paired_difference(good, {1: _result(1, 0.0, _matrices(0))})
    with pytest.raises(ValueError, match="no per-record confusions.*again"):
        report.paired_difference(good, {0: _result(0, 0.5)})
    other = _result(0, 0.0)
    other["reference"]["test"]["confusions_by_record"] = {"999": _matrices(0)[0].tolist()}
    with pytest.raises(ValueError, match="different DS2 records"):
        report.paired_difference(good, {0: other})
    with pytest.raises(ValueError, match="figure must be one of"):
        report.paired_difference(good, good, figure="f1")


def test_report_shows_both_recipes_labelled(tmp_path, monkeypatch):
    """Every seed, record 232 alone, the detector and the per-record table of each
    recipe; the DS1-only recipe not yet run is said so; once it is (a stand-in frozen
    recipe here), the paired difference appears, or why it cannot."""
    for path in sorted(realuse.RESULTS.glob("mitbih_real_use_profile_seed*.json")):
        result = json.loads(path.read_text())   # as written before per-record confusions
        result["reference"]["test"].pop("confusions_by_record", None)
        (tmp_path / path.name).write_text(json.dumps(result))
    monkeypatch.setattr(selection, "FROZEN", tmp_path / "ds1_recipe.json")
    text = report.format_report(tmp_path)
    assert "choices that saw DS2" in text and "(median run)" in text
    assert "budget: 3 network(s) x 4 epochs x 40,000 sampled beats; trained in" in text
    assert text.count("record 232 alone") == 3 and text.count("XQRS-detected") == 3
    assert "== ds1: not run yet" in text and "--recipe ds1" in text

    stand_in = RECIPES["full"]
    (tmp_path / "ds1_recipe.json").write_text(json.dumps(
        {"recipe": asdict(stand_in), "recipe_hash": recipe_hash(stand_in)}))
    for path in sorted(tmp_path.glob("mitbih_real_use_profile_seed*.json")):
        shutil.copy(path, tmp_path / path.name.replace("profile", "ds1"))
    text = report.format_report(tmp_path)
    assert "chosen on DS1 alone" in text
    assert "ds1 - profile, paired: not available (the seed 0 result has no" in text

    for path in sorted(tmp_path.glob("mitbih_real_use_*.json")):
        result = json.loads(path.read_text())
        rows = result["reference"]["test"]["per_record"]
        result["reference"]["test"]["confusions_by_record"] = {
            r["record"]: np.diag([r[f"beats_{c}"] for c in "NSVFQ"]).tolist() for r in rows}
        path.write_text(json.dumps(result))
    text = report.format_report(tmp_path)
    assert "ds1 - profile, DS2 macro-F1 (N, S, V, F): +0.000" in text
    assert "cannot tell apart" in text and "equal budgets; ds1 - profile" in text


def test_bench_mitbih_report_option_trains_nothing(capsys):
    path = Path(__file__).resolve().parents[3] / "scripts" / "bench_mitbih.py"
    spec = importlib.util.spec_from_file_location("bench_mitbih_report", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["--report"]) == 0
    out = capsys.readouterr().out
    assert "== profile:" in out and "per record, median run" in out
