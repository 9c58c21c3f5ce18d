"""The CNN-LSTM of the MIT-BIH benchmark: augmentation, training (one or an average), prediction."""
from __future__ import annotations

import hashlib
import json
import time
import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ecgkit import config, data, metrics, train
from ecgkit.data.mitbih import AAMI_CLASSES
from ecgkit.experiments.mitbih.recipe import RECIPES, MitbihRecipe, member_seeds
from ecgkit.models import CNNLSTM, MeanProbabilityEnsemble
from ecgkit.train.checkpoint import atomic_save, cpu_state

__all__ = ["BeatAugment", "train_cnnlstm", "epoch_used", "predict_beats"]


class BeatAugment:
    """Train-time augmentation of packed beat inputs ``(B, channels, L + n_rr)``.

    Patient-to-patient variation that a model should not learn as class evidence: the
    beat's amplitude (scaled by ``1 +- 0.2 * strength``), noise and baseline drift
    (Gaussian noise of ``0.05 * strength`` and a random linear trend on the z-scored
    beat), a shift of up to ``round(2 * strength)`` samples, and the RR features jittered
    by ``1 +- 0.05 * strength`` (multiplicatively). The median-beat channel is left as it
    is. ``strength=0`` returns the batch unchanged.
    """

    def __init__(self, n_rr: int = 5, strength: float = 1.0, seed: int = 0):
        self.n_rr, self.strength = int(n_rr), float(strength)
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self, xb):
        if self.strength <= 0:
            return xb
        g, s = self.generator, self.strength
        xb = xb.clone()
        n, length = xb.shape[0], xb.shape[-1] - self.n_rr
        beat = xb[:, 0, :length]
        shift = int(round(2 * s))
        if shift:
            k = int(torch.randint(-shift, shift + 1, (1,), generator=g))
            beat = torch.roll(beat, k, dims=1)
        scale = 1 + 0.2 * s * (2 * torch.rand(n, 1, generator=g) - 1)
        ramp = torch.linspace(-1, 1, length)[None, :]
        trend = 0.1 * s * torch.randn(n, 1, generator=g) * ramp
        noise = 0.05 * s * torch.randn(n, length, generator=g)
        xb[:, 0, :length] = beat * scale + trend + noise
        if self.n_rr:
            jitter = 1 + 0.05 * s * torch.randn(n, self.n_rr, generator=g)
            xb[:, 0, length:] = xb[:, 0, length:] * jitter
        return xb


def train_cnnlstm(X, y, train_idx, val_idx, recipe: MitbihRecipe = RECIPES["full"],
                  seed: int = 0, device=None, progress: bool = False, verbose: bool = True,
                  cache: bool = False):
    """Train a :class:`~ecgkit.models.CNNLSTM` on beats with :func:`ecgkit.train.fit`.

    Parameters
    ----------
    X : float32 (n, channels, L + n_rr), from :func:`ecgkit.data.model_inputs`.
    y : int64 (n,), AAMI class indices.
    train_idx, val_idx : rows to train on and to validate on (macro-F1 over N, S, V, F
        after each epoch). With ``recipe.select_epoch`` the model returned is that of the
        best validation epoch, else that of the last epoch.
    recipe : budget and imbalance handling; ``recipe.n_models > 1`` trains that many
        networks (seeds :func:`~ecgkit.experiments.mitbih.member_seeds`) and returns their
        :class:`~ecgkit.models.MeanProbabilityEnsemble`.

    cache : bool
        Keep the trained weights in ``ecgkit.data.cache_dir()/bench``, keyed by the
        inputs, the rows, the recipe, the seed, the device type and the code that trains
        (:func:`ecgkit.train.training_code_fingerprint`); a later call with the same key
        loads them (chapter 7b reads the networks chapter 7 trained). ``train_seconds``
        is then that of the original training.

    Returns
    -------
    (model, history of the first network, train_seconds of all)
    """
    if not isinstance(recipe.n_models, int) or recipe.n_models < 1:
        raise ValueError(f"recipe.n_models must be a positive integer, got {recipe.n_models!r}")
    path = _cache_file(X, y, train_idx, val_idx, recipe, seed, device) if cache else None
    if path is not None and path.is_file():
        return _load_cached(path, X, recipe)
    t0 = time.perf_counter()
    members, history = [], None
    for i, member_seed in enumerate(member_seeds(seed, recipe.n_models)):
        if verbose and recipe.n_models > 1:
            print(f"member {i + 1} of {recipe.n_models}")
        net, hist = _train_one_cnnlstm(X, y, train_idx, val_idx, recipe, member_seed,
                                       device, progress, verbose)
        members.append(net)
        if history is None:  # member 0's: the single network of this seed
            history = hist
    seconds = time.perf_counter() - t0
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_save({"members": [cpu_state(m) for m in members],
                           "history": history.records, "best_epoch": history.best_epoch,
                           "train_s": seconds}, path)
    model = members[0] if len(members) == 1 else MeanProbabilityEnsemble(members)
    return model, history, seconds


def _cache_file(X, y, train_idx, val_idx, recipe, seed, device) -> Path:
    digest = hashlib.sha256()
    for part in (X, y, train_idx, val_idx):
        digest.update(np.ascontiguousarray(part).tobytes())
    key = json.dumps({"data": digest.hexdigest(), "shape": list(np.shape(X)),
                      "recipe": asdict(recipe), "seed": seed,
                      "device": config.get_device(device).type,
                      "code": train.training_code_fingerprint(Path(__file__))},
                     sort_keys=True, default=str)
    name = f"cnnlstm_{hashlib.sha256(key.encode()).hexdigest()[:16]}.pt"
    return data.cache_dir() / "bench" / name


def _load_cached(path: Path, X, recipe):
    saved = torch.load(path, map_location="cpu", weights_only=True)
    members = []
    for state in saved["members"]:
        net = _new_cnnlstm(X, recipe)
        net.load_state_dict(state)
        members.append(net.eval())
    history = train.History(records=saved["history"], monitor="val_macro_f1_nsvf",
                            mode="max", best_epoch=saved["best_epoch"])
    model = members[0] if len(members) == 1 else MeanProbabilityEnsemble(members)
    return model, history, saved["train_s"]


def _new_cnnlstm(X, recipe) -> CNNLSTM:
    n_rr = 5 if recipe.rr else 0
    return CNNLSTM(n_classes=len(AAMI_CLASSES), n_leads=X.shape[1], n_rr=n_rr,
                   rr_path=recipe.rr_path,
                   morph_dropout=recipe.morph_dropout if recipe.rr_path == "additive" and n_rr
                   else 0.0)


def _train_one_cnnlstm(X, y, train_idx, val_idx, recipe, seed, device, progress, verbose):
    n_rr = 5 if recipe.rr else 0
    config.seed_everything(seed)
    model = _new_cnnlstm(X, recipe)
    y_train = y[train_idx]
    sampler = None
    if recipe.sampler is not None:
        sampler = train.make_weighted_sampler(
            y_train, num_samples=recipe.samples_per_epoch or len(train_idx),
            kind=recipe.sampler, generator=torch.Generator().manual_seed(seed))
    elif recipe.samples_per_epoch is not None:
        sampler = torch.utils.data.RandomSampler(
            range(len(train_idx)), replacement=True, num_samples=recipe.samples_per_epoch,
            generator=torch.Generator().manual_seed(seed))
    weight = None
    if recipe.loss_weights is not None:
        with warnings.catch_warnings():  # an absent class (Q in small tables) gets 0
            warnings.simplefilter("ignore", UserWarning)
            weight = train.class_weights(y_train, recipe.loss_weights,
                                         n_classes=len(AAMI_CLASSES))
    history = train.fit(
        model, (X[train_idx], y_train), (X[val_idx], y[val_idx]),
        loss_fn=nn.CrossEntropyLoss(weight=weight), metric_fn=metrics.macro_f1_nsvf,
        monitor="val_macro_f1_nsvf", mode="max", epochs=recipe.epochs,
        batch_size=recipe.batch_size, lr=recipe.lr, weight_decay=recipe.weight_decay,
        scheduler="onecycle", patience=None, device=device, sampler=sampler, seed=seed,
        transform=BeatAugment(n_rr, recipe.augment, seed) if recipe.augment > 0 else None,
        restore_best=recipe.select_epoch, progress=progress, verbose=verbose)
    return model, history


def epoch_used(history, recipe: MitbihRecipe) -> int:
    """The epoch whose weights :func:`train_cnnlstm` returned (best or last, per recipe)."""
    return history.best_epoch if recipe.select_epoch else len(history)


def predict_beats(model, X, batch_size: int = 512, device=None) -> tuple[np.ndarray, float]:
    """Softmax probabilities ``(n, 5)`` of a beat model, and the seconds it took.

    ``batch_size`` 512: on a 2-core CPU the CNN-LSTM calls about a third more beats per
    second than in batches of 1024 (whose activations no longer fit the caches)."""
    t0 = time.perf_counter()
    probs = train.predict(model, X, batch_size=batch_size, device=device,
                          activation="softmax")
    return probs, time.perf_counter() - t0
