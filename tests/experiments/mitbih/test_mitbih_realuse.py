"""The benchmark under the app's conditions: detected beats, short and causal context."""
import json

import numpy as np
import pytest

from ecgkit.data import beat_table
from ecgkit.experiments.mitbih import RECIPES, realuse


@pytest.fixture(scope="module")
def table():
    return beat_table.record_beats("100")


def test_whole_context_is_the_benchmark_input(table):
    recipe = RECIPES["sample"]
    assert np.array_equal(realuse.context_inputs(table, recipe, "whole"),
                          recipe.model_inputs(table))


def test_short_context_reads_only_the_first_minutes(table):
    recipe = RECIPES["sample"]
    late = table.samples > 2 * 60 * 360
    changed = beat_table.BeatTable(table.windows.copy(), table.labels, table.records,
                                   table.samples, table.rr, table.rr_abs, table.spec)
    changed.windows[late] *= 3.0                      # later beats do not shape the context
    a = realuse.context_inputs(table, recipe, 1.0)
    b = realuse.context_inputs(changed, recipe, 1.0)
    assert np.allclose(a[~late], b[~late], atol=1e-5)
    # a one-minute context differs from the whole record's
    assert not np.allclose(a, realuse.context_inputs(table, recipe, "whole"))
    with pytest.raises(ValueError, match="minutes > 0"):
        realuse.context_inputs(table, recipe, -1)


def test_causal_context_uses_no_future_beat(table):
    recipe = RECIPES["sample"]
    part = table[np.arange(400)]
    changed = beat_table.BeatTable(part.windows.copy(), part.labels, part.records,
                                   part.samples, part.rr, part.rr_abs.copy(), part.spec)
    changed.windows[300:] += 1.0
    changed.rr_abs[300:] *= 2.0
    a = realuse.context_inputs(part, recipe, "causal")
    b = realuse.context_inputs(changed, recipe, "causal")
    assert np.allclose(a[:300], b[:300], atol=1e-6) and not np.allclose(a[300:], b[300:])


def test_detected_beats_match_the_reference(table):
    det, truth, missed = beat_table.detected_beats("100")
    counts = np.bincount(truth, minlength=beat_table.NO_BEAT + 1)
    # record 100: XQRS finds nearly every beat and adds almost none
    assert counts[:5].sum() + len(missed) >= 0.99 * len(table)
    assert counts[beat_table.NO_BEAT] < 0.01 * len(table) and len(missed) < 0.01 * len(table)
    assert set(det.labels) <= {"N", "S", "V", "F", "Q", "?"}


def test_committed_results_are_of_the_current_recipe_and_others_are_refused(tmp_path):
    results = realuse.load_results("profile")   # what chapter 7b shows
    assert sorted(results) == [0, 1, 2]
    for seed, result in results.items():
        assert result["reference"]["seed"] == seed
        assert set(result["contexts"]) == {str(c) for c in realuse.CONTEXTS}
    stale = json.loads(json.dumps(results[0]))
    stale["reference"]["provenance"]["recipe_hash"] = "0123456789ab"
    (tmp_path / "mitbih_real_use_profile_seed0.json").write_text(json.dumps(stale))
    with pytest.raises(ValueError, match="not the current profile recipe"):
        realuse.load_results("profile", tmp_path)
    with pytest.raises(FileNotFoundError, match="--recipe profile"):
        realuse.load_results("profile", tmp_path / "empty")
    with pytest.raises(ValueError, match="recipe must be"):
        realuse.load_results("sample")
    assert realuse.condition_label("2.0") == "first 2 min"
    assert realuse.condition_label("detector") == "XQRS-detected beats"


def test_real_use_script_with_the_ds1_recipe_end_to_end(tmp_path, monkeypatch, capsys):
    """What is run on the day the DS1-only recipe is frozen: the script trains it once,
    scores every context and the detected beats, records provenance and the per-record
    confusions, refuses to overwrite its JSON, and the report reads it."""
    import importlib.util
    from dataclasses import asdict
    from pathlib import Path

    from ecgkit.experiments.mitbih import recipe_for, recipe_hash, report, selection

    path = Path(__file__).resolve().parents[3] / "scripts" / "bench_mitbih_real_use.py"
    spec = importlib.util.spec_from_file_location("bench_mitbih_real_use", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setattr(selection, "FROZEN", tmp_path / "ds1_recipe.json")
    frozen = recipe_for("smoke")   # a cheap stand-in for what --freeze writes
    selection.FROZEN.write_text(json.dumps({"recipe": asdict(frozen),
                                            "recipe_hash": recipe_hash(frozen)}))
    argv = ["--profile", "smoke", "--recipe", "ds1", "--seeds", "0", "--device", "cpu",
            "--out-dir", str(tmp_path)]
    assert script.main(argv) == 0
    assert "XQRS-detected beats" in capsys.readouterr().out
    result = json.loads((tmp_path / "mitbih_real_use_ds1_seed0.json").read_text())
    ref = result["reference"]
    assert ref["provenance"]["recipe_hash"] == recipe_hash(frozen)
    assert ref["protocol"]["choices_that_saw_ds2"] == []
    assert set(ref["test"]["confusions_by_record"]) == set(ref["data"]["records"]["test"])
    assert set(result["contexts"]) == {str(c) for c in realuse.CONTEXTS}
    assert result["detector"]["matched"] > 0 and result["seconds"] > 0
    with pytest.raises(SystemExit):   # an existing result is not replaced silently
        script.main(argv)
    assert "(median run)" in report.format_recipe("ds1", realuse.load_results("ds1", tmp_path))
