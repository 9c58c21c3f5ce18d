"""`python -m ecgkit.bench ptbxl` on the real PTB-XL sample (smoke profile, 1 epoch)."""
import json

import pytest

from ecgkit import bench


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
    value, source = bench.PUBLISHED[("resnet1d_wang", "superdiagnostic")]
    assert value == 0.930 and "Strodthoff" in source


def test_unknown_subcommand_and_model_are_rejected():
    with pytest.raises(SystemExit):
        bench.main(["mimic"])
    with pytest.raises(SystemExit):
        bench.main(["ptbxl", "--model", "resnet50"])
    assert set(bench.SUBCOMMANDS) >= {"ptbxl"}
