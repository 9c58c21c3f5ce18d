"""The heartbeat classifier of chapter 7 as one file (a *beat bundle*): save, load, train.

The CNN-LSTM trained on de Chazal's DS1 with :func:`ecgkit.experiments.mitbih.train_cnnlstm`,
saved with its beat window, normalisation and inputs; it loads with
``torch.load(weights_only=True)``, like the 12-lead bundles of :mod:`ecgkit.app.bundle`.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ecgkit import config, data, metrics, train
from ecgkit.app.bundle import read_payload
from ecgkit.data import beat_table
from ecgkit.experiments import mitbih
from ecgkit.models.cnnlstm import CNNLSTM
from ecgkit.data.beat_table import BeatSpec
from ecgkit.signal.beats import LOCAL_BEATS, RR_FEATURES

__all__ = ["BeatBundle", "BEAT_BUNDLE_KIND", "BEAT_BUNDLE_VERSION", "beat_bundle_path",
           "bundle_recipe", "train_beat_bundle", "save_beat_bundle", "load_beat_bundle",
           "load_or_train_beat_bundle", "is_beat_bundle"]

BEAT_BUNDLE_VERSION = 1
BEAT_BUNDLE_KIND = "mitbih_beats"


def _cnnlstm_kwargs(model) -> dict:
    """The constructor arguments of a trained CNNLSTM, read off its layers (so that a
    change of the defaults in :func:`train_cnnlstm` cannot make a bundle unloadable)."""
    convs = [m for m in model.features if isinstance(m, nn.Conv1d)]
    return {"n_classes": int(model.n_classes), "n_leads": int(model.n_leads),
            "n_rr": int(model.n_rr), "rr_path": str(model.rr_path),
            "channels": [int(c.out_channels) for c in convs],
            "kernel_sizes": [int(c.kernel_size[0]) for c in convs],
            "lstm_units": int(model.lstm.hidden_size),
            "dense_units": int(model.head[0].out_features),
            "dropout": float(model.head[2].p),
            **({"rr_hidden": int(model.rr_mlp[0].out_features)}
               if getattr(model, "rr_mlp", None) is not None else {})}


def _build_cnnlstm(kwargs: dict) -> CNNLSTM:
    kw = dict(kwargs)
    for k in ("channels", "kernel_sizes"):
        if k in kw:
            kw[k] = tuple(kw[k])
    return CNNLSTM(**kw)


@dataclass
class BeatBundle:
    """A trained heartbeat classifier with its beat preprocessing.

    Trained on DS1 records, its predictions on a DS1 record are on patients it learnt
    from (not an honest test); on a DS2 record they are inter-patient (a new patient),
    the figure chapter 7 reports.

    Attributes
    ----------
    model : CNNLSTM in eval mode; input float32 ``(N, 1 + median_beat, L + n_rr)``
        (:func:`ecgkit.signal.beats.pack_beats`), logits ``(N, 5)``.
    model_kwargs : how to rebuild it.
    classes : ``("N", "S", "V", "F", "Q")``.
    spec : :class:`ecgkit.data.BeatSpec`: windows of ``spec.length`` samples at
        ``spec.fs`` Hz (R peak at index ``spec.before``) of the band-passed ``spec.lead``.
    normalize : per-beat normalisation (:func:`ecgkit.signal.beats.normalize_beats`).
    rr : whether the 5 RR features (divided by the record's mean RR) are inputs.
    median_beat : whether the record's median beat is a second channel.
    relative_to_median : whether channel 0 is the beat minus the record's median beat.
    rr_features, local_beats : names of the RR features and the beats of the local RR
        at training time (checked against :mod:`ecgkit.signal.beats` when used).
    train_records : the DS1 records it was trained on.
    info : profile, recipe, training time, validation and DS2 test scores.
    """

    model: nn.Module
    model_kwargs: dict
    classes: tuple
    spec: object
    normalize: str = "zscore"
    rr: bool = True
    median_beat: bool = True
    rr_features: tuple = ()
    local_beats: int = 10
    train_records: tuple = ()
    info: dict = field(default_factory=dict)
    relative_to_median: bool = False

    @property
    def window(self) -> int:
        """Beat window length L in samples at ``spec.fs``."""
        return int(self.spec.length)

    def check_compatible(self) -> None:
        """Raise ``ValueError`` if :mod:`ecgkit.signal.beats` now computes RR features
        other than those the bundle was trained with (retrain it then)."""
        if self.rr and (tuple(self.rr_features) != tuple(RR_FEATURES)
                        or int(self.local_beats) != int(LOCAL_BEATS)):
            raise ValueError(
                f"this beat bundle was trained with RR features {list(self.rr_features)} "
                f"(local RR over {self.local_beats} beats); ecgkit.signal.beats now computes "
                f"{list(RR_FEATURES)} over {LOCAL_BEATS}: train it again "
                "(python -m ecgkit.predict train-beat-bundle)")

    def inputs(self, table) -> np.ndarray:
        """Network input of a :class:`ecgkit.data.beat_table.BeatTable`: float32
        ``(n, 1 + median_beat, L + 5 * rr)`` via :func:`ecgkit.data.beat_table.model_inputs`."""
        if table.spec != self.spec:
            raise ValueError(f"beat table cut with {table.spec}, the model wants {self.spec}")
        self.check_compatible()
        return beat_table.model_inputs(table, self.normalize, self.rr, self.median_beat,
                                       self.relative_to_median)

    def predict_proba(self, X, batch_size: int = 1024) -> np.ndarray:
        """Softmax probabilities float32 ``(n, 5)`` of model inputs ``X`` (see :meth:`inputs`)."""
        X = np.asarray(X, dtype=np.float32)
        if len(X) == 0:
            raise ValueError("no beats to classify")
        return train.predict(self.model, X, batch_size=batch_size, device="cpu",
                             activation="softmax")

    def describe(self) -> str:
        """One line: the model, what it was trained on and its DS2 scores."""
        i = self.info
        test = i.get("ds2_test") or {}
        score = ""
        if test.get("accuracy") is not None:
            v = (test.get("per_class") or {}).get("V", {})
            score = (f"; inter-patient DS2 accuracy {test['accuracy']:.3f}"
                     + (f", V sensitivity {v['sensitivity']:.2f}"
                        if v.get("sensitivity") is not None else ""))
        return (f"CNN-LSTM beat classifier (AAMI {', '.join(self.classes)}), trained on "
                f"{len(self.train_records)} DS1 records of MIT-BIH (profile "
                f"{i.get('profile', '?')}){score}")


def save_beat_bundle(model, spec, path, *, normalize: str = "zscore", rr: bool = True,
                     median_beat: bool = True, relative_to_median: bool = False,
                     train_records=(), info: dict | None = None) -> Path:
    """Write a beat bundle (tensors and plain values only: it loads with
    ``weights_only=True``). The model is rebuilt from its own layer sizes before saving,
    so a bundle that could not be loaded again is never written."""
    kwargs = _cnnlstm_kwargs(model)
    _build_cnnlstm(kwargs).load_state_dict(model.state_dict())  # fails now, not at load
    payload = {
        "kind": BEAT_BUNDLE_KIND, "beat_bundle_version": BEAT_BUNDLE_VERSION,
        "model_name": "cnnlstm", "model_kwargs": json.dumps(kwargs),
        "classes": list(data.AAMI_CLASSES), "spec": json.dumps(asdict(spec)),
        "normalize": str(normalize), "rr": bool(rr), "median_beat": bool(median_beat),
        "relative_to_median": bool(relative_to_median),
        "rr_features": list(RR_FEATURES), "local_beats": int(LOCAL_BEATS),
        "train_records": [str(r) for r in train_records],
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "info": json.dumps(info or {}, default=str),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)
    return path


def is_beat_bundle(path) -> bool:
    """Whether ``path`` holds a beat bundle (False for a 12-lead bundle or junk)."""
    try:
        return read_payload(path, "train-beat-bundle").get("kind") == BEAT_BUNDLE_KIND
    except (FileNotFoundError, ValueError):
        return False


def load_beat_bundle(path) -> BeatBundle:
    """Read a bundle written by :func:`save_beat_bundle`; the model is on the CPU in eval
    mode. ``ValueError`` for a 12-lead bundle, junk or an old version."""
    payload = read_payload(path, "train-beat-bundle")
    if payload.get("kind") != BEAT_BUNDLE_KIND:
        raise ValueError(f"{path} is not a heartbeat (MIT-BIH) model bundle; it is "
                         + ("a 12-lead PTB-XL bundle" if "scaler_mean" in payload
                            else "something else"))
    if payload.get("beat_bundle_version") != BEAT_BUNDLE_VERSION:
        raise ValueError(f"{path} is not a version-{BEAT_BUNDLE_VERSION} beat bundle")
    kwargs = json.loads(payload["model_kwargs"])
    model = _build_cnnlstm(kwargs)
    model.load_state_dict(payload["state_dict"])
    model.eval()
    spec_d = json.loads(payload["spec"])
    if spec_d.get("band_hz") is not None:
        spec_d["band_hz"] = tuple(spec_d["band_hz"])
    return BeatBundle(model, kwargs, tuple(payload["classes"]), BeatSpec(**spec_d),
                      payload["normalize"], bool(payload["rr"]), bool(payload["median_beat"]),
                      tuple(payload["rr_features"]), int(payload["local_beats"]),
                      tuple(payload["train_records"]), json.loads(payload["info"]),
                      relative_to_median=bool(payload.get("relative_to_median", False)))


# --------------------------------------------------------------------------- training
def bundle_recipe(profile) -> mitbih.MitbihRecipe:
    """The benchmark's recipe of ``profile`` (:data:`ecgkit.experiments.mitbih.RECIPES`,
    ``sample`` for a profile without one) with one network: a bundle holds one, so the
    benchmark's average of several is not saved."""
    profile = config.as_profile(profile)
    return replace(mitbih.RECIPES.get(profile.name, mitbih.RECIPES["sample"]), n_models=1)


def _key(profile, seed: int, recipe, spec) -> str:
    text = json.dumps({"v": BEAT_BUNDLE_VERSION, "profile": profile.name,
                       "max_mitbih_records": profile.max_mitbih_records,
                       "recipe": asdict(recipe), "spec": asdict(spec), "seed": seed,
                       "code": train.training_code_fingerprint(mitbih),
                       "data": str(data.data_root().resolve())}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def beat_bundle_path(profile=None, seed: int = 0, recipe=None) -> Path:
    """Where :func:`train_beat_bundle` saves (and :func:`load_or_train_beat_bundle`
    looks for) the beat bundle: ``<cache_dir>/bundles/cnnlstm_beats-<profile>-<key>.pt``,
    the key a hash of the profile, the recipe, the beat spec, the seed, the data and the
    code that trains it (:func:`ecgkit.train.training_code_fingerprint`)."""
    profile = config.as_profile(profile)
    recipe = recipe or bundle_recipe(profile)
    key = _key(profile, seed, recipe, BeatSpec())
    return data.cache_dir() / "bundles" / f"cnnlstm_beats-{profile.name}-{key}.pt"


def train_beat_bundle(profile=None, path=None, seed: int = 0, recipe=None,
                      verbose: bool = True) -> BeatBundle:
    """Train the CNN-LSTM on DS1 beats (:data:`ecgkit.experiments.mitbih.RECIPES` of the
    profile) and save it as a beat bundle.

    The beat table and the split are those of the benchmark
    (:func:`ecgkit.data.beat_table.load_beat_table` with the profile's record cap and
    :func:`ecgkit.experiments.mitbih.split_indices` ``"inter"``): train on DS1, select the
    epoch on held-out DS1 records (on a random 10 % of the DS1 beats when the table
    holds fewer than 10 DS1 records), and report DS2 (never seen) in ``info["ds2_test"]``.
    """
    profile = config.as_profile(profile)
    recipe = recipe or bundle_recipe(profile)
    if recipe.n_models != 1:
        raise ValueError(f"a beat bundle holds one network; got a recipe with n_models="
                         f"{recipe.n_models}")
    path = Path(path) if path is not None else beat_bundle_path(profile, seed, recipe)
    t0 = time.perf_counter()
    table = beat_table.load_beat_table(profile.max_mitbih_records)
    idx = mitbih.split_indices(table, "inter", seed, recipe.val_fraction,
                               recipe.max_train_beats, recipe.val_by)
    y = table.y()
    X = recipe.model_inputs(table)
    model, history, train_s = mitbih.train_cnnlstm(
        X, y, idx["train"], idx["val"], recipe, seed, device=None, verbose=verbose)
    model = model.cpu().eval()
    train_records = sorted(set(table.records[idx["train"]]) | set(table.records[idx["val"]]))
    test_records = sorted(set(table.records[idx["test"]]))
    if set(train_records) & set(test_records):
        raise AssertionError("a record is on both sides of the inter-patient split")
    probs, infer_s = mitbih.predict_beats(model, X[idx["test"]], device="cpu")
    summary = metrics.aami_summary(y[idx["test"]], probs.argmax(1), table.records[idx["test"]])
    info = {"profile": profile.name, "seed": seed, "recipe": asdict(recipe),
            "trained_on": f"{len(idx['train'])} beats of {len(train_records)} DS1 records "
                          f"(MIT-BIH, inter-patient training side)",
            "test_records": test_records, "ds2_test": summary,
            "epochs_run": len(history), "best_epoch": history.best_epoch,
            "epoch_used": mitbih.epoch_used(history, recipe),
            "train_seconds": round(train_s, 1),
            "total_seconds": round(time.perf_counter() - t0, 1),
            "test_ms_per_beat": round(1000 * infer_s / max(1, len(idx["test"])), 4),
            "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    save_beat_bundle(model, table.spec, path, normalize=recipe.normalize, rr=recipe.rr,
                     median_beat=recipe.median_beat,
                     relative_to_median=recipe.relative_to_median,
                     train_records=train_records, info=info)
    if verbose:
        print(f"saved beat bundle to {path} ({info['total_seconds']} s; DS2 accuracy "
              f"{summary['accuracy']:.3f})")
    return load_beat_bundle(path)


def load_or_train_beat_bundle(profile=None, seed: int = 0, verbose: bool = True,
                              retrain: bool = False) -> BeatBundle:
    """The cached beat bundle of this configuration, else train it now (a couple of
    minutes with the ``sample`` profile on a laptop CPU); ``retrain=True`` trains even
    when the cache has it."""
    profile = config.as_profile(profile)
    path = beat_bundle_path(profile, seed)
    if path.is_file() and not retrain:
        try:
            bundle = load_beat_bundle(path)
            bundle.check_compatible()
            if verbose:
                print(f"loaded beat bundle from the cache: {path.name} ({bundle.describe()})")
            return bundle
        except (ValueError, RuntimeError) as err:
            if verbose:
                print(f"cached beat bundle {path.name} unusable ({err}); training again")
    return train_beat_bundle(profile, path, seed, verbose=verbose)
