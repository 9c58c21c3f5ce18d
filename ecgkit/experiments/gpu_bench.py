"""GPU benchmark of the course's models (``make gpu-bench``): speed, epoch time, memory, metrics.

For every model of :data:`BENCH_MODELS` (the 12-lead signal models, the image and spectrum
models of chapters 9 and 10, and the CNN-LSTM beat recipe of chapter 7) one run measures

* training and inference samples/s on random inputs of the model's shape
  (:func:`ecgkit.experiments.ptbxl.model_throughput`), in float32 and, on CUDA, in
  float16 autocast (AMP, what :func:`ecgkit.train.fit` uses there);
* a short training run on the data present, as the course trains the model
  (:func:`~ecgkit.experiments.ptbxl.run_ptbxl` for the signal models, the views of
  chapters 9-10 with :func:`ecgkit.train.fit`, :func:`~ecgkit.experiments.mitbih.run_mitbih`
  for the beats): epoch time, training samples/s, inference samples/s and the test metrics;
* the peak GPU memory of both.

:func:`run_gpu_bench` returns one JSON-ready dict per run (device, torch/CUDA versions,
commit, date and the figures); ``scripts/gpu_bench.py`` writes it into
:data:`RESULTS_DIR`, a folder of the package, so that chapter 4 (with
:func:`load_gpu_results`) shows committed results wherever ``ecgkit`` is installed.
"""
from __future__ import annotations

import datetime
import json
import os
import re
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

import ecgkit
from ecgkit import config, data, metrics, train, transforms
from ecgkit.data.beat_table import BeatSpec
from ecgkit.experiments.mitbih import RECIPES as BEAT_RECIPES
from ecgkit.experiments.mitbih import run_mitbih
from ecgkit.experiments.ptbxl import FS, SIGNAL_MODELS, model_throughput, run_ptbxl
from ecgkit.experiments.results import (explicit_profile, finite_or_none, git_commit,
                                        peak_memory, provenance)
from ecgkit.models import get_model

__all__ = ["ModelSpec", "BENCH_MODELS", "VIEW_INPUTS", "RESULTS_DIR", "BenchSettings",
           "bench_device", "bench_model", "run_gpu_bench", "result_filename",
           "write_result", "load_gpu_results", "result_label", "train_speeds",
           "format_model"]

RESULTS_DIR = Path(__file__).resolve().parent / "gpu_results"
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class ModelSpec:
    """How a benchmarked model is fed: its ``view`` (``"signal"``, a key of
    :data:`VIEW_INPUTS`, or ``"beats"``), one sample's shape and extra model arguments."""

    view: str
    input_shape: tuple
    kwargs: dict = field(default_factory=dict)


# view -> (transform, lead or None for all 12, parameters): the inputs of chapters 9 and 10
VIEW_INPUTS = {
    "rpm": ("rpm", None, {"image_size": 64}),
    "scalogram": ("scalogram", "II", {"fs": FS, "n_freqs": 32, "n_times": 64}),
    "fft": ("fft", None, {"fs": FS, "fmax": 40.0}),
}
_VIEW_MODELS = {"cascaded_densenet": "rpm", "scalogram_cnn": "scalogram",
                "fft_transformer": "fft"}
_VIEW_LR = {"rpm": 3e-3, "scalogram": 3e-3, "fft": 1e-3}   # chapters 9 and 10


def _view_shape(view: str) -> tuple:
    """One sample's shape in a view, for 10 s records at 100 Hz."""
    kind, lead, params = VIEW_INPUTS[view]
    n_leads = 12 if lead is None else 1
    if kind == "fft":
        return (n_leads, len(transforms.fft_frequencies(10 * FS, FS, fmax=params["fmax"])))
    if kind == "scalogram":
        return (n_leads, params["n_freqs"], params["n_times"])
    return (n_leads, params["image_size"], params["image_size"])


def _beat_spec() -> ModelSpec:
    """The CNN-LSTM as the full MIT-BIH recipe builds it."""
    recipe = BEAT_RECIPES["full"]
    n_rr = 5 if recipe.rr else 0
    shape = (2 if recipe.median_beat else 1, BeatSpec().length + n_rr)
    return ModelSpec("beats", shape, {"n_rr": n_rr, "rr_path": recipe.rr_path,
                                      "morph_dropout": recipe.morph_dropout})


BENCH_MODELS: dict[str, ModelSpec] = {
    **{name: ModelSpec("signal", (12, 10 * FS)) for name in SIGNAL_MODELS},
    **{name: ModelSpec(view, _view_shape(view)) for name, view in _VIEW_MODELS.items()},
    "cnnlstm": _beat_spec(),
}


@dataclass(frozen=True)
class BenchSettings:
    """Budgets of one benchmark run.

    ``profile`` chooses the data and the MIT-BIH recipe (``"full"``: every record present);
    ``epochs`` of the short training runs (None: the profile's); ``batch``, ``iters`` and
    ``warmup`` of the throughput measurement; ``train=False`` skips the training runs.
    """

    profile: str = "full"
    epochs: int | None = 3
    batch: int = 128
    iters: int = 20
    warmup: int = 3
    n_bootstrap: int = 100
    train: bool = True

    @classmethod
    def tiny(cls, **changes) -> "BenchSettings":
        """Seconds on a CPU: the smoke profile, one epoch, batches of 4, one iteration."""
        return cls(**{**dict(profile="smoke", epochs=1, batch=4, iters=1, warmup=1,
                             n_bootstrap=10), **changes})


def bench_device(device=None) -> torch.device:
    """The device to measure: CUDA unless another is named; RuntimeError without CUDA."""
    name = "cuda" if device is None else str(device)
    try:
        return config.get_device(name)
    except RuntimeError as err:
        raise RuntimeError(f"{err}: the GPU benchmark measures a CUDA GPU. To try it on "
                           "this machine anyway, give --device cpu (with --tiny: seconds)"
                           ) from err


def _throughput(name: str, s: BenchSettings, device: torch.device) -> dict:
    """Samples/s on random inputs: float32 and, on CUDA, AMP."""
    spec = BENCH_MODELS[name]
    out = {"batch": s.batch, "iters": s.iters}
    for amp in (False, True) if device.type == "cuda" else (False,):
        r = model_throughput(name, batch=s.batch, iters=s.iters, warmup=s.warmup,
                             device=device, amp=amp, input_shape=spec.input_shape,
                             model_kwargs=spec.kwargs)
        out["amp" if amp else "fp32"] = {k: r[k] for k in ("train_samples_per_s",
                                                           "inference_samples_per_s")}
        out["parameters"] = r["parameters"]
    return out


def _run_entry(history: list[dict], train_s: float, infer_per_s: float, scores: dict,
               records: dict, how: str) -> dict:
    """The ``"short_run"`` entry from a training history (a list of epoch records)."""
    epoch_s = [h["time_s"] for h in history]
    return {"epochs": len(history), "epoch_time_s": float(np.mean(epoch_s)),
            "train_time_s": train_s,
            "train_samples_per_s": float(np.mean([h["train_samples_per_s"] for h in history])),
            "inference_samples_per_s": infer_per_s, "metrics": scores, "data": records,
            "how": how}


def _signal_run(name: str, s: BenchSettings, device: torch.device) -> dict:
    """A short PTB-XL benchmark run (superdiagnostic, the model's recipe)."""
    r = run_ptbxl(name, task="superdiagnostic", epochs=s.epochs, profile=s.profile,
                  device=device, n_bootstrap=s.n_bootstrap, progress=False, verbose=False)
    scores = {"test_macro_auroc": r["test"]["macro_auroc"], "test_macro_auroc_ci95":
              r["test"]["ci95"], "val_macro_auroc": r["val"]["macro_auroc"]}
    note = "; BCE on the logits, without chapter 11's prototype losses" \
        if name == "protoecgnet" else ""
    return _run_entry(r["history"], r["timing"]["train_time_s"],
                      r["timing"]["inference_records_per_s"], scores, r["data"]["records"],
                      f"python -m ecgkit.bench ptbxl --model {name} (superdiagnostic; "
                      f"{r['protocol']['input']}; batch {r['protocol']['batch_size']}{note})")


def _view_inputs(view: str, prof: config.Profile):
    """PTB-XL superdiagnostic splits in a view of chapters 9-10: (task, X, y)."""
    kind, lead, params = VIEW_INPUTS[view]
    task = data.load_ptbxl_task("superdiagnostic", rate=FS, max_records=prof.max_records,
                                verbose=False)
    signals = data.preprocessed_splits(task)
    leads = slice(None) if lead is None else [data.LEADS.index(lead)]
    X = {split: transforms.cached_transform(kind, signals[split][:, leads],
                                            ids=getattr(task, f"ids_{split}"), **params)
         for split in SPLITS}
    return task, X, {split: getattr(task, f"y_{split}") for split in SPLITS}


def _view_run(name: str, s: BenchSettings, device: torch.device) -> dict:
    """A short run of an image or spectrum model as chapters 9 and 10 train it."""
    view = BENCH_MODELS[name].view
    prof = config.get_profile(s.profile)
    task, X, y = _view_inputs(view, prof)
    config.seed_everything(0)
    net = get_model(name, n_classes=len(task.classes), n_leads=X["train"].shape[1])
    t0 = time.perf_counter()
    with warnings.catch_warnings():  # small splits: undefined classes, unweighted ones
        warnings.simplefilter("ignore", metrics.UndefinedMetricWarning)
        warnings.simplefilter("ignore", UserWarning)
        history = train.fit(
            net, (X["train"], y["train"]), (X["val"], y["val"]),
            loss_fn=nn.BCEWithLogitsLoss(pos_weight=train.pos_weight(y["train"], "sqrt")),
            metric_fn=metrics.macro_auroc, monitor="val_macro_auroc",
            epochs=s.epochs or prof.epochs, batch_size=prof.batch_size, lr=_VIEW_LR[view],
            scheduler="onecycle", patience=None, device=device, progress=False,
            verbose=False)
        train_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        p_test = train.predict(net, X["test"], device=device)
        infer_s = time.perf_counter() - t0
        summary = metrics.auroc_summary(y["test"], p_test, task.classes)
    scores = {"test_macro_auroc": summary["macro_auroc"], "val_macro_auroc": history.best_score}
    return _run_entry(history.records, train_s, len(p_test) / infer_s, scores,
                      {split: len(X[split]) for split in SPLITS},
                      f"chapters 9-10: {view} of PTB-XL superdiagnostic, BCE with sqrt "
                      f"pos_weight, one-cycle lr {_VIEW_LR[view]:g}, batch {prof.batch_size}")


def _beats_run(name: str, s: BenchSettings, device: torch.device) -> dict:
    """A short MIT-BIH inter-patient run of the CNN-LSTM recipe (one network)."""
    r = run_mitbih(split="inter", model=name, profile=s.profile, epochs=s.epochs,
                   device=device, n_models=1, verbose=False)
    test = r["test"]
    scores = {"test_macro_f1_nsvf": test["macro_f1_nsvf"], "test_accuracy": test["accuracy"],
              "test_macro_auroc": test.get("macro_auroc")}
    return _run_entry(r["history"], r["timing"]["train_time_s"],
                      r["timing"]["inference_beats_per_s"], scores, r["data"]["beats"],
                      f"python -m ecgkit.bench mitbih --split inter --n-models 1 "
                      f"({r['recipe']['samples_per_epoch']} beats per epoch, batch "
                      f"{r['recipe']['batch_size']})")


_RUNS = {"signal": _signal_run, "beats": _beats_run}


def bench_model(name: str, settings: BenchSettings, device: torch.device) -> dict:
    """Throughput, short run (unless ``settings.train`` is False) and peak GPU memory of
    one model of :data:`BENCH_MODELS`."""
    if name not in BENCH_MODELS:
        raise ValueError(f"unknown model {name!r}; choose among {sorted(BENCH_MODELS)}")
    spec = BENCH_MODELS[name]
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    entry = {"view": spec.view, "input_shape": list(spec.input_shape),
             "throughput": _throughput(name, settings, device)}
    entry["parameters"] = entry["throughput"].pop("parameters")
    if settings.train:
        entry["short_run"] = _RUNS.get(spec.view, _view_run)(name, settings, device)
    entry["peak_gpu_mib"] = peak_memory()["peak_gpu_mib"]
    return entry


def _machine(device: torch.device) -> dict:
    """The device and the accelerator software of a result."""
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        return {"device": {"type": "cuda", "name": props.name,
                           "memory_gib": round(props.total_memory / 2**30, 1),
                           "capability": f"{props.major}.{props.minor}"},
                "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version()}
    return {"device": {"type": device.type, "name": f"{os.cpu_count()}-core CPU"},
            "cuda": None, "cudnn": None}


def run_gpu_bench(models=None, device=None, settings: BenchSettings | None = None,
                  log=print) -> dict:
    """Benchmark ``models`` (default: all of :data:`BENCH_MODELS`) on ``device`` (default
    CUDA, see :func:`bench_device`); returns the JSON-ready result. ``log`` receives one
    line per model (:func:`format_model`); None prints nothing."""
    device = bench_device(device)
    settings = settings or BenchSettings()
    models = list(models or BENCH_MODELS)
    unknown = sorted(set(models) - set(BENCH_MODELS))
    if unknown:
        raise ValueError(f"unknown models {unknown}; choose among {sorted(BENCH_MODELS)}")
    result = {"benchmark": "gpu",
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "commit": git_commit(), "ecgkit": ecgkit.__version__, **_machine(device),
              **provenance(), "settings": asdict(settings), "models": {}}
    with explicit_profile():  # settings.profile wins over ECGKIT_PROFILE
        for name in models:
            result["models"][name] = bench_model(name, settings, device)
            if log is not None:
                log(format_model(name, result["models"][name]))
    result["memory"] = peak_memory()
    return finite_or_none(result)


def format_model(name: str, entry: dict) -> str:
    """One line: samples/s (AMP when measured), epoch time, peak GPU memory, metrics."""
    speeds = entry["throughput"].get("amp") or entry["throughput"]["fp32"]
    line = (f"{name:18s} {entry['parameters']:>10,d} params  train "
            f"{speeds['train_samples_per_s']:9.1f}  infer "
            f"{speeds['inference_samples_per_s']:9.1f} samples/s")
    run = entry.get("short_run")
    if run:
        shown = ", ".join(f"{k} {v:.3f}" for k, v in run["metrics"].items()
                          if isinstance(v, float))
        line += f"  epoch {run['epoch_time_s']:.1f} s  {shown}"
    if entry.get("peak_gpu_mib") is not None:
        line += f"  peak GPU {entry['peak_gpu_mib']:.0f} MiB"
    return line


def result_filename(result: dict) -> str:
    """``<date>_<time>_<device>.json``, e.g. ``2026-05-01_1412_nvidia-a100-sxm4-40gb.json``."""
    stamp = result["date"][:16].replace("T", "_").replace(":", "")
    slug = re.sub(r"[^a-z0-9]+", "-", result["device"]["name"].lower()).strip("-")
    return f"{stamp}_{slug}.json"


def write_result(result: dict, folder=None) -> Path:
    """Write ``result`` as JSON into ``folder`` (default :data:`RESULTS_DIR`); its path."""
    folder = Path(folder) if folder is not None else RESULTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / result_filename(result)
    path.write_text(json.dumps(result, indent=1) + "\n")
    return path


def load_gpu_results(folder=None, device_type: str = "cuda") -> list[dict]:
    """The results of ``device_type`` in ``folder`` (default :data:`RESULTS_DIR`), oldest
    first; an empty list when there is none."""
    folder = Path(folder) if folder is not None else RESULTS_DIR
    results = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        result = json.loads(path.read_text())
        if result.get("benchmark") == "gpu" and result["device"]["type"] == device_type:
            results.append(result)
    return sorted(results, key=lambda r: r["date"])


def result_label(result: dict) -> str:
    """``"<device name>, <date>"``: what a recorded figure is labelled with."""
    return f"{result['device']['name']}, {result['date'][:10]}"


def train_speeds(result: dict, kind: str = "train") -> pd.Series:
    """Samples/s per model of a result (``kind``: ``"train"`` or ``"inference"``), in AMP
    where it was measured (as ``fit`` trains on CUDA), else float32."""
    return pd.Series({name: (e["throughput"].get("amp") or e["throughput"]["fp32"])
                      [f"{kind}_samples_per_s"] for name, e in result["models"].items()},
                     name=result_label(result), dtype=float)
