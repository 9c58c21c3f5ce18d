"""`python -m ecgkit.bench ptbxl` on the real PTB-XL sample (smoke profile, 1 epoch)."""
import json

import numpy as np
import pytest

from ecgkit import bench
from ecgkit.experiments import ptbxl


@pytest.fixture(scope="module")
def smoke_result(tmp_path_factory, data_root):
    out = tmp_path_factory.mktemp("bench") / "result.json"
    code = bench.main(["ptbxl", "--model", "cnn1d", "--task", "superdiagnostic",
                       "--profile", "smoke", "--epochs", "1", "--bootstrap", "20",
                       "--no-progress", "--out", str(out)])
    assert code == 0
    return json.loads(out.read_text())


def test_result_describes_model_data_and_run(smoke_result):
    r = smoke_result
    assert (r["benchmark"], r["task"], r["model"], r["profile"]) == \
        ("ptbxl", "superdiagnostic", "cnn1d", "smoke")
    assert r["classes"] == ["NORM", "MI", "STTC", "CD", "HYP"]
    assert r["parameters"] == 105_029
    assert r["device"] == "cpu"
    assert r["epochs_run"] == 1 and len(r["history"]) == 1
    counts = r["data"]["counts"]
    for split in ("train", "val", "test"):
        assert 0 < counts[split]["used"] <= counts[split]["present"] <= counts[split]["labelled"]
        assert r["data"]["records"][split] == counts[split]["used"] <= 48   # smoke cap
    assert counts["test"]["labelled"] == 2163           # fold 10, full dataset
    assert "of 2163 labelled" in r["data"]["summary"]
    assert "2.5 s" in r["protocol"]["input"]


def test_result_metrics_are_bounded_and_complete(smoke_result):
    t = smoke_result["test"]
    assert 0 <= t["macro_auroc"] <= 1
    low, high = t["ci95"]
    assert 0 <= low <= t["macro_auroc"] <= high <= 1
    assert t["n_classes"] == 5 and t["n_defined_classes"] + len(t["undefined_classes"]) == 5
    assert [c["class"] for c in t["per_class"]] == smoke_result["classes"]
    for c in t["per_class"]:
        assert c["status"] in ("ok", "undefined")
        assert (c["auroc"] is None) == (c["status"] == "undefined")
        assert c["support"] + c["negatives"] == smoke_result["data"]["records"]["test"]
        assert 0 <= c["threshold"] <= 1
    assert 0 <= smoke_result["val"]["macro_auroc"] <= 1


def test_result_has_costs(smoke_result):
    timing = smoke_result["timing"]
    assert timing["train_time_s"] > 0 and timing["train_samples_per_s"] > 0
    assert timing["inference_records_per_s"] > 0
    assert smoke_result["memory"]["peak_rss_mib"] > 50
    assert smoke_result["memory"]["peak_gpu_mib"] is None   # CPU run


def test_published_reference_only_for_benchmarked_models(smoke_result):
    assert "published" not in smoke_result                  # cnn1d is not in the table
    value, source = ptbxl.PUBLISHED[("resnet1d_wang", "superdiagnostic")]
    assert value == 0.930 and "Strodthoff" in source


def test_unknown_subcommand_and_model_are_rejected():
    with pytest.raises(SystemExit):
        bench.main(["mimic"])
    with pytest.raises(SystemExit):
        bench.main(["ptbxl", "--model", "resnet50"])
    assert set(bench.SUBCOMMANDS) >= {"ptbxl"}


def test_cache_returns_the_same_result_and_model(tmp_path, monkeypatch, data_root):
    monkeypatch.setenv("ECGKIT_CACHE", str(tmp_path))
    first, again = {}, {}
    r1 = ptbxl.run_ptbxl("cnn1d", profile="smoke", epochs=1, n_bootstrap=10, progress=False,
                         verbose=False, cache=True, keep=first)
    r2 = ptbxl.run_ptbxl("cnn1d", profile="smoke", epochs=1, n_bootstrap=10, progress=False,
                         verbose=False, cache=True, keep=again)
    assert (r1["from_cache"], r2["from_cache"]) == (False, True)
    assert r2["test"]["macro_auroc"] == r1["test"]["macro_auroc"]
    np.testing.assert_allclose(again["p_test"], first["p_test"], atol=1e-6)
    assert first["history"] is not None and again["history"] is None
    assert first["X"]["test"].shape == (len(first["task"].y_test), 12, 1000)
    assert len(list((tmp_path / "bench").glob("*.json"))) == 1
    # another setting is another entry, not the cached one
    r3 = ptbxl.run_ptbxl("cnn1d", profile="smoke", epochs=1, seed=1, n_bootstrap=10,
                         progress=False, verbose=False, cache=True)
    assert r3["from_cache"] is False and len(list((tmp_path / "bench").glob("*.json"))) == 2


def test_model_throughput_reports_positive_rates():
    r = ptbxl.model_throughput("cnn1d", batch=4, length=250, iters=1, device="cpu")
    assert r["parameters"] == 105_029 and r["train_samples_per_s"] > 0
    assert r["inference_samples_per_s"] > 0 and r["amp"] is False
    with pytest.raises(ValueError, match="not a 12-lead signal model"):
        ptbxl.model_throughput("cascaded_densenet")


def test_model_throughput_of_any_model_given_its_input_shape():
    r = ptbxl.model_throughput("cascaded_densenet", batch=2, iters=1, device="cpu",
                               input_shape=(1, 32, 32))
    assert r["model"] == "cascaded_densenet" and r["train_samples_per_s"] > 0
    r = ptbxl.model_throughput("cnnlstm", batch=2, iters=1, device="cpu", input_shape=(1, 89),
                               model_kwargs={"n_rr": 5, "rr_path": "additive"})
    assert r["inference_samples_per_s"] > 0


def test_prepare_data_says_the_full_profile_cost_before_downloading(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(ptbxl.data, "ensure_data", lambda p: calls.append(p.name) or "root")
    monkeypatch.setattr(ptbxl, "model_throughput",
                        lambda *a, **k: {"train_samples_per_s": 100.0, "device": "cpu"})
    assert ptbxl.prepare_data("full") == "root"
    out = capsys.readouterr().out
    # 80 % of 21,799 records at 100 samples/s: 174 s, about 3 min
    assert "~17,439 training records" in out and "about 3 min on cpu" in out
    assert "540 MB" in out and calls == ["full"]
    assert ptbxl.prepare_data("sample") == "root"
    assert "epoch" not in capsys.readouterr().out and calls == ["full", "sample"]


def test_crops_whole_trains_on_crops_and_scores_whole_records(data_root):
    """protocol "crops_whole": the test scores are the model's output on the whole
    records (not a maximum over windows); an unknown protocol is refused by name."""
    keep = {}
    r = ptbxl.run_ptbxl("cnn1d", profile="smoke", epochs=1, protocol="crops_whole",
                        n_bootstrap=10, progress=False, verbose=False, keep=keep)
    assert r["protocol"]["input"] == ptbxl.INPUTS["crops_whole"]
    whole = ptbxl.train.predict(keep["model"], keep["X"]["test"])
    assert np.allclose(keep["p_test"], whole, atol=1e-6)
    with pytest.raises(ValueError, match="crops_whole"):
        ptbxl.run_ptbxl("cnn1d", profile="smoke", epochs=1, protocol="whole")
