"""PTB-XL benchmark: train a 12-lead signal model on a task, evaluate it on fold 10.

``python -m ecgkit.bench ptbxl`` follows the PTB-XL benchmark protocol (Strodthoff et al.
2021) as far as the data on disk allows: folds 1-8 train, 9 validation, 10 test (records
without a label for the task dropped, via :func:`ecgkit.data.load_ptbxl_task`); band-pass
0.5-40 Hz and per-lead standardisation fitted on the training split; by default random
2.5 s crops for training and sliding 2.5 s windows (stride 1.25 s, maximum over windows)
for validation and test (``--protocol crops``), whole 10 s records (``--protocol full``),
or 2.5 s crops for training and whole records for validation and test (``--protocol
crops_whole``: for a model that pools over any length, such as ExplainableECGNet's
attention, four times cheaper per epoch than whole records); macro-AUROC on the test fold
with a bootstrap 95 % interval.

The JSON result holds the test macro-AUROC and its interval, per-class AUROC and F1
(classes without a positive or a negative example in the test split are marked
``"undefined"``, not dropped), the validation macro-AUROC, train time, training and
inference throughput, peak memory, parameter count, device, the data actually used
(records per split, of how many) and the training history.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

import ecgkit
from ecgkit import config, data, metrics, train
from ecgkit.experiments.results import explicit_profile, finite_or_none, peak_memory, provenance
from ecgkit.models import MODELS, get_model

__all__ = ["Recipe", "RECIPES", "PUBLISHED", "SIGNAL_MODELS", "PtbxlRun", "model_throughput",
           "run_ptbxl", "add_ptbxl_arguments", "run_ptbxl_cli"]

FS = 100  # PTB-XL at 100 Hz
WINDOW, STRIDE = 250, 125  # 2.5 s crops, 1.25 s stride
INPUTS = {"crops": "random 2.5 s crops in training; sliding 2.5 s windows, stride 1.25 s, "
                   "max over windows at validation and test",
          "full": "whole 10 s records",
          "crops_whole": "random 2.5 s crops in training; whole 10 s records at "
                         "validation and test"}
PROTOCOLS = tuple(INPUTS)  # what --protocol accepts, each with its input described


@dataclass(frozen=True)
class Recipe:
    """Training settings of one model (``batch_size`` used with the full profile)."""

    lr: float
    batch_size: int
    scheduler: str | None
    patience: int | None
    protocol: str
    pos_weight: str | None = None


RECIPES = {
    # the benchmark: one-cycle to lr 1e-2, AdamW wd 1e-2, batch 128, 2.5 s crops
    "resnet1d_wang": Recipe(lr=1e-2, batch_size=128, scheduler="onecycle", patience=None,
                            protocol="crops"),
    "cnn1d": Recipe(lr=3e-3, batch_size=128, scheduler="onecycle", patience=None,
                    protocol="crops"),
    # source 001: AdamW 1e-3, ReduceLROnPlateau(3), early stopping(5), batch 64, sqrt
    # class weights, whole 10 s records (its attention spans the record)
    "explainable": Recipe(lr=1e-3, batch_size=64, scheduler="plateau", patience=5,
                          protocol="full", pos_weight="sqrt"),
}

# Published test macro-AUROC, on full data: Strodthoff et al. 2021, "Deep Learning for ECG
# Analysis: Benchmarks and Insights from PTB-XL", IEEE JBHI 25(5) (test fold 10), and
# source document 001.
PUBLISHED = {
    ("resnet1d_wang", "superdiagnostic"): (0.930, "Strodthoff et al. 2021, IEEE JBHI 25(5)"),
    ("resnet1d_wang", "rhythm"): (0.946, "Strodthoff et al. 2021, IEEE JBHI 25(5)"),
    ("explainable", "superdiagnostic"): (0.912, "source document 001 (TrustECG); its test "
                                                "set kept fold-10 records without a "
                                                "superclass label"),
}


# models that read raw 12-lead signals (N, 12, T)
SIGNAL_MODELS = ("cnn1d", "explainable", "resnet1d_wang", "resnet18_1d", "protoecgnet")


def model_throughput(name: str, batch: int = 64, length: int = 1000, iters: int = 5,
                     warmup: int = 1, device=None, amp: bool = False, n_classes: int = 5,
                     input_shape: tuple | None = None, model_kwargs: dict | None = None
                     ) -> dict:
    """Training and inference speed of a model, in samples per second.

    Input: random batches ``(batch, 12, length)`` for a 12-lead signal model (speed does
    not depend on the values; ``length`` 1000 = 10 s at 100 Hz); any other model of
    :data:`ecgkit.models.MODELS` with ``input_shape``, one sample's shape (e.g.
    ``(12, 64, 64)`` for images; its first entry is ``n_leads``), and ``model_kwargs``
    for :func:`~ecgkit.models.get_model`. A training step is forward + BCE loss +
    backward + AdamW step; inference is a forward pass in eval mode without gradients.
    ``amp``: float16 autocast with a GradScaler on CUDA (ignored elsewhere). Wall-clock
    figures: they depend on what else runs on the machine.

    Returns ``{"model", "parameters", "train_samples_per_s", "inference_samples_per_s",
    "device", "amp"}``.
    """
    if input_shape is None and name not in SIGNAL_MODELS:
        raise ValueError(f"{name!r} is not a 12-lead signal model; choose one of "
                         f"{SIGNAL_MODELS}, or give its input_shape")
    shape = tuple(input_shape) if input_shape is not None else (12, length)
    device = config.get_device(None if device is None else str(device))
    amp = amp and device.type == "cuda"
    torch.manual_seed(0)
    net = get_model(name, n_classes=n_classes, n_leads=shape[0],
                    **(model_kwargs or {})).to(device)
    x = torch.randn(batch, *shape, device=device)
    y = (torch.rand(batch, n_classes, device=device) < 0.3).float()
    loss_fn = nn.BCEWithLogitsLoss()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    scaler = torch.amp.GradScaler("cuda", enabled=amp)

    def logits(out):
        return out[0] if isinstance(out, (tuple, list)) else out

    def train_step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device.type, enabled=amp):
            loss = loss_fn(logits(net(x)).float(), y)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()

    @torch.no_grad()
    def infer_step():
        with torch.autocast(device.type, enabled=amp):
            net(x)

    def rate(step) -> float:
        for _ in range(warmup):
            step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(iters):
            step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        return batch * iters / (time.perf_counter() - t0)

    net.train()
    train_rate = rate(train_step)
    net.eval()
    infer_rate = rate(infer_step)
    return {"model": name, "parameters": train.count_parameters(net),
            "train_samples_per_s": train_rate, "inference_samples_per_s": infer_rate,
            "device": str(device), "amp": amp}


def prepare_data(profile, device=None, model: str = "resnet1d_wang") -> Path:
    """The data of ``profile``, ready: what a chapter's config cell calls.

    ``smoke`` and ``sample``: :func:`ecgkit.data.ensure_data` of the sample (nothing to
    do where the setup cell found it). ``full``: first says what it will cost, one epoch
    of ``model`` over the full training folds on ``device`` (measured now, on random
    batches, by :func:`model_throughput`) and the download's size, then downloads the
    full PTB-XL once (:func:`ecgkit.data.ensure_data`; resumable, checksummed). Returns
    the data folder.
    """
    profile = config.as_profile(profile)
    if profile.name == "full":
        speed = model_throughput(model, batch=32, iters=3, device=device)
        n_train = round(data.FULL_PTBXL["records"] * len(data.TRAIN_FOLDS) / 10)
        minutes = n_train / speed["train_samples_per_s"] / 60
        print(f"full profile: one epoch of {model} over ~{n_train:,} training records takes "
              f"about {minutes:.0f} min on {speed['device']} (measured now), "
              f"{profile.epochs} epochs at most; the data is a "
              f"~{data.FULL_PTBXL['megabytes']} MB download, once.")
    return data.ensure_data(profile)


@dataclass(frozen=True)
class PtbxlRun:
    """The settings of one :func:`run_ptbxl` run, defaults resolved (recipe, profile)."""

    model: str
    task: str
    recipe: Recipe
    profile: str
    epochs: int
    protocol: str
    batch_size: int
    lr: float
    seed: int
    device: torch.device
    n_bootstrap: int

    @property
    def crops(self) -> bool:
        """Random 2.5 s crops in training (else whole records)."""
        return self.protocol in ("crops", "crops_whole")

    @property
    def windows(self) -> bool:
        """Sliding 2.5 s windows at evaluation (else whole records)."""
        return self.protocol == "crops"


def _resolve_run(model, task, epochs, profile, protocol, batch_size, lr, seed, device,
                 n_bootstrap) -> tuple[PtbxlRun, config.Profile]:
    """:class:`PtbxlRun` of :func:`run_ptbxl`'s arguments (None: the recipe's or the
    profile's) and the profile; ValueError for an unknown model or protocol."""
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of {sorted(MODELS)}")
    recipe = RECIPES.get(model, RECIPES["cnn1d"])
    prof = config.get_profile(profile)
    epochs = epochs or prof.epochs
    protocol = protocol or recipe.protocol
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    batch_size = batch_size or (recipe.batch_size if prof.name == "full" else prof.batch_size)
    lr = lr or recipe.lr
    device = torch.device(device) if device is not None else config.get_device()
    return PtbxlRun(model, task, recipe, prof.name, epochs, protocol, batch_size, lr, seed,
                    device, n_bootstrap), prof


def _preprocess(task) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    parts = data.preprocessed_splits(task)
    return parts["train"], parts["val"], parts["test"]


def _cache_files(settings: dict) -> tuple[Path, Path]:
    """Result JSON and weights of a run with these settings, under ``ecgkit.data.cache_dir()``."""
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]
    stem = data.cache_dir() / "bench" / f"ptbxl_{settings['model']}_{settings['task']}_{key}"
    return stem.with_suffix(".json"), stem.with_suffix(".pt")


def _cache_settings(run: PtbxlRun, ds) -> dict:
    """Every setting of a run and the exact records it uses: the key of its cache entry."""
    return {"model": run.model, "task": run.task, "epochs": run.epochs,
            "protocol": run.protocol, "batch_size": run.batch_size, "lr": run.lr,
            "seed": run.seed, "n_bootstrap": run.n_bootstrap, "device": run.device.type,
            "ecgkit": ecgkit.__version__, "code": train.training_code_fingerprint(Path(__file__)),
            "records": {s: [int(i) for i in getattr(ds, f"ids_{s}")]
                        for s in ("train", "val", "test")}}


def run_ptbxl(model: str = "resnet1d_wang", task: str = "superdiagnostic",
              epochs: int | None = None, profile: str | None = None,
              protocol: str | None = None, batch_size: int | None = None,
              lr: float | None = None, seed: int = 0, device=None, n_bootstrap: int = 100,
              checkpoint_dir=None, resume: bool = False, progress: bool = True,
              verbose: bool = True, cache: bool = False, keep: dict | None = None,
              retrain: bool = False) -> dict:
    """Train ``model`` on a PTB-XL task and evaluate it on fold 10; returns the result dict.

    Defaults come from ``RECIPES[model]`` and the profile (``epochs``; batch size: the
    recipe's with the ``full`` profile, the profile's otherwise).

    ``cache=True`` stores the result and the trained weights in
    ``ecgkit.data.cache_dir()/bench``, keyed by every setting, the exact records used and
    the code that trains (:func:`ecgkit.train.training_code_fingerprint`, this module
    included); a later call with the same settings loads them instead of training again
    (the result then has ``"from_cache": true``; its timings are those of the original
    run). ``retrain=True`` (a chapter's ``RETRAIN`` switch) trains and replaces the entry.
    ``keep``: a dict that receives what a chapter needs beyond the JSON: ``"model"``
    (trained, eval mode), ``"task"`` (the :class:`ecgkit.data.PTBXLTask`), ``"X"``
    (preprocessed inputs per split), ``"p_val"``, ``"p_test"`` (probabilities) and
    ``"history"`` (a :class:`ecgkit.train.History`, or None when loaded from the cache).
    """
    run, prof = _resolve_run(model, task, epochs, profile, protocol, batch_size, lr, seed,
                             device, n_bootstrap)
    t_load = time.perf_counter()
    ds = data.load_ptbxl_task(task, rate=FS, max_records=prof.max_records, verbose=False)
    X = _preprocess(ds)
    load_s = time.perf_counter() - t_load
    if verbose:
        print(ds.summary())
    json_file, weights_file = _cache_files(_cache_settings(run, ds))
    config.seed_everything(seed)
    net = get_model(model, n_classes=len(ds.classes))

    def scores(X):
        if run.windows:
            return train.sliding_window_predict(net, X, WINDOW, STRIDE, reduce="max",
                                                device=run.device)
        return train.predict(net, X, device=run.device)

    if cache and not retrain and json_file.is_file() and weights_file.is_file():
        result = json.loads(json_file.read_text())
        net.load_state_dict(torch.load(weights_file, map_location="cpu", weights_only=True))
        net.to(run.device).eval()
        result["from_cache"] = True
        if verbose:
            print(f"loaded {model} trained earlier with the same settings from {json_file}")
        history = None
        p_val, p_test = (scores(x) if keep is not None else None for x in X[1:])
    else:
        result, history, p_val, p_test = _train_and_evaluate(
            net, run, ds, X, scores, load_s=load_s, checkpoint_dir=checkpoint_dir,
            resume=resume, progress=progress, verbose=verbose)
        if cache:
            json_file.parent.mkdir(parents=True, exist_ok=True)
            torch.save({k: v.detach().cpu() for k, v in net.state_dict().items()}, weights_file)
            json_file.write_text(json.dumps(result, indent=1))
        result["from_cache"] = False
    if keep is not None:
        keep.update(model=net.eval(), task=ds, X=dict(zip(("train", "val", "test"), X)),
                    p_val=p_val, p_test=p_test, history=history)
    return result


def _fit(net, run: PtbxlRun, ds, X, checkpoint_dir, resume, progress, verbose):
    """Train ``net`` by the recipe (:func:`ecgkit.train.fit`); returns its history."""
    X_train, X_val, _ = X
    recipe = run.recipe
    pw = train.pos_weight(ds.y_train, recipe.pos_weight) if recipe.pos_weight else None
    with warnings.catch_warnings():
        # undefined classes on the small splits are reported in the result instead
        warnings.simplefilter("ignore", metrics.UndefinedMetricWarning)
        warnings.simplefilter("ignore", UserWarning)
        return train.fit(
            net, (X_train, ds.y_train), (X_val, ds.y_val),
            loss_fn=nn.BCEWithLogitsLoss(pos_weight=pw), metric_fn=metrics.macro_auroc,
            monitor="val_macro_auroc", epochs=run.epochs, batch_size=run.batch_size,
            lr=run.lr, scheduler=recipe.scheduler, patience=recipe.patience,
            device=run.device, seed=run.seed,
            transform=train.RandomCrop(WINDOW) if run.crops else None,
            val_window=(WINDOW, STRIDE) if run.windows else None,
            checkpoint_dir=checkpoint_dir, resume=resume, progress=progress, verbose=verbose)


def _evaluate(run: PtbxlRun, ds, p_val, p_test) -> dict:
    """Test and validation summaries, the test report at thresholds tuned on validation,
    and the bootstrap interval (or why there is none)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.UndefinedMetricWarning)
        thresholds = metrics.tune_thresholds(ds.y_val, p_val)
        out = {"test": metrics.auroc_summary(ds.y_test, p_test, ds.classes),
               "val": metrics.auroc_summary(ds.y_val, p_val, ds.classes),
               "report": metrics.classification_report_multilabel(
                   ds.y_test, p_test, ds.classes, thresholds)}
        try:
            out["ci"] = metrics.bootstrap_ci(metrics.macro_auroc, ds.y_test, p_test,
                                             n=run.n_bootstrap, seed=run.seed)
            out["ci_note"] = None
        except ValueError as err:  # a split too small to resample every class
            out["ci"], out["ci_note"] = None, str(err)
    return out


def _train_and_evaluate(net, run: PtbxlRun, ds, X, scores, *, load_s, checkpoint_dir,
                        resume, progress, verbose):
    """Train, predict validation and test, score; returns (result, history, p_val, p_test)."""
    history = _fit(net, run, ds, X, checkpoint_dir, resume, progress, verbose)
    p_val = scores(X[1])
    t_inf = time.perf_counter()
    p_test = scores(X[2])
    inference_s = time.perf_counter() - t_inf
    evaluation = _evaluate(run, ds, p_val, p_test)
    result = _result_json(net, run, ds, X, history, evaluation, load_s=load_s,
                          inference_s=inference_s)
    return finite_or_none(result), history, p_val, p_test


def _protocol(run: PtbxlRun) -> dict:
    """The ``"protocol"`` entry of the result: split, preprocessing, input, training."""
    recipe = run.recipe
    return {
        "split": "strat_fold 1-8 train, 9 validation, 10 test; records without a label "
                 "for the task dropped",
        "preprocessing": "bandpass 0.5-40 Hz (Butterworth order 4, zero phase), per-lead "
                         "standardisation fitted on the training split",
        "input": INPUTS[run.protocol],
        "sampling_rate_hz": FS, "loss": "BCEWithLogits"
        + (f", pos_weight {recipe.pos_weight}" if recipe.pos_weight else ""),
        "optimizer": f"AdamW lr {run.lr:g} weight_decay 0.01", "scheduler": recipe.scheduler,
        "early_stopping_patience": recipe.patience, "epochs": run.epochs,
        "batch_size": run.batch_size, "model_selection": "best validation macro-AUROC",
    }


def _test_entry(run: PtbxlRun, evaluation: dict) -> dict:
    """The ``"test"`` entry of the result: macro-AUROC, its interval, F1, per class."""
    report, summary, ci = evaluation["report"], evaluation["test"], evaluation["ci"]
    per_class = [{"class": c, "auroc": row["auroc"], "status": row["status"],
                  "f1_at_0.5": row["f1@0.5"], "f1_tuned": row["f1@tuned"],
                  "threshold": row["threshold"], "support": int(row["support"]),
                  "negatives": int(row["negatives"])}
                 for c, row in report.drop(index="macro").iterrows()]
    return {
        "macro_auroc": summary["macro_auroc"],
        "ci95": [ci.low, ci.high] if ci else None, "ci_note": evaluation["ci_note"],
        "n_bootstrap": run.n_bootstrap, "n_defined_classes": summary["n_defined"],
        "n_classes": summary["n_classes"], "undefined_classes": summary["undefined"],
        "macro_f1_at_0.5": report.loc["macro", "f1@0.5"],
        "macro_f1_tuned": report.loc["macro", "f1@tuned"],
        "per_class": per_class,
    }


def _result_json(net, run: PtbxlRun, ds, X, history, evaluation: dict, *, load_s: float,
                 inference_s: float) -> dict:
    """The result of a trained run, key for key as ``python -m ecgkit.bench ptbxl`` writes
    it (before :func:`~ecgkit.experiments.results.finite_or_none`)."""
    X_train, X_val, X_test = X
    train_s = float(sum(r["time_s"] for r in history.records))
    # training phase only (validation excluded), from the per-epoch throughput
    train_phase_s = sum(len(X_train) / r["train_samples_per_s"] for r in history.records)
    val_summary = evaluation["val"]
    result = {
        "benchmark": "ptbxl", "task": run.task, "model": run.model,
        "classes": list(ds.classes), "profile": run.profile, "seed": run.seed,
        "protocol": _protocol(run),
        "data": {"summary": ds.summary(), "counts": ds.counts,
                 "records": {"train": len(X_train), "val": len(X_val), "test": len(X_test)},
                 "positives": {s: dict(zip(ds.classes, getattr(ds, f"y_{s}").sum(0).astype(int)
                                           .tolist())) for s in ("train", "val", "test")}},
        "test": _test_entry(run, evaluation),
        "val": {"macro_auroc": val_summary["macro_auroc"],
                "n_defined_classes": val_summary["n_defined"],
                "undefined_classes": val_summary["undefined"]},
        "best_epoch": history.best_epoch, "epochs_run": len(history),
        "stopped_early": history.stopped_early,
        "parameters": train.count_parameters(net),
        "timing": {"data_load_and_preprocess_s": load_s, "train_time_s": train_s,
                   "train_samples_per_s": len(X_train) * len(history) / train_phase_s,
                   "inference_s": inference_s,
                   "inference_records_per_s": len(X_test) / inference_s},
        "memory": peak_memory(),
        "device": str(run.device), **provenance(),
        "history": [{k: v for k, v in r.items()} for r in history.records],
    }
    if (run.model, run.task) in PUBLISHED:
        value, source = PUBLISHED[(run.model, run.task)]
        result["published"] = {"macro_auroc": value, "source": source,
                               "note": "published, on full data (about 17k training "
                                       "records); not comparable with a subset run"}
    return result


# ---------------------------------------------------------------------------- command line
def add_ptbxl_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``python -m ecgkit.bench ptbxl``."""
    p.add_argument("--model", default="resnet1d_wang", choices=sorted(MODELS))
    p.add_argument("--task", default="superdiagnostic", choices=["superdiagnostic", "rhythm",
                                                                  "subdiagnostic", "form", "all"])
    p.add_argument("--epochs", type=int, default=None, help="default: the profile's")
    p.add_argument("--profile", choices=list(config.PROFILES), default=None,
                   help="default: $ECGKIT_PROFILE or 'sample'; an explicit value wins")
    p.add_argument("--protocol", choices=list(PROTOCOLS), default=None,
                   help="2.5 s crops + sliding windows, whole records, or crops in "
                        "training and whole records at test (default: the model's)")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default=None, help="cpu, cuda, mps (default: best available)")
    p.add_argument("--bootstrap", type=int, default=100, help="bootstrap resamples for the CI")
    p.add_argument("--checkpoint-dir", default=None)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--out", default=None, help="write the JSON result here")


def run_ptbxl_cli(args: argparse.Namespace) -> dict:
    """:func:`run_ptbxl` with the parsed options of :func:`add_ptbxl_arguments`."""
    ctx = explicit_profile() if args.profile else contextlib.nullcontext()
    with ctx:
        return run_ptbxl(model=args.model, task=args.task, epochs=args.epochs,
                         profile=args.profile, protocol=args.protocol,
                         batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                         device=args.device, n_bootstrap=args.bootstrap,
                         checkpoint_dir=args.checkpoint_dir, resume=args.resume,
                         progress=not args.no_progress)
