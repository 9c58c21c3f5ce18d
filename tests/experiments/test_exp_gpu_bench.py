"""The GPU benchmark (ecgkit.experiments.gpu_bench, scripts/gpu_bench.py), tried on a CPU."""
import importlib.util
import json
from pathlib import Path

import pytest
import torch

from ecgkit.experiments import gpu_bench
from ecgkit.models import MODELS, get_model

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("gpu_bench_script", ROOT / "scripts" / "gpu_bench.py")
script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(script)

COURSE_MODELS = {"cnn1d", "resnet1d_wang", "explainable", "resnet18_1d", "protoecgnet",
                 "cascaded_densenet", "scalogram_cnn", "fft_transformer", "cnnlstm"}


def test_every_course_model_is_benchmarked_with_the_input_it_is_trained_on():
    assert set(gpu_bench.BENCH_MODELS) == COURSE_MODELS and COURSE_MODELS <= set(MODELS)
    shapes = {name: spec.input_shape for name, spec in gpu_bench.BENCH_MODELS.items()}
    assert shapes["cnn1d"] == (12, 1000) and shapes["cascaded_densenet"] == (12, 64, 64)
    assert shapes["scalogram_cnn"] == (1, 32, 64) and shapes["fft_transformer"] == (12, 401)
    assert shapes["cnnlstm"] == (1, 84 + 5)   # 0.7 s at 120 Hz + 5 RR features
    for name, spec in gpu_bench.BENCH_MODELS.items():
        net = get_model(name, n_classes=5, n_leads=spec.input_shape[0], **spec.kwargs).eval()
        with torch.no_grad():
            out = net(torch.randn(2, *spec.input_shape))
        out = out[0] if isinstance(out, tuple) else out
        assert out.shape == (2, 5), name


def test_refuses_without_cuda_unless_another_device_is_named(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert script.main(["--models", "cnn1d", "--tiny"]) == 2
    err = capsys.readouterr().err
    assert "no CUDA GPU" in err and "--device cpu" in err
    with pytest.raises(RuntimeError, match="--device cpu"):
        gpu_bench.run_gpu_bench(["cnn1d"])
    assert gpu_bench.bench_device("cpu").type == "cpu"


def test_throughput_of_every_model_on_cpu(tmp_path, monkeypatch, capsys):
    """--no-train: samples/s of all nine models, one JSON, nothing trained; a CPU run goes
    to the scratch folder, not to the committed results."""
    monkeypatch.setattr(script, "SCRATCH", tmp_path)
    assert script.main(["--device", "cpu", "--tiny", "--no-train"]) == 0
    (path,) = tmp_path.glob("*.json")
    result = json.loads(path.read_text())
    assert path.name == gpu_bench.result_filename(result) and path.name.endswith("-core-cpu.json")
    assert set(result["models"]) == COURSE_MODELS
    assert result["device"]["type"] == "cpu" and result["settings"]["train"] is False
    for name, entry in result["models"].items():
        assert entry["parameters"] > 0 and "short_run" not in entry, name
        assert entry["throughput"]["fp32"]["train_samples_per_s"] > 0
        assert "amp" not in entry["throughput"] and entry["peak_gpu_mib"] is None
    for key in ("date", "commit", "torch", "python", "cuda", "memory"):
        assert key in result
    assert "wrote" in capsys.readouterr().out


def test_short_runs_give_epoch_time_and_metrics(tmp_path, data_root):
    """One model per kind of run (signal, image view, beats), smoke profile, one epoch."""
    settings = gpu_bench.BenchSettings.tiny()
    result = gpu_bench.run_gpu_bench(["cnn1d", "scalogram_cnn", "cnnlstm"], "cpu", settings,
                                     log=None)
    runs = {name: e["short_run"] for name, e in result["models"].items()}
    for name, run in runs.items():
        assert run["epochs"] == 1 and run["epoch_time_s"] > 0, name
        assert run["train_samples_per_s"] > 0 and run["inference_samples_per_s"] > 0
        assert run["data"] and run["how"]
    assert set(runs["cnn1d"]["metrics"]) >= {"test_macro_auroc", "val_macro_auroc"}
    assert "test_macro_auroc" in runs["scalogram_cnn"]["metrics"]
    assert 0 <= runs["cnnlstm"]["metrics"]["test_macro_f1_nsvf"] <= 1
    line = gpu_bench.format_model("cnnlstm", result["models"]["cnnlstm"])
    assert line.startswith("cnnlstm") and "epoch" in line and "test_macro_f1_nsvf" in line
    json.dumps(result)   # JSON-ready


def _result(name, date, device="cuda", speed=100.0):
    speeds = {"train_samples_per_s": speed, "inference_samples_per_s": 4 * speed}
    return {"benchmark": "gpu", "date": date, "device": {"type": device, "name": name},
            "models": {"cnn1d": {"throughput": {"fp32": speeds, "amp": {
                "train_samples_per_s": 2 * speed, "inference_samples_per_s": 8 * speed}}},
                "cnnlstm": {"throughput": {"fp32": speeds}}}}


def test_recorded_results_are_read_oldest_first_and_labelled(tmp_path):
    assert gpu_bench.load_gpu_results(tmp_path) == []
    assert gpu_bench.load_gpu_results(tmp_path / "absent") == []
    for r in (_result("NVIDIA T4", "2026-06-02T10:00:00+00:00"),
              _result("NVIDIA A100-SXM4-40GB", "2026-05-01T09:30:00+00:00"),
              _result("8-core CPU", "2026-05-03T09:30:00+00:00", device="cpu")):
        gpu_bench.write_result(r, tmp_path)
    (tmp_path / "README.md").write_text("not a result")
    assert len(list(tmp_path.glob("*.json"))) == 3
    results = gpu_bench.load_gpu_results(tmp_path)
    assert [gpu_bench.result_label(r) for r in results] == [
        "NVIDIA A100-SXM4-40GB, 2026-05-01", "NVIDIA T4, 2026-06-02"]
    speeds = gpu_bench.train_speeds(results[0])
    assert speeds["cnn1d"] == 200.0 and speeds["cnnlstm"] == 100.0   # AMP where measured
    assert gpu_bench.train_speeds(results[0], "inference")["cnn1d"] == 800.0
    assert speeds.name == "NVIDIA A100-SXM4-40GB, 2026-05-01"


def test_the_committed_results_folder():
    """Present (with how to fill it) and every JSON in it a CUDA result chapter 4 can read."""
    folder = gpu_bench.RESULTS_DIR
    assert folder == ROOT / "ecgkit" / "experiments" / "gpu_results"
    assert "make gpu-bench" in (folder / "README.md").read_text()
    results = gpu_bench.load_gpu_results()
    assert len(results) == len(list(folder.glob("*.json")))
    for r in results:
        assert set(r["models"]) <= set(gpu_bench.BENCH_MODELS) and r["commit"]
        assert r["device"]["name"] and r["torch"] and r["cuda"]
        assert (gpu_bench.train_speeds(r) > 0).all()
