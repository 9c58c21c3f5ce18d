"""Is an explanation faithful to the model? Deletion/insertion curves and a sanity check.

Deletion removes the most important patches first (a faithful map makes the class score
fall fast), insertion reveals them first (it should rise fast); a random ranking is the
control (Petsiuk et al. 2018). The randomisation check (Adebayo et al. 2018) explains a
model with re-initialised weights: maps that barely change show the input, not the model.
"""
from __future__ import annotations

import copy
import time
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import torch
from scipy.stats import rankdata
from torch import nn

from ecgkit.explain.attributions import eval_mode, explain, input_leads
from ecgkit.train import activate, model_logits

__all__ = [
    "patch_scores", "perturbation_curves", "curve_auc", "bootstrap_mean_ci",
    "evaluate_methods", "summarize", "randomize_weights", "rank_correlation",
    "randomization_check", "cascading_randomization",
]


# --------------------------------------------------------------------------- ranking
def patch_scores(attribution, patch: int) -> np.ndarray:
    """Sum an attribution over patches of ``patch`` samples: ``(N, L, T) -> (N, L, P)``.

    ``P = ceil(T / patch)``; the last patch may be shorter.
    """
    a = np.asarray(attribution, dtype=np.float64)
    if a.ndim != 3:
        raise ValueError(f"attribution must be (N, L, T), got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError("attribution contains NaN or inf")
    if patch < 1:
        raise ValueError(f"patch must be >= 1 sample, got {patch}")
    starts = np.arange(0, a.shape[-1], patch)
    return np.add.reduceat(a, starts, axis=-1)


def _ranking(scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Patch indices (flattened over leads x patches) from most to least important,
    ties (e.g. the leads an image model never reads, all 0) broken at random."""
    flat = scores.reshape(len(scores), -1)
    tie_break = rng.random(flat.shape)
    return np.stack([np.lexsort((tie_break[i], -flat[i])) for i in range(len(flat))])


def _checked_inputs(X, attribution, targets) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    x = X if torch.is_tensor(X) else torch.as_tensor(np.asarray(X))
    x = x.float()
    if x.dim() != 3:
        raise ValueError(f"X must be (N, L, T), got shape {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise ValueError("X contains NaN or inf")
    a = np.asarray(attribution)
    if a.shape != tuple(x.shape):
        raise ValueError(f"attribution {a.shape} must have the shape of X {tuple(x.shape)} "
                         "(one map per ECG, for its target class)")
    t = np.asarray(targets, dtype=np.int64).reshape(-1)
    if t.size == 1:
        t = np.repeat(t, len(x))
    if len(t) != len(x):
        raise ValueError(f"targets: one class per ECG ({len(x)}), got {len(t)}")
    return x, a, t


@torch.no_grad()
def perturbation_curves(model: nn.Module, X, attribution, targets, *, steps: int = 10,
                        patch: int = 25, baseline: float = 0.0,
                        activation: str | None = "sigmoid", seed: int = 0,
                        batch_size: int = 128, leads=None) -> dict:
    """Deletion and insertion curves of attributions.

    Parameters
    ----------
    model : takes ``(N, L, T)``, returns logits ``(N, C)``.
    X : ``(N, L, T)`` ECGs in the model's input units (standardised).
    attribution : ``(N, L, T)``, each ECG's map for its target class.
    targets : class index per ECG (or one for all).
    steps : the curves have ``steps + 1`` points, at fractions ``0, 1/steps, ..., 1``
        of the patches removed (deletion) or revealed (insertion).
    patch : samples per patch (25 = 0.25 s at 100 Hz); patches are ranked by their
        summed attribution (ties at random).
    baseline : value of a removed patch (0 = the lead's training mean).
    activation : the tracked score, ``"sigmoid"`` probability (multi-label), ``"softmax"``
        or None (logit).
    leads : indices of the leads whose patches are ranked, removed and revealed; default
        the leads the model reads (``model.input_leads`` where it has one, e.g. lead II
        for an image model of lead II; else all). Counting patches of leads the model
        never reads would make each step coarse: with lead II's 40 patches among 480,
        the first 10 % step would remove all of them whatever the ranking. The other
        leads stay as they are in deletion and flat (``baseline``) in insertion.

    Returns
    -------
    dict with ``fractions`` ``(steps + 1,)``, ``deletion`` and ``insertion``
    ``(N, steps + 1)`` scores of the target class.
    """
    x, a, t = _checked_inputs(X, attribution, targets)
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    n, n_leads, n_samples = x.shape
    leads = list(input_leads(model, n_leads, leads))
    order = _ranking(patch_scores(a, patch)[:, leads], np.random.default_rng(seed))
    n_patches = order.shape[1]  # (N, len(leads) * P)
    per_lead = n_patches // len(leads)
    fractions = np.linspace(0.0, 1.0, steps + 1)
    counts = np.round(fractions * n_patches).astype(int)
    # mask[i, k, l, s] = 1 where sample s of lead l is among the first counts[k] patches
    masks = np.zeros((n, steps + 1, n_leads, n_samples), dtype=bool)
    for i in range(n):
        ranks = np.empty(n_patches, dtype=int)
        ranks[order[i]] = np.arange(n_patches)
        sample_rank = np.repeat(ranks.reshape(len(leads), per_lead), patch, axis=1)[:, :n_samples]
        masks[i][:, leads] = sample_rank[None] < counts[:, None, None]
    masks = torch.from_numpy(masks).reshape(n * (steps + 1), n_leads, n_samples)
    # every perturbed version of every ECG in one stack, run in batches
    originals = x.repeat_interleave(steps + 1, dim=0)
    base = torch.full_like(originals, float(baseline))
    rows = torch.from_numpy(np.repeat(t, steps + 1))
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    out = {}
    try:
        for mode in ("deletion", "insertion"):
            xp = (torch.where(masks, base, originals) if mode == "deletion"
                  else torch.where(masks, originals, base))
            vals = []
            for b in range(0, len(xp), batch_size):
                logits = model_logits(model, xp[b:b + batch_size].to(device))
                scores = activate(logits, activation).cpu()
                vals.append(scores[torch.arange(len(scores)), rows[b:b + batch_size]])
            out[mode] = torch.cat(vals).numpy().astype(np.float64).reshape(n, steps + 1)
    finally:
        model.train(was_training)
    out["fractions"] = fractions
    return out


def curve_auc(fractions, scores) -> np.ndarray:
    """Area under each curve by the trapezoid rule: ``(N, K)`` -> ``(N,)``."""
    f = np.asarray(fractions, dtype=np.float64)
    s = np.asarray(scores, dtype=np.float64)
    if s.shape[-1] != len(f):
        raise ValueError(f"scores have {s.shape[-1]} points, fractions {len(f)}")
    return np.trapezoid(s, f, axis=-1)


# --------------------------------------------------------------------------- summaries
def bootstrap_mean_ci(values, n_boot: int = 1000, level: float = 0.95, seed: int = 0
                      ) -> tuple[float, float, float]:
    """Mean and percentile bootstrap interval of the mean over examples (ECGs).

    Returns ``(mean, low, high)``; NaN values are an error (a score that failed).
    """
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if len(v) == 0:
        raise ValueError("no values to summarise")
    if not np.isfinite(v).all():
        raise ValueError("values contain NaN or inf")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, len(v), (n_boot, len(v)))].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(v.mean()), float(low), float(high)


def evaluate_methods(model: nn.Module, X, methods: Sequence[str], targets=None, *,
                     background=None, steps: int = 10, patch: int = 25,
                     baseline: float = 0.0, seed: int = 0, explain_kwargs: dict | None = None,
                     model_name: str | None = None, keep: bool = False,
                     skip_unsupported: bool = True):
    """Explain ``X`` with each method and score the maps by deletion and insertion.

    Parameters
    ----------
    model, X : as in :func:`perturbation_curves`.
    methods : names from :data:`ecgkit.explain.METHODS` (``"random"`` is the control).
    targets : class per ECG; default the model's top class (the decision to explain).
    background : reference ECGs for SHAP.
    explain_kwargs : further arguments of :func:`ecgkit.explain.explain` (e.g.
        ``{"n_steps": 32, "window": 50}``).
    keep : also return the attributions and curves.
    skip_unsupported : a method the model does not support (attention without
        attention, DeepExplainer on an unsupported operation) is left out and its reason
        kept in ``frame.attrs["skipped"]`` instead of raising.

    Returns
    -------
    DataFrame, one row per (method, ECG): ``model``, ``method``, ``ecg`` (row of X),
    ``target``, ``deletion_auc`` (lower is better), ``insertion_auc`` (higher is better),
    ``score`` (= insertion - deletion), ``seconds`` (explanation time per ECG).
    With ``keep=True``: ``(frame, {method: {"attribution", "deletion", "insertion",
    "fractions"}})``.
    """
    x = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    if targets is None:
        with torch.no_grad():
            was = model.training
            model.eval()
            logits = model_logits(model, x.to(next(model.parameters()).device))
            model.train(was)
        targets = logits.argmax(1).cpu().numpy()
    targets = np.asarray(targets, dtype=np.int64).reshape(-1)
    kwargs = dict(explain_kwargs or {})
    rows, kept, skipped = [], {}, {}
    for method in methods:
        t0 = time.perf_counter()
        try:
            attr = explain(model, x, method, target=targets, background=background,
                           seed=seed, **kwargs)
        except ValueError as err:
            if not skip_unsupported:
                raise
            skipped[method] = str(err)
            continue
        seconds = (time.perf_counter() - t0) / len(x)
        curves = perturbation_curves(model, x, attr, targets, steps=steps, patch=patch,
                                     baseline=baseline, seed=seed)
        d = curve_auc(curves["fractions"], curves["deletion"])
        ins = curve_auc(curves["fractions"], curves["insertion"])
        for i in range(len(x)):
            rows.append({"model": model_name or type(model).__name__, "method": method,
                         "ecg": i, "target": int(targets[i]), "deletion_auc": d[i],
                         "insertion_auc": ins[i], "score": ins[i] - d[i],
                         "seconds": seconds})
        if keep:
            kept[method] = {"attribution": attr, **curves}
    frame = pd.DataFrame(rows)
    frame.attrs["skipped"] = skipped
    return (frame, kept) if keep else frame


def summarize(frame: pd.DataFrame, columns=("deletion_auc", "insertion_auc", "score"),
              by=("model", "method"), n_boot: int = 1000, seed: int = 0,
              level: float = 0.95) -> pd.DataFrame:
    """Mean and bootstrap interval (over ECGs) of each score, per model and method.

    Returns a DataFrame indexed by ``by`` with, per score column, ``<col>`` (mean),
    ``<col>_low``, ``<col>_high``; plus ``seconds_per_ecg`` and ``n_ecgs``.
    """
    missing = set(columns) | set(by)
    missing -= set(frame.columns)
    if missing:
        raise ValueError(f"frame lacks the columns {sorted(missing)}")
    out = []
    for key, group in frame.groupby(list(by), sort=False):
        row = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        for col in columns:
            m, lo, hi = bootstrap_mean_ci(group[col], n_boot, level, seed)
            row.update({col: m, f"{col}_low": lo, f"{col}_high": hi})
        if "seconds" in group:
            row["seconds_per_ecg"] = float(group["seconds"].mean())
        row["n_ecgs"] = len(group)
        out.append(row)
    return pd.DataFrame(out).set_index(list(by))


# --------------------------------------------------------------------------- sanity check
def _top_class(model, x: torch.Tensor) -> np.ndarray:
    """The class with the highest logit for each ECG, in eval mode (mode restored)."""
    with torch.no_grad(), eval_mode(model):
        return model_logits(model, x.to(next(model.parameters()).device)).argmax(1).cpu().numpy()


def randomize_weights(model: nn.Module, seed: int = 0,
                      modules: Iterable[str] | None = None) -> nn.Module:
    """A copy of ``model`` with re-initialised weights (Adebayo et al.'s random model).

    Every submodule with ``reset_parameters`` (convolutions, linear layers, batch norm,
    whose running statistics are reset too) is re-initialised with torch's default
    initialisation, seeded. ``modules``: names of submodules (as in
    ``model.named_modules()``) to randomise, default all; the rest keep their trained
    weights (for cascading randomisation), re-initialised in the order given, so that a
    seed gives the same weights in every process. The original model is not touched.
    """
    out = copy.deepcopy(model)
    # in the order given (not a set's, which changes between processes): the draws of a
    # seed then do not depend on PYTHONHASHSEED
    names = None if modules is None else list(dict.fromkeys(modules))
    known = dict(out.named_modules())
    if names is not None and not set(names) <= set(known):
        raise ValueError(f"unknown submodule(s) {sorted(set(names) - set(known))}")
    devices = {p.device for p in out.parameters()}
    gen_state = torch.get_rng_state()
    torch.manual_seed(seed)
    try:
        targets = [known[n] for n in names] if names is not None else [out]
        for root in targets:
            for module in root.modules():
                if hasattr(module, "reset_running_stats"):
                    module.reset_running_stats()
                if hasattr(module, "reset_parameters"):
                    module.reset_parameters()
    finally:
        torch.set_rng_state(gen_state)
    if len(devices) == 1:
        out.to(devices.pop())
    return out


def rank_correlation(a, b, absolute: bool = True) -> np.ndarray:
    """Spearman rank correlation between two maps per example: ``(N, ...)`` -> ``(N,)``.

    ``absolute``: compare ``|a|`` with ``|b|`` (importance regardless of sign, as
    Adebayo et al. do). A constant map has no ranking: its correlation is 0.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"maps differ in shape: {a.shape} vs {b.shape}")
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    if absolute:
        a, b = np.abs(a), np.abs(b)
    ra, rb = rankdata(a, axis=1), rankdata(b, axis=1)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    denom = np.sqrt((ra ** 2).sum(1) * (rb ** 2).sum(1))
    return np.where(denom > 0, (ra * rb).sum(1) / np.where(denom > 0, denom, 1), 0.0)


def _lead_mask(model: nn.Module, shape) -> np.ndarray:
    leads = list(input_leads(model, shape[1]))
    mask = np.zeros(shape[1], dtype=bool)
    mask[leads] = True
    return mask


def randomization_check(model: nn.Module, X, methods: Sequence[str], targets=None, *,
                        background=None, seed: int = 0, threshold: float = 0.5,
                        explain_kwargs: dict | None = None, model_name: str | None = None,
                        attributions: dict | None = None) -> pd.DataFrame:
    """Model-randomisation test: rank correlation of maps, trained vs random weights.

    Parameters
    ----------
    model, X, targets, background : as in :func:`evaluate_methods`.
    methods : methods to test.
    threshold : a method *fails* when the mean rank correlation exceeds it (its maps
        stay nearly the same for a model that learnt nothing).
    attributions : ``{method: (N, L, T)}`` maps of the trained model already computed
        (e.g. by :func:`evaluate_methods` with ``keep=True``), to save time.

    Returns
    -------
    DataFrame, one row per method: ``model``, ``method``, ``spearman`` (mean |map| rank
    correlation over ECGs), ``spearman_low``, ``spearman_high`` (bootstrap 95 %),
    ``passes`` (``spearman <= threshold``). Only the leads the model reads are compared
    (an image model of lead II ignores the other 11, whose maps are 0 under any weights).
    """
    x = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    if targets is None:
        targets = _top_class(model, x)
    targets = np.asarray(targets, dtype=np.int64).reshape(-1)
    random_model = randomize_weights(model, seed=seed + 1)
    kwargs = dict(explain_kwargs or {})
    mask = _lead_mask(model, x.shape)
    rows = []
    for method in methods:
        if attributions is not None and method in attributions:
            trained = np.asarray(attributions[method])
        else:
            trained = explain(model, x, method, target=targets,
                              background=background, seed=seed, **kwargs)
        randomised = explain(random_model, x, method, target=targets,
                             background=background, seed=seed, **kwargs)
        rho = rank_correlation(trained[:, mask], randomised[:, mask])
        m, lo, hi = bootstrap_mean_ci(rho, seed=seed)
        rows.append({"model": model_name or type(model).__name__, "method": method,
                     "spearman": m, "spearman_low": lo, "spearman_high": hi,
                     "passes": bool(m <= threshold)})
    return pd.DataFrame(rows)


def cascading_randomization(model: nn.Module, X, method: str, stages: Sequence[str],
                            targets=None, *, background=None, seed: int = 0,
                            explain_kwargs: dict | None = None) -> pd.DataFrame:
    """Randomise the model stage by stage from the output down (Adebayo et al., Fig. 2).

    ``stages``: submodule names from the top (head) to the bottom (first layer), e.g.
    ``["head", "lead_attention", "temporal_attention", "encoder"]``. After each stage is
    randomised (keeping the ones above it random), the map is compared with the trained
    model's. Returns a DataFrame with ``stage`` (``"none"`` first: the trained model
    against itself, 1 by construction) and ``spearman`` (mean over ECGs).
    """
    x = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    kwargs = dict(explain_kwargs or {})
    if targets is None:
        targets = _top_class(model, x)
    reference = explain(model, x, method, target=targets, background=background,
                        seed=seed, **kwargs)
    mask = _lead_mask(model, x.shape)
    rows = [{"stage": "none", "spearman": 1.0}]
    randomised: list[str] = []
    for stage in stages:
        randomised.append(stage)
        m = randomize_weights(model, seed=seed + 1, modules=randomised)
        maps = explain(m, x, method, target=targets, background=background,
                       seed=seed, **kwargs)
        rows.append({"stage": stage,
                     "spearman": float(rank_correlation(reference[:, mask],
                                                        maps[:, mask]).mean())})
    return pd.DataFrame(rows)
