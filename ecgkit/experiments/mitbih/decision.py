"""How beats are called from class probabilities: S threshold, prior correction, choice.

The rule (:class:`BeatDecision`) is chosen on the training side only (validation beats or
out-of-fold predictions), by macro-F1 over N, S, V, F.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ecgkit import metrics
from ecgkit.data.mitbih import AAMI_CLASSES
from ecgkit.experiments.mitbih.recipe import S_THRESHOLDS, MitbihRecipe

__all__ = ["decide_beats", "adjust_for_prior", "check_s_threshold", "choose_s_threshold",
           "PRIOR_WEIGHTS", "prior_ratio", "BeatDecision", "choose_decision",
           "decision_weights", "decision_on_validation"]

PRIOR_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


def decide_beats(probs, s_threshold: float | None = None) -> np.ndarray:
    """AAMI class of each beat from class probabilities, with an optional S threshold.

    Parameters
    ----------
    probs : (n, 5) probabilities of N, S, V, F, Q (rows sum to 1).
    s_threshold : None takes the most probable class. A number t in (0, 1) also calls S
        every beat whose most probable class is N but whose S probability exceeds t;
        beats called V, F or Q stay as they are.

    Returns
    -------
    int64 (n,) class indices into ``data.AAMI_CLASSES``.

    Why: on new patients, an S beat that looks like the patient's normal beat gets a
    small S probability (say 0.05) but still a larger one than the normal beats around
    it. Calling S above a low threshold trades +P for sensitivity. The threshold must be
    chosen on training patients (:func:`choose_s_threshold`), never on the test side.
    """
    probs = np.asarray(probs)
    n_classes = len(AAMI_CLASSES)
    if probs.ndim != 2 or probs.shape[1] != n_classes:
        raise ValueError(f"probs must be (n, {n_classes}), got shape {probs.shape}")
    if not np.isfinite(probs).all():
        raise ValueError("probs contain NaN or inf")
    s_threshold = check_s_threshold(s_threshold)
    pred = probs.argmax(axis=1)
    if s_threshold is not None:
        pred[(pred == 0) & (probs[:, 1] > s_threshold)] = 1
    return pred


def adjust_for_prior(probs, prior_ratio, weight: float) -> np.ndarray:
    """Probabilities moved from the class mix a model was trained on towards another one.

    Parameters
    ----------
    probs : (n, 5) probabilities of N, S, V, F, Q (rows sum to 1).
    prior_ratio : (5,) how much more frequent each class is where the model is used than
        in the mix its training loss saw (:func:`prior_ratio`; only ratios between
        classes matter). 0 for a class the training side lacks.
    weight : 0 leaves ``probs`` as they are; 1 is Bayes' rule,
        ``p(c | x) * ratio_c`` renormalised; values between correct part of the way.

    Returns
    -------
    float (n, 5), rows summing to 1.

    Why: a model trained with balanced sampling and class weights learns class scores for
    a world where S beats are as common as N beats, and calls too many beats S, V or F
    where N is 90 % of the beats. Correcting is right only when the new beats have the
    training side's class mix (a random split of the same patients); a new patient's mix
    is unknown (record 232 is mostly S beats).
    """
    probs = np.asarray(probs, dtype=np.float64)
    ratio = np.asarray(prior_ratio, dtype=np.float64)
    if probs.ndim != 2 or ratio.shape != (probs.shape[1],):
        raise ValueError(f"probs (n, C) and prior_ratio (C,) do not match: {probs.shape}, "
                         f"{ratio.shape}")
    if not (np.isfinite(probs).all() and np.isfinite(ratio).all()):
        raise ValueError("probs or prior_ratio contain NaN or inf")
    if (ratio < 0).any() or not (ratio > 0).any():
        raise ValueError(f"prior_ratio must be >= 0 with one class > 0, got {ratio}")
    if isinstance(weight, bool) or not 0 <= weight <= 1:
        raise ValueError(f"weight must be in [0, 1], got {weight!r}")
    if weight == 0:
        return probs
    adjusted = probs * ratio ** weight
    total = adjusted.sum(axis=1, keepdims=True)
    # a beat whose every probable class is absent from training keeps its probabilities
    return np.where(total > 0, adjusted / np.where(total > 0, total, 1), probs)


def check_s_threshold(s_threshold) -> float | None:
    """``s_threshold`` as a float in (0, 1), or None; ValueError naming it otherwise."""
    if s_threshold is None:
        return None
    if (isinstance(s_threshold, bool) or not isinstance(s_threshold, (int, float, np.floating))
            or not 0 < s_threshold < 1):
        raise ValueError(f"s_threshold must be a number in (0, 1) or None, got {s_threshold!r}")
    return float(s_threshold)


def choose_s_threshold(y_true, probs, grid=S_THRESHOLDS) -> tuple[float | None, dict]:
    """The S threshold of :func:`decide_beats` with the best macro-F1.

    Parameters
    ----------
    y_true : (n,) true classes of beats the test never sees (validation records, or the
        out-of-fold predictions of :func:`~ecgkit.experiments.mitbih.gbm_out_of_fold` on
        the training side).
    probs : (n, 5) the model's probabilities for those beats.
    grid : thresholds to try.

    Returns
    -------
    (threshold, scores): the threshold with the highest macro-F1 over N, S, V, F (None,
    i.e. plain argmax, when the beats hold no S beat or no threshold beats argmax);
    ``scores`` maps ``"argmax"`` and each threshold to its macro-F1. Ties go to the
    larger threshold (fewer S calls).
    """
    y_true = np.asarray(y_true)
    score = lambda pred: (metrics.aami_summary(y_true, pred)["macro_f1_nsvf"]  # noqa: E731
                          or 0.0)
    scores = {"argmax": score(decide_beats(probs))}
    for t in sorted(grid, reverse=True):
        scores[float(t)] = score(decide_beats(probs, float(t)))
    if not (y_true == 1).any():
        return None, scores
    best = max(scores, key=lambda k: (scores[k], 1.0 if k == "argmax" else k))
    return (None if best == "argmax" else best), scores


def prior_ratio(y_train, sampler: str | None = "sqrt", loss_weights: str | None = "sqrt"
                ) -> np.ndarray:
    """(5,) class frequencies of the training side over the class mix its loss saw.

    ``sampler`` (:func:`ecgkit.train.make_weighted_sampler` kind) and ``loss_weights``
    (:func:`ecgkit.train.class_weights` kind) each multiply class c's share by
    ``1 / n_c`` (``"inverse"``) or ``1 / sqrt(n_c)`` (``"sqrt"``); with both ``"sqrt"``
    every class counted as much as N, and the ratio is the training side's class
    frequencies. Scaled so that its largest entry is 1; 0 for absent classes.
    Feeds :func:`adjust_for_prior`.
    """
    counts = np.bincount(np.asarray(y_train), minlength=5).astype(np.float64)
    present = counts > 0
    if not present.any():
        raise ValueError("no training labels")
    inverse = np.where(present, 1.0 / np.where(present, counts, 1.0), 0.0)
    seen = counts.copy()
    for kind in (sampler, loss_weights):
        if kind == "sqrt":
            seen *= np.sqrt(inverse)
        elif kind == "inverse":
            seen *= inverse
        elif kind is not None:
            raise ValueError(f"unknown balancing kind {kind!r}; use 'sqrt', 'inverse' or None")
    ratio = np.where(present, counts / np.where(present, seen, 1.0), 0.0)
    return ratio / ratio.max()


@dataclass(frozen=True)
class BeatDecision:
    """How beats are called from a model's probabilities: first the prior correction
    (:func:`adjust_for_prior` with ``prior_weight``), then :func:`decide_beats` with
    ``s_threshold``. The default is plain argmax."""

    prior_weight: float = 0.0
    prior_ratio: tuple | None = None
    s_threshold: float | None = None

    def probabilities(self, probs) -> np.ndarray:
        """(n, 5) probabilities after the prior correction (unchanged at weight 0)."""
        if not self.prior_weight:
            return np.asarray(probs)
        return adjust_for_prior(probs, np.asarray(self.prior_ratio), self.prior_weight)

    def __call__(self, probs) -> np.ndarray:
        """(n,) class indices for (n, 5) probabilities."""
        return decide_beats(self.probabilities(probs), self.s_threshold)

    def label(self) -> str:
        """Short name: ``"argmax"``, ``"S threshold 0.1"``, ``"prior weight 0.75"``..."""
        parts = ([f"prior weight {self.prior_weight:g}"] if self.prior_weight else []) + (
            [f"S threshold {self.s_threshold:g}"] if self.s_threshold is not None else [])
        return ", ".join(parts) or "argmax"

    def describe(self) -> str:
        """The rule in words, as the result's ``protocol["decision"]`` states it."""
        parts = [] if not self.prior_weight else [
            f"probabilities moved {self.prior_weight:g} of the way to the training side's "
            "class mix"]
        parts.append("argmax" if self.s_threshold is None else
                     f"argmax, but S when the argmax is N and p(S) > {self.s_threshold:g}")
        return "; ".join(parts)


def choose_decision(y_true, probs, ratio=None, weights=(0.0,), s_threshold="auto"
                    ) -> tuple[BeatDecision, dict]:
    """The :class:`BeatDecision` with the best macro-F1 over N, S, V, F on held-out beats.

    Parameters
    ----------
    y_true, probs : true classes ``(n,)`` and probabilities ``(n, 5)`` of beats the test
        never sees (validation beats, or out-of-fold predictions of the training side).
    ratio : :func:`prior_ratio` of the training side (needed when a weight > 0 is tried).
    weights : prior weights to try (``(0.0,)``: no correction).
    s_threshold : ``"auto"`` chooses it (:func:`choose_s_threshold`) for each weight;
        None (argmax) or a number fixes it.

    Returns
    -------
    (decision, scores): ``scores[weight]`` is the macro-F1 per S threshold tried with that
    weight. Ties go to the smaller weight.
    """
    weights = sorted(float(w) for w in weights)
    if any(w > 0 for w in weights) and ratio is None:
        raise ValueError("a prior weight > 0 needs the training side's prior ratio")
    fixed = not (isinstance(s_threshold, str) and s_threshold == "auto")
    best, scores = None, {}
    for w in weights:
        adjusted = adjust_for_prior(probs, ratio, w) if w else np.asarray(probs)
        if fixed:
            t = check_s_threshold(s_threshold)
            sc = {"argmax" if t is None else t:
                  metrics.aami_summary(y_true, decide_beats(adjusted, t))["macro_f1_nsvf"]
                  or 0.0}
        else:
            t, sc = choose_s_threshold(y_true, adjusted)
        scores[w] = sc
        score = sc["argmax" if t is None else t]
        if best is None or score > best[0]:
            best = (score, BeatDecision(w, None if ratio is None else
                                        tuple(float(r) for r in ratio), t))
    return best[1], scores


def decision_weights(recipe: MitbihRecipe, patientwise: bool) -> tuple[float, ...]:
    """Prior weights to choose from on validation: the recipe's fixed one, or with
    ``"auto"`` all of :data:`PRIOR_WEIGHTS` for beat-wise validation and none (0) for
    patient-wise validation."""
    if recipe.prior_weight == "auto":
        return (0.0,) if patientwise else PRIOR_WEIGHTS
    w = recipe.prior_weight
    if isinstance(w, bool) or not isinstance(w, (int, float)) or not 0 <= w <= 1:
        raise ValueError(f"prior_weight must be 'auto' or a number in [0, 1], got {w!r}")
    return (float(w),)


def decision_on_validation(recipe: MitbihRecipe, y_train, y_val, probs_val, patientwise: bool,
                           s_threshold="auto") -> tuple[BeatDecision, dict]:
    """The CNN-LSTM's :class:`BeatDecision`, chosen on its validation beats.

    ``y_train``: the classes it was trained on (for :func:`prior_ratio` under the recipe's
    sampler and loss weights); ``patientwise``: whether the validation beats are whole
    held-out patients (then the prior weight stays 0 under ``prior_weight="auto"``).
    """
    ratio = prior_ratio(y_train, recipe.sampler, recipe.loss_weights)
    return choose_decision(y_val, probs_val, ratio, decision_weights(recipe, patientwise),
                           s_threshold)
