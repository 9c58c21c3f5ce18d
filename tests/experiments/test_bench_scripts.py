"""The benchmark scripts of scripts/ that read earlier results."""
import importlib.util
import json
from pathlib import Path


def test_bench_mitbih_script_reads_the_trees_floor(tmp_path):
    """scripts/bench_mitbih.py prints the CNN-LSTM beside the trees' medians of earlier
    ``--model gbm`` runs, pairing seeds; no floor file, no comparison."""
    path = Path(__file__).resolve().parents[2] / "scripts" / "bench_mitbih.py"
    spec = importlib.util.spec_from_file_location("bench_mitbih_script", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script._floor(tmp_path, "inter") is None
    summary = {"seeds": [0, 1], "splits": {"inter": {
        "median": {"macro_f1_nsvf": 0.67, "accuracy": 0.93},
        "per_seed": [{"macro_f1_nsvf": 0.68}, {"macro_f1_nsvf": 0.66}]}}}
    (tmp_path / "mitbih_gbm_summary.json").write_text(json.dumps(summary))
    floor = script._floor(tmp_path, "inter")
    assert floor["median"]["macro_f1_nsvf"] == 0.67
    assert floor["macro_f1_by_seed"] == {0: 0.68, 1: 0.66}
    assert script._floor(tmp_path, "intra") is None


def test_bench_mitbih_script_refuses_a_stale_result(tmp_path, capsys):
    """A JSON from another commit or recipe is not reused silently."""
    import pytest
    path = Path(__file__).resolve().parents[2] / "scripts" / "bench_mitbih.py"
    spec = importlib.util.spec_from_file_location("bench_mitbih_script2", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = tmp_path / "mitbih_cnnlstm_inter_seed0.json"
    out.write_text(json.dumps({"seed": 0, "provenance": {"commit": "abc1234",
                                                          "recipe_hash": "r1"}}))
    assert script.reuse(out, "r1", "abc1234")["seed"] == 0
    assert "reusing" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="recipe 'r1', not 'r2'.*--force"):
        script.reuse(out, "r2", "abc1234")
    with pytest.raises(SystemExit, match="commit 'abc1234', not 'def5678'"):
        script.reuse(out, "r1", "def5678")
    out.write_text(json.dumps({"seed": 0}))       # an old JSON without provenance
    with pytest.raises(SystemExit, match="not reused"):
        script.reuse(out, "r1", "abc1234")


def test_select_mitbih_recipe_search_in_processes(tmp_path, monkeypatch, capsys):
    """--search --jobs N starts N processes, each with its share of the candidates (an
    ensemble with the single network read off it), then prints the status."""
    path = Path(__file__).resolve().parents[2] / "scripts" / "select_mitbih_recipe.py"
    spec = importlib.util.spec_from_file_location("select_mitbih_script", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    started = []

    threads = []

    class FakeProcess:
        def __init__(self, command, env):
            started.append(command)
            threads.append(env["OMP_NUM_THREADS"])

        def wait(self):
            return 0
    monkeypatch.setattr(script.subprocess, "Popen", FakeProcess)
    monkeypatch.setattr(script.os, "cpu_count", lambda: 8)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    script.main(["--search", "--jobs", "3", "--dir", str(tmp_path)])
    assert len(started) == 3
    assert threads == ["2"] * 3  # the cores shared out, not taken by every process
    names = [n for cmd in started for n in cmd[cmd.index("--names") + 1:]]
    from ecgkit.experiments.mitbih import selection
    assert sorted(names) == sorted(selection.candidates())
    assert all(cmd[cmd.index("--dir") + 1] == str(tmp_path) for cmd in started)
    assert "0 of 72 pieces" in capsys.readouterr().out

    # a resumed search shares out only the candidates with pieces still missing
    pool = selection.candidates()
    finished = [n for n in pool if selection.ensemble_of(pool, n) == "plain, 4 ep, 3 nets"]
    for name in finished + ["plain, 4 ep, 3 nets"]:
        for seed in selection.SEEDS:
            (tmp_path / f"cv_{selection.recipe_hash(pool[name])}_seed{seed}.json").write_text(
                json.dumps({"seconds": 1.0}))
    started.clear()
    script.main(["--search", "--jobs", "3", "--dir", str(tmp_path)])
    names = [n for cmd in started for n in cmd[cmd.index("--names") + 1:]]
    assert sorted(names) == sorted(set(pool) - set(finished) - {"plain, 4 ep, 3 nets"})
