"""A trained model as a file, and a command line that reads an ECG and reports on it.

A *bundle* is everything needed to use a model on a new ECG, in one file: the weights,
how to build the network, the class names, the per-class decision thresholds tuned on
the validation split, and the preprocessing (band-pass 0.5-40 Hz, then the per-lead
standardiser fitted on the training split). The app and the command line load bundles;
chapter 12 and 13 train them (or reuse one saved by an earlier run with the same
settings, under :func:`ecgkit.data.cache_dir`).

Command line::

    python -m ecgkit.predict RECORD [--model PATH] [--method METHOD] [--fs HZ] [--json]
    python -m ecgkit.predict train-bundle [--model-name explainable] [--profile sample]
    python -m ecgkit.predict train-beat-bundle [--profile sample]

``RECORD`` is a WFDB record (``path/to/00017_lr`` or ``.hea``; the ``.dat`` next to it), a
CSV file (12 columns, or 1; ``--fs`` gives its rate, default 100 Hz), ``ptbxl:<ecg_id>`` or
``mitdb:<record>``. Without ``--model`` the default bundle is used
(:func:`bundle_path`); ``train-bundle`` creates it (about a minute on a laptop CPU).
A MIT-BIH record (``mitdb:100``, analysed whole) or any 1-2 lead record goes to the
heartbeat classifier of chapter 7 instead (:mod:`ecgkit.predict_beats`; its bundle is
made by ``train-beat-bundle``, a couple of minutes), which reports per-beat AAMI classes.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

__all__ = ["Bundle", "BUNDLE_CONFIGS", "build_model", "save_bundle", "load_bundle", "read_payload",
           "train_bundle", "bundle_path", "load_or_train_bundle", "main"]

BUNDLE_VERSION = 1
LEADS_12 = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")

# What chapters 12-13 and the app train: small enough for a CPU in about a minute.
# ``max_epochs`` caps the profile's epochs (early stopping with ``patience`` may stop
# sooner); profiles not listed use the profile's own budget.
BUNDLE_CONFIGS = {
    # ExplainableECGNet (source 001) at half width, trained on random 2.5 s crops.
    "explainable": {"model": "explainable", "kwargs": {"channels": [16, 32, 64]},
                    "crop": 250, "lr": 1e-3, "patience": 2,
                    "max_epochs": {"smoke": 1, "sample": 4}},
    # Document 000's cascaded dense network on the lead-II relative position matrix.
    "rpm_densenet": {"model": "rpm_densenet", "kwargs": {"image_size": 64, "lead": 1},
                     "crop": None, "lr": 1e-3, "patience": 2,
                     "max_epochs": {"smoke": 1, "sample": 4}},
}


def _epochs(cfg: dict, profile, epochs: int | None) -> int:
    if epochs is not None:
        return int(epochs)
    return min(profile.epochs, cfg.get("max_epochs", {}).get(profile.name, profile.epochs))


# --------------------------------------------------------------------------- models
def build_model(name: str, n_classes: int, n_leads: int = 12, **kwargs) -> nn.Module:
    """Build a bundle's network: a name of :data:`ecgkit.models.MODELS`, or
    ``"rpm_densenet"`` (``CascadedDenseNet`` on an RPM image of one lead, wrapped in
    :class:`ecgkit.explain.SignalToImageModel`; kwargs ``image_size``, ``lead``)."""
    if name == "rpm_densenet":
        from ecgkit.explain import SignalToImageModel
        from ecgkit.models.images import CascadedDenseNet

        image_size = int(kwargs.pop("image_size", 64))
        lead = int(kwargs.pop("lead", 1))
        return SignalToImageModel(CascadedDenseNet(n_classes, 1, **kwargs), lead=lead,
                                  image_size=image_size, transform="rpm", n_leads=n_leads)
    from ecgkit.models import get_model

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
    model_name, model_kwargs : how :func:`build_model` rebuilds it.
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
        """Band-pass 0.5-40 Hz and standardise: mV ``(12, T)`` or ``(N, 12, T)`` at
        ``fs`` -> float32 ``(N, 12, T)`` model input."""
        from ecgkit import signal as ecgsignal

        x = np.asarray(signal, dtype=np.float32)
        if x.ndim == 2:
            x = x[None]
        if x.ndim != 3 or x.shape[1] != len(self.scaler.mean_):
            raise ValueError(f"expected (12, T) or (N, 12, T) mV at {self.fs} Hz, got shape "
                             f"{x.shape}")
        return self.scaler.transform(ecgsignal.bandpass(x, fs=self.fs)).astype(np.float32)

    def predict_proba(self, signal) -> np.ndarray:
        """Class probabilities ``(N, C)`` for ECGs in mV (see :meth:`preprocess`)."""
        from ecgkit.train import predict

        return predict(self.model, self.preprocess(signal), activation="sigmoid")

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
    from ecgkit.signal import LeadStandardizer

    path = Path(path)
    payload = read_payload(path, "train-bundle")
    if payload.get("bundle_version") != BUNDLE_VERSION:
        raise ValueError(f"{path} is not a version-{BUNDLE_VERSION} model bundle")
    classes = tuple(payload["classes"])
    kwargs = json.loads(payload["model_kwargs"])
    model = build_model(payload["model_name"], len(classes), len(payload["scaler_mean"]),
                        **dict(kwargs))
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
def _profile(profile):
    from ecgkit import config

    return profile if hasattr(profile, "epochs") else config.get_profile(profile)


def _config_key(model_name: str, profile, seed: int, epochs: int | None) -> str:
    from ecgkit import data

    cfg = BUNDLE_CONFIGS[model_name]
    text = json.dumps({"v": BUNDLE_VERSION, "name": model_name, "cfg": cfg,
                       "profile": profile.name, "max_records": profile.max_records,
                       "epochs": _epochs(cfg, profile, epochs), "seed": seed,
                       "data": str(data.data_root().resolve())}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def bundle_path(model_name: str = "explainable", profile=None, seed: int = 0,
                epochs: int | None = None) -> Path:
    """Where :func:`train_bundle` saves (and :func:`load_or_train_bundle` looks for) the
    bundle of a configuration: ``<cache_dir>/bundles/<name>-<profile>-<key>.pt``, the key
    a hash of every setting, so a changed setting never reuses a stale model."""
    from ecgkit import data

    if model_name not in BUNDLE_CONFIGS:
        raise ValueError(f"unknown bundle {model_name!r}; choose one of {sorted(BUNDLE_CONFIGS)}")
    profile = _profile(profile)
    key = _config_key(model_name, profile, seed, epochs)
    return data.cache_dir() / "bundles" / f"{model_name}-{profile.name}-{key}.pt"


def train_bundle(model_name: str = "explainable", profile=None, path=None,
                 epochs: int | None = None, seed: int = 0, verbose: bool = True) -> Bundle:
    """Train one of :data:`BUNDLE_CONFIGS` on PTB-XL (superdiagnostic) and save it.

    Folds 1-8 train, 9 validation (early stopping on macro-AUROC, thresholds tuned for
    F1), 10 test (reported in ``info``). The profile caps records and epochs; the loss
    weighs positives by the square root of the negative/positive ratio (source 001).
    Returns the bundle, saved to ``path`` (default :func:`bundle_path`).
    """
    from ecgkit import config, data, metrics, signal as ecgsignal, train

    profile = _profile(profile)
    cfg = BUNDLE_CONFIGS.get(model_name)
    if cfg is None:
        raise ValueError(f"unknown bundle {model_name!r}; choose one of {sorted(BUNDLE_CONFIGS)}")
    epochs = _epochs(cfg, profile, epochs)
    path = Path(path) if path is not None else bundle_path(model_name, profile, seed, epochs)
    t0 = time.perf_counter()
    task = data.load_ptbxl_task("superdiagnostic", max_records=profile.max_records,
                                verbose=False)
    scaler = ecgsignal.LeadStandardizer().fit(ecgsignal.bandpass(task.X_train, fs=100))

    def prep(X):
        return scaler.transform(ecgsignal.bandpass(X, fs=100)).astype(np.float32)

    X_train, X_val, X_test = prep(task.X_train), prep(task.X_val), prep(task.X_test)
    config.seed_everything(seed)
    model = build_model(cfg["model"], len(task.classes), **json.loads(json.dumps(cfg["kwargs"])))
    history = train.fit(
        model, (X_train, task.y_train), (X_val, task.y_val),
        loss_fn=nn.BCEWithLogitsLoss(pos_weight=train.pos_weight(task.y_train, "sqrt")),
        metric_fn=metrics.macro_auroc, monitor="macro_auroc", epochs=epochs,
        batch_size=profile.batch_size, lr=cfg["lr"], patience=cfg["patience"], seed=seed,
        transform=train.RandomCrop(cfg["crop"]) if cfg["crop"] else None,
        progress=False, verbose=verbose)
    model.eval()
    p_val = train.predict(model, X_val)
    p_test = train.predict(model, X_test)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.UndefinedMetricWarning)
        thresholds = metrics.tune_thresholds(task.y_val, p_val)
        test_auroc = metrics.macro_auroc(task.y_test, p_test)
    info = {"trained_on": f"PTB-XL superdiagnostic, {len(X_train)} train / {len(X_val)} "
                          f"val / {len(X_test)} test records (folds 1-8/9/10), profile "
                          f"{profile.name}",
            "epochs_run": len(history), "best_epoch": history.best_epoch,
            "val_macro_auroc": history.best_score, "test_macro_auroc": test_auroc,
            "train_seconds": round(time.perf_counter() - t0, 1), "seed": seed,
            "preprocessing": "band-pass 0.5-40 Hz (zero phase), per-lead standardiser "
                             "fitted on the training split",
            "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    save_bundle(model, cfg["model"], task.classes, thresholds, scaler, path,
                model_kwargs=cfg["kwargs"], info=info)
    if verbose:
        print(f"saved {model_name} bundle to {path} ({info['train_seconds']} s)")
    return load_bundle(path)


def load_or_train_bundle(model_name: str = "explainable", profile=None, seed: int = 0,
                         epochs: int | None = None, verbose: bool = True) -> Bundle:
    """The bundle of this configuration from the cache if an earlier run saved it, else
    train it now (:func:`train_bundle`). A fresh clone trains; later runs reuse."""
    profile = _profile(profile)
    path = bundle_path(model_name, profile, seed, epochs)
    if path.is_file():
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


# --------------------------------------------------------------------------- CLI
def _train_main(argv) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecgkit.predict train-bundle",
                                     description="Train a model bundle on PTB-XL and save it.")
    parser.add_argument("--model-name", default="explainable", choices=sorted(BUNDLE_CONFIGS))
    parser.add_argument("--profile", default=None, help="smoke | sample | full "
                        "(default $ECGKIT_PROFILE or sample)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--out", default=None, help="bundle file (default: the cache)")
    args = parser.parse_args(argv)
    bundle = train_bundle(args.model_name, args.profile, args.out, args.epochs)
    print(bundle.describe())
    return 0


def _train_beats_main(argv) -> int:
    from ecgkit import predict_beats

    parser = argparse.ArgumentParser(
        prog="python -m ecgkit.predict train-beat-bundle",
        description="Train the CNN-LSTM heartbeat classifier on MIT-BIH DS1 and save it.")
    parser.add_argument("--profile", default=None, help="smoke | sample | full "
                        "(default $ECGKIT_PROFILE or sample)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="bundle file (default: the cache)")
    args = parser.parse_args(argv)
    bundle = predict_beats.train_beat_bundle(args.profile, args.out, args.seed)
    print(bundle.describe())
    return 0


def _is_beat_input(spec: str, record) -> bool:
    """MIT-BIH records and records without all 12 leads go to the beat classifier."""
    if str(spec).lower().startswith("mitdb:"):
        return True
    from ecgkit.io import _norm

    have = {_norm(lead) for lead in record.leads}
    return not all(_norm(lead) in have for lead in LEADS_12)


def _beats_main(args, record) -> int:
    """Heartbeat report of a MIT-BIH record or a 1-2 lead signal (exit status)."""
    from ecgkit import predict_beats

    path = Path(args.model) if args.model else predict_beats.beat_bundle_path()
    try:
        bundle = predict_beats.load_beat_bundle(path)
    except FileNotFoundError:
        print(f"error: no trained heartbeat model at {path}. Create it with `python -m "
              "ecgkit.predict train-beat-bundle` (a couple of minutes on CPU) or pass "
              "--model PATH.", file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        analysis = predict_beats.analyse_record(bundle, record)
        rep = predict_beats.beat_report(bundle, analysis)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(rep.to_dict(), indent=2) if args.json else rep.text)
    return 0


def main(argv=None) -> int:
    """Entry point of ``python -m ecgkit.predict``; returns the exit status (0 ok, 2 bad
    input or no model).

    A 12-lead record goes to the 12-lead bundle; a MIT-BIH record (``mitdb:100``) or a
    1-2 lead record goes to the heartbeat bundle (:mod:`ecgkit.predict_beats`), unless
    ``--model`` names a 12-lead bundle, which then refuses the record with the reason."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "train-bundle":
        return _train_main(argv[1:])
    if argv and argv[0] == "train-beat-bundle":
        return _train_beats_main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m ecgkit.predict",
        description="Classify a 12-lead ECG, or the heartbeats of a MIT-BIH / 1-2 lead "
                    "record, and print a plain-language report. `python -m ecgkit.predict "
                    "train-bundle` creates the default 12-lead model, `python -m "
                    "ecgkit.predict train-beat-bundle` the heartbeat model.")
    parser.add_argument("record", help="WFDB record (path, .hea), .csv, ptbxl:<ecg_id> or "
                        "mitdb:<record>")
    parser.add_argument("--model", default=None, help="bundle file (default: the cached "
                        "'explainable' bundle of the current profile for 12-lead ECGs, the "
                        "cached heartbeat bundle for MIT-BIH and 1-2 lead records)")
    parser.add_argument("--method", default="integrated_gradients",
                        help="explanation method of the evidence (see ecgkit.explain.METHODS)")
    parser.add_argument("--fs", type=float, default=None, help="sampling rate of a CSV (Hz)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args(argv)
    from ecgkit import io, predict_beats, report as report_module

    if args.model and predict_beats.is_beat_bundle(args.model):
        try:
            record = io.load_record(args.record, fs=args.fs)
        except (ValueError, FileNotFoundError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        return _beats_main(args, record)
    if not args.model:
        try:
            record = (io.load_record(args.record, fs=args.fs)
                      if not str(args.record).lower().startswith("ptbxl:") else None)
        except (ValueError, FileNotFoundError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        if record is not None and _is_beat_input(args.record, record):
            return _beats_main(args, record)
    model_path = Path(args.model) if args.model else bundle_path("explainable")
    try:
        bundle = load_bundle(model_path)
    except FileNotFoundError:
        print(f"error: no trained model at {model_path}. Create it with `python -m "
              "ecgkit.predict train-bundle` (about a minute on CPU) or pass --model PATH.",
              file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    record = None
    try:
        record = io.load_record(args.record, fs=args.fs)
        rep = report_module.report(bundle, record, method=args.method)
    except (ValueError, FileNotFoundError) as err:
        hint = ""
        if record is not None and _is_beat_input(args.record, record):
            hint = (" This is a MIT-BIH or 1-2 lead record and the model reads 12 leads: "
                    "leave out --model to use the heartbeat classifier, or pass a "
                    "heartbeat bundle (python -m ecgkit.predict train-beat-bundle).")
        print(f"error: {err}{hint}", file=sys.stderr)
        return 2
    print(json.dumps(rep.to_dict(), indent=2) if args.json else rep.text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
