"""A trained 12-lead PTB-XL model as one file (a *bundle*), and how to train and cache it.

A bundle holds everything needed to use a model on a new ECG: the weights, how to build
the network (a name of :data:`ecgkit.models.MODELS`), the class names, the per-class
decision thresholds tuned on validation, and the fitted preprocessing.
"""
from __future__ import annotations

import hashlib
import json
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ecgkit import config, data, metrics, train
from ecgkit.models import get_model
from ecgkit.signal.standardize import (BAND_HZ, LeadStandardizer, fit_preprocessing,
                                       preprocess)

__all__ = ["Bundle", "BUNDLE_CONFIGS", "BUNDLE_VERSION", "save_bundle", "load_bundle",
           "read_payload", "train_bundle", "bundle_path", "load_or_train_bundle"]

BUNDLE_VERSION = 1

# What chapters 12-13 and the app train: small enough for a CPU in about a minute.
# ``max_epochs`` caps the profile's epochs (early stopping with ``patience`` may stop
# sooner); profiles not listed use the profile's own budget.
BUNDLE_CONFIGS = {
    # ExplainableECGNet (source 001) at half width, trained on random 2.5 s crops.
    "explainable": {"model": "explainable", "kwargs": {"channels": [16, 32, 64]},
                    "crop": 250, "lr": 1e-3, "patience": 2,
                    "max_epochs": {"smoke": 1, "sample": 4}},
    # Document 000's cascaded dense network on the lead-II relative position matrix
    # (registered in ecgkit.models as "rpm_densenet").
    "rpm_densenet": {"model": "rpm_densenet", "kwargs": {"image_size": 64, "lead": 1},
                     "crop": None, "lr": 1e-3, "patience": 2,
                     "max_epochs": {"smoke": 1, "sample": 4}},
}


def _epochs(cfg: dict, profile, epochs: int | None) -> int:
    if epochs is not None:
        return int(epochs)
    return min(profile.epochs, cfg.get("max_epochs", {}).get(profile.name, profile.epochs))


def _network(name: str, n_classes: int, n_leads: int, kwargs: dict) -> nn.Module:
    """:func:`ecgkit.models.get_model` with a bundle's JSON kwargs (a JSON list of
    ``channels`` back to the tuple the models expect)."""
    kwargs = dict(kwargs)
    if "channels" in kwargs:
        kwargs["channels"] = tuple(kwargs["channels"])
    return get_model(name, n_classes, n_leads, **kwargs)


# --------------------------------------------------------------------------- bundle
@dataclass
class Bundle:
    """A trained model with its classes, thresholds and preprocessing.

    Attributes
    ----------
    model : the network (eval mode), input ``(N, 12, T)`` standardised at ``fs``.
    model_name, model_kwargs : how :func:`ecgkit.models.get_model` rebuilds it.
    classes : class names, e.g. the five PTB-XL superclasses.
    thresholds : float64 ``(C,)`` decision thresholds (tuned on validation for F1).
    scaler : fitted :class:`ecgkit.signal.LeadStandardizer`.
    fs : input sampling rate in Hz (100); ``n_samples`` input length (1000 = 10 s).
    info : what it was trained on, for how long, and its validation/test scores.
    """

    model: nn.Module
    model_name: str
    model_kwargs: dict
    classes: tuple
    thresholds: np.ndarray
    scaler: object
    fs: int = 100
    n_samples: int = 1000
    info: dict = field(default_factory=dict)

    def preprocess(self, signal) -> np.ndarray:
        """Band-pass 0.5-40 Hz and standardise (:func:`ecgkit.signal.standardize.preprocess`):
        mV ``(12, T)`` or ``(N, 12, T)`` at ``fs`` -> float32 ``(N, 12, T)`` model input."""
        x = np.asarray(signal, dtype=np.float32)
        if x.ndim == 2:
            x = x[None]
        if x.ndim != 3 or x.shape[1] != len(self.scaler.mean_):
            raise ValueError(f"expected (12, T) or (N, 12, T) mV at {self.fs} Hz, got shape "
                             f"{x.shape}")
        return preprocess(x, self.scaler, self.fs)

    def predict_proba(self, signal) -> np.ndarray:
        """Class probabilities ``(N, C)`` for ECGs in mV (see :meth:`preprocess`)."""
        return train.predict(self.model, self.preprocess(signal), activation="sigmoid")

    def decide(self, probabilities) -> np.ndarray:
        """Boolean ``(N, C)``: probability at or above the class's threshold."""
        return np.asarray(probabilities) >= self.thresholds[None, :]

    def describe(self) -> str:
        """One line: model, classes and what it was trained on."""
        i = self.info
        score = (f", test macro-AUROC {i['test_macro_auroc']:.3f}"
                 if i.get("test_macro_auroc") is not None else "")
        return (f"{self.model_name} {self.model_kwargs} on {i.get('trained_on', '?')}, "
                f"{i.get('epochs_run', '?')} epochs{score}")


def save_bundle(model: nn.Module, name: str, classes, thresholds, scaler, path,
                model_kwargs: dict | None = None, fs: int = 100, n_samples: int = 1000,
                info: dict | None = None) -> Path:
    """Write a bundle file (a torch file of tensors and plain values; loads with
    ``weights_only=True``, so opening a bundle never runs code from it)."""
    path = Path(path)
    thresholds = np.asarray(thresholds, dtype=np.float64)
    if len(thresholds) != len(classes):
        raise ValueError(f"{len(thresholds)} thresholds for {len(classes)} classes")
    if not hasattr(scaler, "mean_"):
        raise ValueError("the scaler is not fitted")
    payload = {
        "bundle_version": BUNDLE_VERSION, "model_name": name,
        "model_kwargs": json.dumps(model_kwargs or {}), "classes": list(map(str, classes)),
        "thresholds": torch.as_tensor(thresholds), "fs": int(fs), "n_samples": int(n_samples),
        "scaler_mean": torch.as_tensor(np.asarray(scaler.mean_, dtype=np.float64)),
        "scaler_std": torch.as_tensor(np.asarray(scaler.std_, dtype=np.float64)),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "info": json.dumps(info or {}, default=str),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)  # never leave a half-written bundle behind
    return path


def read_payload(path, create_command: str) -> dict:
    """The dict saved in a bundle file, read without running code (``weights_only``).

    ``FileNotFoundError`` names ``python -m ecgkit.predict <create_command>``, the command
    that creates it; ``ValueError`` when the file is not a bundle.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model bundle at {path}; create one with "
                                f"`python -m ecgkit.predict {create_command}`")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise ValueError(f"{path} is not a model bundle ({err})") from None
    if not isinstance(payload, dict):
        raise ValueError(f"{path} is not a model bundle")
    return payload


def load_bundle(path, device=None) -> Bundle:
    """Read a bundle written by :func:`save_bundle`; the model is in eval mode."""
    path = Path(path)
    payload = read_payload(path, "train-bundle")
    if payload.get("bundle_version") != BUNDLE_VERSION:
        raise ValueError(f"{path} is not a version-{BUNDLE_VERSION} model bundle")
    classes = tuple(payload["classes"])
    kwargs = json.loads(payload["model_kwargs"])
    model = _network(payload["model_name"], len(classes), len(payload["scaler_mean"]), kwargs)
    model.load_state_dict(payload["state_dict"])
    model.to(device or "cpu").eval()
    scaler = LeadStandardizer()
    scaler.mean_ = payload["scaler_mean"].numpy()
    scaler.std_ = payload["scaler_std"].numpy()
    scaler.n_leads_ = len(scaler.mean_)
    return Bundle(model, payload["model_name"], kwargs, classes,
                  payload["thresholds"].numpy(), scaler, payload["fs"], payload["n_samples"],
                  json.loads(payload["info"]))


# --------------------------------------------------------------------------- training
def _config_key(model_name: str, profile, seed: int, epochs: int | None) -> str:
    cfg = BUNDLE_CONFIGS[model_name]
    text = json.dumps({"v": BUNDLE_VERSION, "name": model_name, "cfg": cfg,
                       "profile": profile.name, "max_records": profile.max_records,
                       "epochs": _epochs(cfg, profile, epochs), "seed": seed,
                       "code": train.training_code_fingerprint(),
                       "data": str(data.data_root().resolve())}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _check_name(model_name: str) -> dict:
    if model_name not in BUNDLE_CONFIGS:
        raise ValueError(f"unknown bundle {model_name!r}; choose one of {sorted(BUNDLE_CONFIGS)}")
    return BUNDLE_CONFIGS[model_name]


def bundle_path(model_name: str = "explainable", profile=None, seed: int = 0,
                epochs: int | None = None) -> Path:
    """Where :func:`train_bundle` saves (and :func:`load_or_train_bundle` looks for) the
    bundle of a configuration: ``<cache_dir>/bundles/<name>-<profile>-<key>.pt``, the key
    a hash of every setting and of the code that trains it
    (:func:`ecgkit.train.training_code_fingerprint`), so a changed setting or an edited
    model never reuses a stale one."""
    _check_name(model_name)
    profile = config.as_profile(profile)
    key = _config_key(model_name, profile, seed, epochs)
    return data.cache_dir() / "bundles" / f"{model_name}-{profile.name}-{key}.pt"


def _fit_bundle_model(cfg: dict, task, splits: dict, epochs: int, profile, seed: int,
                      verbose: bool):
    """Train the configuration's network on the preprocessed splits; ``(model, history)``."""
    config.seed_everything(seed)
    model = _network(cfg["model"], len(task.classes), 12, json.loads(json.dumps(cfg["kwargs"])))
    history = train.fit(
        model, (splits["train"], task.y_train), (splits["val"], task.y_val),
        loss_fn=nn.BCEWithLogitsLoss(pos_weight=train.pos_weight(task.y_train, "sqrt")),
        metric_fn=metrics.macro_auroc, monitor="macro_auroc", epochs=epochs,
        batch_size=profile.batch_size, lr=cfg["lr"], patience=cfg["patience"], seed=seed,
        transform=train.RandomCrop(cfg["crop"]) if cfg["crop"] else None,
        progress=False, verbose=verbose)
    model.eval()
    return model, history


def train_bundle(model_name: str = "explainable", profile=None, path=None,
                 epochs: int | None = None, seed: int = 0, verbose: bool = True) -> Bundle:
    """Train one of :data:`BUNDLE_CONFIGS` on PTB-XL (superdiagnostic) and save it.

    Folds 1-8 train, 9 validation (early stopping on macro-AUROC, thresholds tuned for
    F1), 10 test (reported in ``info``). The profile caps records and epochs; the loss
    weighs positives by the square root of the negative/positive ratio (source 001).
    Returns the bundle, saved to ``path`` (default :func:`bundle_path`).
    """
    profile = config.as_profile(profile)
    cfg = _check_name(model_name)
    epochs = _epochs(cfg, profile, epochs)
    path = Path(path) if path is not None else bundle_path(model_name, profile, seed, epochs)
    t0 = time.perf_counter()
    task = data.load_ptbxl_task("superdiagnostic", max_records=profile.max_records,
                                verbose=False)
    scaler = fit_preprocessing(task.X_train, fs=100)
    splits = {s: preprocess(getattr(task, f"X_{s}"), scaler, fs=100)
              for s in ("train", "val", "test")}
    model, history = _fit_bundle_model(cfg, task, splits, epochs, profile, seed, verbose)
    p_val = train.predict(model, splits["val"])
    p_test = train.predict(model, splits["test"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.UndefinedMetricWarning)
        thresholds = metrics.tune_thresholds(task.y_val, p_val)
        test_auroc = metrics.macro_auroc(task.y_test, p_test)
    n = {s: len(x) for s, x in splits.items()}
    info = {"trained_on": f"PTB-XL superdiagnostic, {n['train']} train / {n['val']} "
                          f"val / {n['test']} test records (folds 1-8/9/10), profile "
                          f"{profile.name}",
            "epochs_run": len(history), "best_epoch": history.best_epoch,
            "val_macro_auroc": history.best_score, "test_macro_auroc": test_auroc,
            "train_seconds": round(time.perf_counter() - t0, 1), "seed": seed,
            "preprocessing": f"band-pass {BAND_HZ[0]:g}-{BAND_HZ[1]:g} Hz (zero phase), "
                             "per-lead standardiser fitted on the training split",
            "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    save_bundle(model, cfg["model"], task.classes, thresholds, scaler, path,
                model_kwargs=cfg["kwargs"], info=info)
    if verbose:
        print(f"saved {model_name} bundle to {path} ({info['train_seconds']} s)")
    return load_bundle(path)


def load_or_train_bundle(model_name: str = "explainable", profile=None, seed: int = 0,
                         epochs: int | None = None, verbose: bool = True,
                         retrain: bool = False) -> Bundle:
    """The bundle of this configuration from the cache if an earlier run saved it, else
    train it now (:func:`train_bundle`). A fresh clone trains; later runs reuse.
    ``retrain=True`` (a chapter's ``RETRAIN`` switch) trains even when the cache has it."""
    profile = config.as_profile(profile)
    path = bundle_path(model_name, profile, seed, epochs)
    if path.is_file() and not retrain:
        try:
            bundle = load_bundle(path)
            if verbose:
                print(f"loaded {model_name} bundle from the cache: {path.name} "
                      f"({bundle.describe()})")
            return bundle
        except (ValueError, RuntimeError) as err:  # an old format: train again
            if verbose:
                print(f"cached bundle {path.name} unusable ({err}); training again")
    return train_bundle(model_name, profile, path, epochs, seed, verbose)
