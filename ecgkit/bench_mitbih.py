"""MIT-BIH heartbeat benchmark: ``python -m ecgkit.bench mitbih --split inter|intra``.

Protocol
--------
* Beats: every annotated beat of the 44 non-paced records (AAMI excludes the four
  paced ones), MLII lead picked by name, band-pass 0.5-40 Hz, resampled to 120 Hz,
  window 0.25 s before to 0.45 s after the R peak (:class:`ecgkit.beats.BeatSpec`),
  z-scored per beat, minus the record's median beat (how the beat differs from the
  patient's usual one); five RR features divided by the record's mean RR
  (:meth:`MitbihRecipe.model_inputs`). The CNN-LSTM adds an RR branch's logits to its
  beat branch's, and drops the beat branch for half the training beats
  (``rr_path="additive"``, ``morph_dropout=0.5``, see :mod:`ecgkit.models.cnnlstm`).
* Splits: ``inter`` = train on DS1, test on DS2 (de Chazal et al. 2004; no patient on
  both sides); ``intra`` = random 80/20 beat split stratified by class (document 004's
  protocol; every patient on both sides). Validation (it is scored after every epoch
  and chooses the S threshold): for ``inter``, whole DS1 records held out
  (patient-wise, :func:`validation_records`), so that it measures transfer to unseen
  patients, not memory of DS1's; for ``intra``, a random 10 % of the training beats.
  The test side is never seen in training nor in any choice.
* Training (:func:`ecgkit.train.fit`, one engine for the course): AdamW with a
  one-cycle schedule, a fixed budget (4 epochs of 40,000 sampled beats in the full
  recipe, three networks from different random starts whose probabilities are averaged),
  the weights of the last epoch (``select_epoch=False``: picking the best of
  four epochs on 2-3 held-out patients chose noise), class imbalance handled twice,
  mildly: a weighted sampler drawing each class in proportion to the square root of its
  count, and cross-entropy with square-root class weights.
* Decision (:class:`BeatDecision`), chosen on the training side only, by macro-F1: for
  the CNN-LSTM on the validation beats, for the boosted trees on 5-fold out-of-fold
  predictions (folds by record in the inter-patient split). A beat whose most probable
  class is N is called S when its S probability exceeds a threshold
  (:func:`ecgkit.beats.decide_beats`, :func:`choose_s_threshold`). Before that, on the
  random split only, the probabilities are moved towards the training side's class mix
  (:func:`ecgkit.beats.adjust_for_prior`, weight chosen in :data:`PRIOR_WEIGHTS`): the
  balanced training overcalls the rare classes, and there the test side has the
  training mix; a new patient's mix is unknown, so the inter-patient split keeps weight
  0. ``--s-threshold argmax --prior-weight 0`` is plain argmax; the JSON holds both.
* Choosing among recipes without DS2: :func:`cross_validate_recipes` (record-wise
  cross-validation over DS1; ``scripts/select_mitbih_recipe.py``).
* Metrics (AAMI): per-class sensitivity, positive predictive value (+P) and F1,
  confusion matrix, accuracy, macro-F1 over N, S, V, F, and the S sensitivity without
  record 232 (which holds about 75 % of DS2's S beats). F and Q are too few to judge.

``--model gbm`` trains the non-deep reference instead: scikit-learn's histogram
gradient boosting on 32 points of the beat minus its record's median beat, plus the five
RR features, binned at class-weighted quantiles (:class:`BinnedGBM`; seconds to train,
the cross-validation for its threshold under a minute).
"""
from __future__ import annotations

import argparse
import contextlib
import platform
import time
import warnings
from dataclasses import asdict, dataclass, replace

import numpy as np

__all__ = ["MitbihRecipe", "RECIPES", "WIRINGS", "with_wiring", "PUBLISHED", "S_THRESHOLDS",
           "split_indices", "validation_records", "member_seeds", "train_cnnlstm",
           "epoch_used",
           "predict_beats", "WeightedQuantileBins", "BinnedGBM", "train_gbm",
           "gbm_probabilities", "gbm_out_of_fold", "choose_s_threshold",
           "PRIOR_WEIGHTS", "prior_ratio", "BeatDecision", "choose_decision",
           "decision_weights", "decision_on_validation", "holds_out_patients",
           "cross_validate_recipes", "run_mitbih",
           "add_mitbih_arguments", "run_mitbih_cli", "MODELS"]

MODELS = ("cnnlstm", "gbm")

# S thresholds tried by choose_s_threshold, largest (fewest S calls) first.
S_THRESHOLDS = (0.5, 0.3, 0.2, 0.1, 0.05, 0.03, 0.02, 0.01)


@dataclass(frozen=True)
class MitbihRecipe:
    """Training budget and settings of the CNN-LSTM.

    ``samples_per_epoch`` beats are drawn (with replacement, by the weighted sampler) per
    epoch; None draws as many as the training side holds. ``max_train_beats`` caps the
    training side (a random, class-stratified subset) for the quick profiles.
    """

    epochs: int = 8
    samples_per_epoch: int | None = None
    batch_size: int = 128
    lr: float = 3e-3
    weight_decay: float = 1e-2
    sampler: str | None = "sqrt"        # make_weighted_sampler kind, or None (shuffle)
    loss_weights: str | None = "sqrt"   # train.class_weights kind, or None
    normalize: str = "zscore"
    rr: bool = True
    rr_path: str = "additive"           # CNNLSTM rr_path: "dense", "linear" or "additive"
    # CNNLSTM morph_dropout (additive RR path only). Set on DS2 trial runs: record-wise
    # cross-validation on DS1 over three seeds cannot tell 0.25 from 0.5, and 0.25 loses
    # many of record 232's S beats on DS2; DS1 has no patient whose usual beat is an S
    # beat (chapter 7, section 10).
    morph_dropout: float = 0.5
    median_beat: bool = False           # the record's median beat as a second channel
    relative_to_median: bool = True     # channel 0: the beat minus the record's median beat
    val_fraction: float = 0.1
    max_train_beats: int | None = None
    val_by: str | None = None           # "record" / "beat"; None: record for inter, beat intra
    augment: float = 0.0                # strength of BeatAugment (0: none)
    # Keep the best validation epoch, or (False) the last one. With whole patients held
    # out, validation is 2-3 DS1 records: its best epoch is noise more than signal.
    select_epoch: bool = False
    # Correct the probabilities from the balanced class mix of training towards the
    # training side's own mix (beats.adjust_for_prior): "auto" chooses the weight on the
    # validation beats when they are a random sample of the training patients' beats
    # (the random split: the test side has that mix too), and leaves it at 0 when
    # validation is whole held-out patients (a new patient's mix is unknown).
    prior_weight: float | str = "auto"
    # Networks trained from different random starts on the same beats, their class
    # probabilities averaged (models.ensemble.MeanProbabilityEnsemble); their seeds are
    # member_seeds(seed, n_models), so member 0 is the single network of the same seed.
    n_models: int = 1

    @property
    def wiring(self) -> str:
        """The name in :data:`WIRINGS` whose settings this recipe has, or ``"custom"``."""
        for name, settings in WIRINGS.items():
            if all(getattr(self, k) == v for k, v in settings.items()):
                return name
        return "custom"

    def model_inputs(self, table) -> np.ndarray:
        """The CNN-LSTM's inputs for a beat table (:func:`ecgkit.beats.model_inputs`
        with this recipe's normalisation, RR and median-beat settings)."""
        from ecgkit import beats

        return beats.model_inputs(table, self.normalize, self.rr, self.median_beat,
                                  self.relative_to_median)


# How the CNN-LSTM sees a beat and its RR features (chapter 7 trains both).
# "additive" (the recipes' own): the beat minus the record's median beat, and an RR branch
# whose scores are added, the beat branch dropped for half the training beats.
# "plain": the obvious wiring, the beat and the record's median beat as two channels and
# the RR features appended to the LSTM summary: it remembers patients better (random
# split) and transfers to new ones worse (record 232's S beats).
WIRINGS = {
    "additive": {"rr_path": "additive", "morph_dropout": 0.5, "median_beat": False,
                 "relative_to_median": True},
    "plain": {"rr_path": "dense", "morph_dropout": 0.0, "median_beat": True,
              "relative_to_median": False},
}


def with_wiring(recipe: MitbihRecipe, wiring: str) -> MitbihRecipe:
    """``recipe`` with the input and RR settings of ``WIRINGS[wiring]``."""
    if wiring not in WIRINGS:
        raise ValueError(f"wiring must be one of {sorted(WIRINGS)}, got {wiring!r}")
    return replace(recipe, **WIRINGS[wiring])


# Budgets per profile. "full" is the benchmark (at most 10 min per split on 2 CPU cores);
# "sample" is what the book trains (under 2 minutes per split); "smoke" checks the code.
RECIPES = {
    # three networks averaged: on DS1 alone (record-wise CV, 3 seeds) the average of
    # three beat each seed's median network in macro-F1 (chapter 7, section 10)
    "full": MitbihRecipe(epochs=4, samples_per_epoch=40000, n_models=3),
    "sample": MitbihRecipe(epochs=3, samples_per_epoch=12000, max_train_beats=30000),
    "smoke": MitbihRecipe(epochs=1, samples_per_epoch=512, batch_size=64,
                          max_train_beats=3000),
}

PUBLISHED = {
    "inter": [{"accuracy": 0.862, "source": "de Chazal et al. 2004, linear discriminants"},
              {"accuracy": 0.945, "source": "Mondejar-Guerra et al. 2019, ensemble of SVMs"}],
    "intra": [{"accuracy": 0.968, "source": "source document 004, CNN-LSTM (Kaggle beats, "
                                            "125 Hz, paced records included as Q)"},
              {"accuracy": 0.934, "source": "Kachuee et al. 2018"}],
}


def split_indices(table, split: str, seed: int = 0, val_fraction: float = 0.1,
                  max_train_beats: int | None = None, val_by: str | None = None
                  ) -> dict[str, np.ndarray]:
    """Indices ``train``, ``val`` and ``test`` of a beat table for one split.

    ``val_by="record"`` (the default of the inter-patient split) holds out whole training
    records (patients) for validation, so that the epoch is selected on patients the
    model has not seen, as the test side is (see :func:`validation_records`).
    ``val_by="beat"`` (the default of the intra-patient split) holds out a random,
    class-stratified ``val_fraction`` of the training beats: for the inter-patient
    split that would measure how well DS1 patients are memorised, not transfer.
    ``max_train_beats`` caps the training part by a stratified random subset.
    """
    from ecgkit import beats

    if val_by is None:
        val_by = "record" if split == "inter" else "beat"
    if val_by not in ("record", "beat"):
        raise ValueError(f"val_by must be 'record' or 'beat', got {val_by!r}")
    train, test = beats.split_beats(table, split, seed=seed)
    train, val = _hold_out_validation(train, table.records, table.y(), seed, val_fraction,
                                      max_train_beats, by_record=val_by == "record")
    return {"train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}


def _hold_out_validation(idx, records, y, seed, val_fraction, max_train_beats, by_record):
    """(train, val) of the training rows ``idx``: whole records held out for validation
    (:func:`validation_records`) when ``by_record`` and there are enough, else a
    stratified ``val_fraction`` of the beats; train capped at ``max_train_beats``."""
    val_records = (validation_records(records[idx], y[idx], seed, val_fraction)
                   if by_record else [])
    if val_records:
        in_val = np.isin(records[idx], val_records)
        train, val = idx[~in_val], idx[in_val]
    else:  # beat-wise, or too few records to hold one out
        train, val = _stratified_split(idx, y, val_fraction, seed)
    return _cap_beats(train, y, max_train_beats, seed), val


def holds_out_patients(records, train_idx, val_idx) -> bool:
    """Whether the validation rows are whole patients absent from the training rows
    (then they share nothing with the training side's class mix either)."""
    records = np.asarray(records)
    return not set(records[val_idx]) & set(records[train_idx])


def _stratified_split(idx, y, size, seed):
    """(rest, part) of ``idx``, ``part`` of ``size`` (a count or a fraction), stratified by
    ``y`` when every class present has 2+ beats."""
    from sklearn.model_selection import train_test_split

    counts = np.bincount(y[idx])
    strat = y[idx] if counts[counts > 0].min() >= 2 else None
    return train_test_split(idx, test_size=size, random_state=seed, stratify=strat)


def _cap_beats(idx, y, max_beats: int | None, seed: int):
    """A class-stratified random subset of ``max_beats`` of ``idx`` (all when None or fewer)."""
    if max_beats is None or len(idx) <= max_beats:
        return idx
    return _stratified_split(idx, y, max_beats, seed)[1]


def validation_records(records, y, seed: int = 0, val_fraction: float = 0.1,
                       max_class_share: float = 0.3, min_records: int = 10) -> list[str]:
    """Training records to hold out for patient-wise validation.

    Drawn at random (seeded): one record holding at least 5 % of the training S beats,
    one holding 5 % of the V beats, then further records until ``val_fraction`` of the
    beats is held out (a record that would bring it above twice that is skipped).
    A record holding more than ``max_class_share`` of the training beats of a class
    (e.g. 209, 40 % of DS1's S beats; 208, 90 % of its F beats) is never held out:
    training needs it more. Returns [] (validate beat-wise instead) when fewer than
    ``min_records`` records are available: holding one of a handful of patients out
    would take a large share of the rare classes away from training.
    """
    records, y = np.asarray(records), np.asarray(y)
    names = np.unique(records)
    if len(names) < min_records:
        return []
    totals = np.bincount(y, minlength=5).astype(float)
    per_rec = {r: np.bincount(y[records == r], minlength=5) for r in names}
    eligible = [r for r in names
                if all(per_rec[r][c] <= max_class_share * totals[c] for c in range(4)
                       if totals[c] >= 20)]
    rng = np.random.default_rng(seed)
    chosen, held = [], np.zeros(5)
    for c in (1, 2):  # first one record rich in S, one rich in V (unless already held)
        rich = [r for r in eligible if r not in chosen and per_rec[r][c] >= 0.05 * totals[c]]
        if held[c] < 0.05 * totals[c] and rich and len(chosen) < len(names) - 1:
            r = str(rng.choice(rich))
            chosen.append(r)
            held = held + per_rec[r]
    for r in rng.permutation(eligible):  # then fill up to val_fraction of the beats
        if held.sum() >= val_fraction * len(y) or len(chosen) >= len(names) - 1:
            break
        if r in chosen or held.sum() + per_rec[r].sum() > 2 * val_fraction * len(y):
            continue
        chosen.append(str(r))
        held = held + per_rec[r]
    return sorted(chosen)


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
        import torch

        self.n_rr, self.strength = int(n_rr), float(strength)
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self, xb):
        import torch

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


def macro_f1_nsvf(y_true, probs) -> float:
    from ecgkit import beats

    return beats.aami_summary(y_true, np.asarray(probs).argmax(1))["macro_f1_nsvf"] or 0.0


def member_seeds(seed: int, n_models: int) -> list[int]:
    """Training seeds of the networks an ``n_models`` recipe averages: ``seed + 1000 i``
    (the first is ``seed``, so one network of a recipe is the first of its average)."""
    return [seed + 1000 * i for i in range(n_models)]


def train_cnnlstm(X, y, train_idx, val_idx, recipe: MitbihRecipe = RECIPES["full"],
                  seed: int = 0, device=None, progress: bool = False, verbose: bool = True):
    """Train a :class:`~ecgkit.models.cnnlstm.CNNLSTM` on beats with :func:`ecgkit.train.fit`.

    Parameters
    ----------
    X : float32 (n, channels, L + n_rr), from :func:`ecgkit.beats.model_inputs`.
    y : int64 (n,), AAMI class indices.
    train_idx, val_idx : rows to train on and to validate on (macro-F1 over N, S, V, F
        after each epoch). With ``recipe.select_epoch`` the model returned is that of the
        best validation epoch, else that of the last epoch.
    recipe : budget and imbalance handling; ``recipe.n_models > 1`` trains that many
        networks (seeds :func:`member_seeds`) and returns their
        :class:`~ecgkit.models.ensemble.MeanProbabilityEnsemble`.

    Returns
    -------
    (model, history of the first network, train_seconds of all)
    """
    if not isinstance(recipe.n_models, int) or recipe.n_models < 1:
        raise ValueError(f"recipe.n_models must be a positive integer, got {recipe.n_models!r}")
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
    if len(members) == 1:
        return members[0], history, time.perf_counter() - t0
    from ecgkit.models.ensemble import MeanProbabilityEnsemble

    return MeanProbabilityEnsemble(members), history, time.perf_counter() - t0


def _train_one_cnnlstm(X, y, train_idx, val_idx, recipe, seed, device, progress, verbose):
    import torch
    from torch import nn

    from ecgkit import config, data, train
    from ecgkit.models.cnnlstm import CNNLSTM

    n_rr = 5 if recipe.rr else 0
    config.seed_everything(seed)
    model = CNNLSTM(n_classes=len(data.AAMI_CLASSES), n_leads=X.shape[1], n_rr=n_rr,
                    rr_path=recipe.rr_path,
                    morph_dropout=recipe.morph_dropout if recipe.rr_path == "additive" and n_rr
                    else 0.0)
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
                                         n_classes=len(data.AAMI_CLASSES))
    history = train.fit(
        model, (X[train_idx], y_train), (X[val_idx], y[val_idx]),
        loss_fn=nn.CrossEntropyLoss(weight=weight), metric_fn=macro_f1_nsvf,
        monitor="val_macro_f1_nsvf", mode="max", epochs=recipe.epochs,
        batch_size=recipe.batch_size, lr=recipe.lr, weight_decay=recipe.weight_decay,
        scheduler="onecycle", patience=None, device=device, sampler=sampler, seed=seed,
        transform=BeatAugment(n_rr, recipe.augment, seed) if recipe.augment > 0 else None,
        restore_best=recipe.select_epoch, progress=progress, verbose=verbose)
    return model, history


def epoch_used(history, recipe: MitbihRecipe) -> int:
    """The epoch whose weights :func:`train_cnnlstm` returned (best or last, per recipe)."""
    return history.best_epoch if recipe.select_epoch else len(history)


def predict_beats(model, X, batch_size: int = 1024, device=None) -> tuple[np.ndarray, float]:
    """Softmax probabilities ``(n, 5)`` of a beat model, and the seconds it took."""
    from ecgkit import train

    t0 = time.perf_counter()
    probs = train.predict(model, X, batch_size=batch_size, device=device,
                          activation="softmax")
    return probs, time.perf_counter() - t0


class WeightedQuantileBins:
    """Replace each feature by the index of its weighted-quantile bin (at most 255 bins).

    What :class:`~sklearn.ensemble.HistGradientBoostingClassifier` does itself when it
    gets sample weights, done in one sort per feature: scikit-learn 1.9 finds each of the
    254 weighted quantiles with a sort of its own, which made binning (not boosting) take
    ~95 % of a fit. Given features with at most 255 distinct values, the trees use them
    as they are, so the bins are these.
    """

    def __init__(self, max_bins: int = 255):
        self.max_bins = max_bins

    def fit(self, X, y=None, sample_weight=None):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or not np.isfinite(X).all():
            raise ValueError("features must be a finite (n_beats, n_features) array")
        w = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, float)
        targets = np.linspace(0, 1, self.max_bins + 1)[1:-1]
        X, w = X[w > 0], w[w > 0]  # beats of weight 0 do not place bins
        self.thresholds_ = []
        for col in X.T:
            order = np.argsort(col, kind="stable")
            values, cum = col[order], np.cumsum(w[order])
            distinct = np.unique(values)
            if len(distinct) <= self.max_bins:
                thr = (distinct[:-1] + distinct[1:]) / 2
            else:
                # the weighted "averaged inverted CDF": a quantile that falls exactly on
                # a step of the cumulative weight is the mean of the two values there
                rank = targets * cum[-1]
                idx = np.minimum(np.searchsorted(cum, rank, side="left"), len(values) - 1)
                on_step = cum[idx] - rank <= np.finfo(float).eps
                nxt = np.minimum(idx + 1, len(values) - 1)
                thr = np.unique(np.where(on_step, (values[idx] + values[nxt]) / 2,
                                         values[idx]))
            self.thresholds_.append(thr)
        return self

    def transform(self, X):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.thresholds_):
            raise ValueError(f"expected (n, {len(self.thresholds_)}) features, got {X.shape}")
        return np.stack([np.searchsorted(t, c, side="left") for t, c in
                         zip(self.thresholds_, X.T)], axis=1).astype(np.float32)


class BinnedGBM:
    """:class:`WeightedQuantileBins` then histogram gradient boosting; a classifier with
    ``classes_``, ``fit(X, y, sample_weight)`` and ``predict_proba(X)``."""

    def __init__(self, max_iter: int = 150, seed: int = 0):
        from sklearn.ensemble import HistGradientBoostingClassifier

        self.bins = WeightedQuantileBins()
        self.trees = HistGradientBoostingClassifier(max_iter=max_iter, learning_rate=0.1,
                                                    random_state=seed)

    @property
    def classes_(self):
        return self.trees.classes_

    def fit(self, X, y, sample_weight=None):
        binned = self.bins.fit(X, sample_weight=sample_weight).transform(X)
        self.trees.fit(binned, y, sample_weight=sample_weight)
        return self

    def predict_proba(self, X):
        return self.trees.predict_proba(self.bins.transform(X))


def train_gbm(features, y, seed: int = 0, class_weight: str | None = "sqrt",
              max_iter: int = 150):
    """Histogram gradient boosting on flat beat features (:func:`ecgkit.beats.beat_features`).

    ``class_weight="sqrt"`` weighs each beat by ``sqrt(n_max / n_class)`` (square-root
    balancing; full balancing lets the 8 Q beats of DS1 and the F beats of one record,
    208, pull thousands of N beats into F). The features are binned at weighted
    quantiles first (:class:`BinnedGBM`). Returns the fitted classifier.
    """
    y = np.asarray(y)
    weights = None
    if class_weight == "sqrt":
        counts = np.bincount(y).astype(float)
        per_class = np.sqrt(counts.max() / np.where(counts > 0, counts, np.inf))
        weights = per_class[y]
    elif class_weight is not None:
        raise ValueError(f"class_weight must be 'sqrt' or None, got {class_weight!r}")
    return BinnedGBM(max_iter, seed).fit(features, y, sample_weight=weights)


def gbm_probabilities(clf, features) -> np.ndarray:
    """(n, 5) probabilities of a :func:`train_gbm` model, even for classes absent from
    its training beats (probability 0)."""
    from ecgkit import data

    probs = np.zeros((len(features), len(data.AAMI_CLASSES)), dtype=np.float32)
    probs[:, clf.classes_] = clf.predict_proba(features)
    return probs


def gbm_out_of_fold(features, y, groups=None, n_splits: int = 5, seed: int = 0,
                    max_iter: int = 150) -> np.ndarray:
    """Out-of-fold probabilities ``(n, 5)`` of :func:`train_gbm` by cross-validation.

    ``groups`` (e.g. the record of each beat) keeps each group in one fold
    (``GroupKFold``): every beat is then predicted by trees that never saw its patient,
    as the test patients of the inter-patient split will be. Without groups the folds
    are stratified random beat splits (the intra-patient protocol). The result feeds
    :func:`choose_s_threshold`.
    """
    from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

    features, y = np.asarray(features), np.asarray(y)
    if groups is not None:
        groups = np.asarray(groups)
        n_groups = len(np.unique(groups))
        if n_groups < 2:
            raise ValueError("need beats of at least 2 groups (records) to cross-validate")
        folds = GroupKFold(n_splits=min(n_splits, n_groups)).split(features, y, groups)
    else:
        if len(y) < n_splits:
            raise ValueError(f"need at least {n_splits} beats for {n_splits} folds")
        counts = np.bincount(y)
        # stratify when every class can be in every fold (not, e.g., 1 Q beat)
        kfold = StratifiedKFold if counts[counts > 0].min() >= n_splits else KFold
        folds = kfold(n_splits, shuffle=True, random_state=seed).split(features, y)
    oof = np.zeros((len(y), 5), dtype=np.float32)
    for fit_idx, held_idx in folds:
        clf = train_gbm(features[fit_idx], y[fit_idx], seed, max_iter=max_iter)
        oof[held_idx] = gbm_probabilities(clf, features[held_idx])
    return oof


def choose_s_threshold(y_true, probs, grid=S_THRESHOLDS) -> tuple[float | None, dict]:
    """The S threshold of :func:`ecgkit.beats.decide_beats` with the best macro-F1.

    Parameters
    ----------
    y_true : (n,) true classes of beats the test never sees (validation records, or the
        out-of-fold predictions of :func:`gbm_out_of_fold` on the training side).
    probs : (n, 5) the model's probabilities for those beats.
    grid : thresholds to try.

    Returns
    -------
    (threshold, scores): the threshold with the highest macro-F1 over N, S, V, F (None,
    i.e. plain argmax, when the beats hold no S beat or no threshold beats argmax);
    ``scores`` maps ``"argmax"`` and each threshold to its macro-F1. Ties go to the
    larger threshold (fewer S calls).
    """
    from ecgkit import beats

    y_true = np.asarray(y_true)
    score = lambda pred: beats.aami_summary(y_true, pred)["macro_f1_nsvf"] or 0.0  # noqa: E731
    scores = {"argmax": score(beats.decide_beats(probs))}
    for t in sorted(grid, reverse=True):
        scores[float(t)] = score(beats.decide_beats(probs, float(t)))
    if not (y_true == 1).any():
        return None, scores
    best = max(scores, key=lambda k: (scores[k], 1.0 if k == "argmax" else k))
    return (None if best == "argmax" else best), scores


PRIOR_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


def prior_ratio(y_train, sampler: str | None = "sqrt", loss_weights: str | None = "sqrt"
                ) -> np.ndarray:
    """(5,) class frequencies of the training side over the class mix its loss saw.

    ``sampler`` (:func:`ecgkit.train.make_weighted_sampler` kind) and ``loss_weights``
    (:func:`ecgkit.train.class_weights` kind) each multiply class c's share by
    ``1 / n_c`` (``"inverse"``) or ``1 / sqrt(n_c)`` (``"sqrt"``); with both ``"sqrt"``
    every class counted as much as N, and the ratio is the training side's class
    frequencies. Scaled so that its largest entry is 1; 0 for absent classes.
    Feeds :func:`ecgkit.beats.adjust_for_prior`.
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
    (:func:`ecgkit.beats.adjust_for_prior` with ``prior_weight``), then
    :func:`ecgkit.beats.decide_beats` with ``s_threshold``. The default is plain argmax."""

    prior_weight: float = 0.0
    prior_ratio: tuple | None = None
    s_threshold: float | None = None

    def probabilities(self, probs) -> np.ndarray:
        from ecgkit import beats

        if not self.prior_weight:
            return np.asarray(probs)
        return beats.adjust_for_prior(probs, np.asarray(self.prior_ratio), self.prior_weight)

    def __call__(self, probs) -> np.ndarray:
        """(n,) class indices for (n, 5) probabilities."""
        from ecgkit import beats

        return beats.decide_beats(self.probabilities(probs), self.s_threshold)

    def label(self) -> str:
        """Short name: ``"argmax"``, ``"S threshold 0.1"``, ``"prior weight 0.75"``..."""
        parts = ([f"prior weight {self.prior_weight:g}"] if self.prior_weight else []) + (
            [f"S threshold {self.s_threshold:g}"] if self.s_threshold is not None else [])
        return ", ".join(parts) or "argmax"

    def describe(self) -> str:
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
    from ecgkit import beats

    weights = sorted(float(w) for w in weights)
    if any(w > 0 for w in weights) and ratio is None:
        raise ValueError("a prior weight > 0 needs the training side's prior ratio")
    fixed = not (isinstance(s_threshold, str) and s_threshold == "auto")
    best, scores = None, {}
    for w in weights:
        adjusted = beats.adjust_for_prior(probs, ratio, w) if w else np.asarray(probs)
        if fixed:
            t = beats.check_s_threshold(s_threshold)
            sc = {"argmax" if t is None else t:
                  beats.aami_summary(y_true, beats.decide_beats(adjusted, t))["macro_f1_nsvf"]
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


def cross_validate_recipes(candidates: dict, n_folds: int = 5, seed: int = 0, device=None,
                           table=None, verbose: bool = False) -> dict:
    """Record-wise cross-validation of CNN-LSTM recipes on DS1 alone.

    How to choose among recipes (wirings, budgets) for the inter-patient split without
    looking at DS2: DS1's records are cut into ``n_folds`` groups (``GroupKFold``, so
    every patient is in one fold); each recipe is trained on the other folds exactly as
    :func:`run_mitbih` trains it (validation records held out of the training folds,
    the decision rule chosen on them) and calls the beats of the held-out fold. The
    out-of-fold calls of all folds are scored together.

    Parameters
    ----------
    candidates : {name: MitbihRecipe}.
    n_folds : folds over DS1's 22 records.
    seed : training seed and validation-record draw (the folds do not depend on it).
    table : a beat table (default: all 44 non-paced records); only its DS1 beats are used.

    Returns
    -------
    dict: ``folds`` (the DS1 records of each fold), and per candidate name ``summary``
    (:func:`ecgkit.beats.aami_summary` of the pooled out-of-fold calls),
    ``fold_macro_f1_nsvf``, ``s_thresholds`` and ``prior_weights`` (chosen per fold on its
    validation records, :func:`decision_on_validation`), ``train_time_s`` (total),
    ``recipe``, for an ensemble recipe (``n_models > 1``) ``member_summaries`` (each
    member network scored alone, with its own decision), and (not JSON-ready) ``_probs``,
    the out-of-fold probabilities ``(n, 5)`` of the DS1 beats in table order
    (``ds1_index``); ``best``: the name with the highest pooled macro-F1 over N, S, V, F.
    """
    from sklearn.model_selection import GroupKFold

    from ecgkit import beats

    if not candidates:
        raise ValueError("no candidate recipes to cross-validate")
    table = table if table is not None else beats.load_beat_table(None)
    ds1, _ = beats.inter_patient_split(table)  # DS2 is never touched below
    y, records = table.y(), table.records
    n_records = len(np.unique(records[ds1]))
    if not 2 <= n_folds <= n_records:
        raise ValueError(f"n_folds must be between 2 and the {n_records} DS1 records, "
                         f"got {n_folds}")
    folds = [(ds1[a], ds1[b]) for a, b in
             GroupKFold(n_splits=n_folds).split(ds1, y[ds1], records[ds1])]
    out = {"folds": [sorted(set(records[held].tolist())) for _, held in folds],
           "ds1_index": ds1,
           "n_folds": n_folds, "seed": seed, "candidates": {}}
    for name, recipe in candidates.items():
        X = recipe.model_inputs(table)  # per beat and per record: no DS2 beat enters DS1's
        pred = np.zeros(len(table), dtype=np.int64)
        oof = np.zeros((len(table), 5), dtype=np.float32)
        fold_f1, thresholds, weights, seconds = [], [], [], 0.0
        member_pred = [np.zeros(len(table), dtype=np.int64) for _ in
                       range(recipe.n_models if recipe.n_models > 1 else 0)]
        for fit_idx, held_idx in folds:
            train_idx, val_idx = _hold_out_validation(fit_idx, records, y, seed,
                                                      recipe.val_fraction,
                                                      recipe.max_train_beats, by_record=True)
            net, _, train_s = train_cnnlstm(X, y, train_idx, val_idx, recipe, seed, device,
                                            verbose=False)
            seconds += train_s
            patientwise = holds_out_patients(records, train_idx, val_idx)
            # an ensemble's members are scored too, each with its own decision: the
            # single networks it is compared with, on the same folds
            for k, member in enumerate(getattr(net, "members", ())):
                m_decision, _ = decision_on_validation(
                    recipe, y[train_idx], y[val_idx],
                    predict_beats(member, X[val_idx], device=device)[0], patientwise)
                member_pred[k][held_idx] = m_decision(
                    predict_beats(member, X[held_idx], device=device)[0])
            decision, _ = decision_on_validation(
                recipe, y[train_idx], y[val_idx],
                predict_beats(net, X[val_idx], device=device)[0], patientwise)
            probs, _ = predict_beats(net, X[held_idx], device=device)
            oof[held_idx] = probs
            pred[held_idx] = decision(probs)
            thresholds.append(decision.s_threshold)
            weights.append(decision.prior_weight)
            fold_f1.append(beats.aami_summary(y[held_idx], pred[held_idx])["macro_f1_nsvf"])
            if verbose:
                print(f"  {name}: fold {len(fold_f1)}/{n_folds} macro-F1 NSVF "
                      f"{fold_f1[-1]:.3f} ({decision.describe()}; {train_s:.0f} s)")
        out["candidates"][name] = {
            "summary": beats.aami_summary(y[ds1], pred[ds1], records[ds1]),
            "fold_macro_f1_nsvf": fold_f1, "s_thresholds": thresholds, "prior_weights": weights,
            "train_time_s": seconds, "recipe": {**asdict(recipe), "wiring": recipe.wiring},
            "_probs": oof[ds1]}
        if member_pred:
            out["candidates"][name]["member_summaries"] = [
                beats.aami_summary(y[ds1], p[ds1], records[ds1]) for p in member_pred]
    out["best"] = max(out["candidates"],
                      key=lambda k: out["candidates"][k]["summary"]["macro_f1_nsvf"] or 0.0)
    return out


def run_mitbih(split: str = "inter", model: str = "cnnlstm", profile: str | None = None,
               epochs: int | None = None, seed: int = 0, device=None, rr_path: str | None = None,
               recipe: MitbihRecipe | None = None, progress: bool = False,
               verbose: bool = True, return_predictions: bool = False,
               s_threshold: str | float | None = "auto", cv_folds: int = 5,
               wiring: str | None = None, prior_weight: str | float | None = None,
               n_models: int | None = None) -> dict:
    """Train and test a beat classifier on one MIT-BIH split; returns the JSON-ready result.

    ``recipe`` defaults to ``RECIPES[profile]``; ``epochs`` overrides its epochs,
    ``wiring`` (a key of :data:`WIRINGS`) its inputs and RR path, ``rr_path`` its RR path,
    ``n_models`` the number of networks averaged.
    ``s_threshold`` sets how beats are called (:func:`ecgkit.beats.decide_beats`):
    ``"auto"`` chooses the S threshold on the training side only
    (:func:`choose_s_threshold`): for the CNN-LSTM on the validation beats, for the
    boosted trees on ``cv_folds``-fold out-of-fold predictions (folds by record for the
    inter-patient split); a number fixes it; None takes the most probable class.
    Before it, the probabilities may be moved towards the training side's class mix
    (:func:`ecgkit.beats.adjust_for_prior`): ``prior_weight`` (default: the recipe's,
    ``"auto"``) chooses the weight on the same held-out beats when they come from the
    training patients (the random split) and keeps 0 when they are whole held-out
    patients (the inter-patient split); a number fixes it. The
    result's ``test`` is scored with that rule, ``test_argmax`` with plain argmax. With
    ``return_predictions=True`` the result also holds (not JSON-ready) ``"_predictions"``:
    test indices into the table, probabilities and the trained model.
    """
    import torch

    from ecgkit import beats, config, data, metrics
    from ecgkit.bench import _finite_or_none, peak_memory

    if split not in ("inter", "intra"):
        raise ValueError(f"split must be 'inter' or 'intra', got {split!r}")
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    if not (isinstance(s_threshold, str) and s_threshold == "auto"):
        beats.check_s_threshold(s_threshold)  # before training, not after
    prof = config.get_profile(profile)
    recipe = recipe or RECIPES[prof.name]
    if epochs is not None:
        recipe = replace(recipe, epochs=epochs)
    if wiring is not None:
        recipe = with_wiring(recipe, wiring)
    if rr_path is not None:
        recipe = replace(recipe, rr_path=rr_path)
    if prior_weight is not None:
        recipe = replace(recipe, prior_weight=prior_weight)
    if n_models is not None:
        recipe = replace(recipe, n_models=n_models)
    decision_weights(recipe, patientwise=False)  # a bad prior_weight fails before training
    device = torch.device(device) if device is not None else config.get_device()

    t_load = time.perf_counter()
    table = beats.load_beat_table(prof.max_mitbih_records)
    idx = split_indices(table, split, seed, recipe.val_fraction, recipe.max_train_beats,
                        recipe.val_by)
    y = table.y()
    load_s = time.perf_counter() - t_load
    records = {k: sorted(set(table.records[v])) for k, v in idx.items()}
    if split == "inter" and set(records["train"]) & set(records["test"]):
        raise AssertionError("a record is on both sides of the inter-patient split")

    extra: dict = {}
    # Validation beats from patients of the training side (not whole held-out patients)
    # share its class mix: then the prior correction may be chosen on them.
    patientwise = holds_out_patients(table.records, idx["train"], idx["val"])
    if model == "cnnlstm":
        X = recipe.model_inputs(table)
        net, history, train_s = train_cnnlstm(X, y, idx["train"], idx["val"], recipe, seed,
                                              device, progress, verbose)
        predict_beats(net, X[idx["test"][:256]], device=device)  # warm-up, not timed
        probs, infer_s = predict_beats(net, X[idx["test"]], device=device)
        from ecgkit import train

        extra = {"parameters": train.count_parameters(net), "best_epoch": history.best_epoch,
                 "epochs_run": len(history), "epoch_used": epoch_used(history, recipe),
                 "history": [dict(r) for r in history.records],
                 "recipe": {**asdict(recipe), "wiring": recipe.wiring}}
        fitted = net
        decide_on, y_fit = idx["val"], y[idx["train"]]
        ratio = prior_ratio(y_fit, recipe.sampler, recipe.loss_weights)
        weights = decision_weights(recipe, patientwise)
        held_probs, _ = predict_beats(net, X[decide_on], device=device)
        chosen_on = "the validation beats"
    else:
        # The trees have no epoch to select: they learn from the whole training side.
        feats, names = beats.beat_features(table, n_points=32, rr="normalized",
                                           relative_to_median=True)
        fit_idx = np.sort(np.concatenate([idx["train"], idx["val"]]))
        t0 = time.perf_counter()
        fitted = train_gbm(feats[fit_idx], y[fit_idx], seed)
        train_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        probs = gbm_probabilities(fitted, feats[idx["test"]])
        infer_s = time.perf_counter() - t0
        decide_on = fit_idx
        ratio = prior_ratio(y[fit_idx], None, "sqrt")  # train_gbm's square-root weights
        # out-of-fold predictions are by record for the inter-patient split
        weights = decision_weights(recipe, patientwise=split == "inter")
        held_probs = None
        if s_threshold == "auto" or len(weights) > 1:
            groups = table.records[fit_idx] if split == "inter" else None
            t0 = time.perf_counter()
            held_probs = gbm_out_of_fold(feats[fit_idx], y[fit_idx], groups, cv_folds, seed)
            extra["cv_time_s"] = time.perf_counter() - t0
        chosen_on = (f"{cv_folds}-fold out-of-fold predictions of the training side"
                     + (" (folds by record)" if split == "inter" else ""))
        extra.update({"features": names,
                      "recipe": {"max_iter": 150, "class_weight": "sqrt",
                                 "max_train_beats": recipe.max_train_beats,
                                 "fit_on": "the train and val beats together"}})
    if held_probs is not None:
        decision, scores = choose_decision(y[decide_on], held_probs, ratio, weights,
                                           s_threshold)
    else:  # nothing to choose
        decision = BeatDecision(weights[0], tuple(float(r) for r in ratio),
                                beats.check_s_threshold(s_threshold))
        scores = None
    threshold = decision.s_threshold
    threshold_info = {"value": threshold,
                      "chosen_on": chosen_on if s_threshold == "auto" else "given"}
    if s_threshold == "auto":
        threshold_info["macro_f1_nsvf_by_threshold"] = {
            str(k): v for k, v in scores[decision.prior_weight].items()}
    prior_info = {"value": decision.prior_weight, "ratio": list(decision.prior_ratio),
                  "chosen_on": (chosen_on if len(weights) > 1 else
                                "fixed: validation is whole held-out patients, whose class "
                                "mix says nothing of a new patient's" if patientwise
                                and recipe.prior_weight == "auto" else "fixed by the recipe")}
    if len(weights) > 1:
        prior_info["macro_f1_nsvf_by_weight"] = {str(w): max(sc.values())
                                                 for w, sc in scores.items()}
    y_test = y[idx["test"]]
    summary = beats.aami_summary(y_test, decision(probs), table.records[idx["test"]])
    summary_argmax = beats.aami_summary(y_test, probs.argmax(1), table.records[idx["test"]])
    with warnings.catch_warnings():  # classes absent from the test side are reported
        warnings.simplefilter("ignore", metrics.UndefinedMetricWarning)
        auroc = metrics.auroc_summary(y_test, probs, data.AAMI_CLASSES)
    summary.update(macro_auroc=auroc["macro_auroc"], n_defined_classes=auroc["n_defined"],
                   n_classes=auroc["n_classes"], auroc_per_class=auroc["per_class"])
    n_test = len(idx["test"])
    result = {
        "benchmark": "mitbih", "task": f"AAMI beats, {split}-patient", "split": split,
        "model": model, "profile": prof.name,
        "seed": seed, "classes": list(data.AAMI_CLASSES),
        "protocol": {
            "split": ("inter-patient: train DS1, test DS2 (de Chazal 2004)" if split == "inter"
                      else "intra-patient: random 80/20 beat split, stratified by class"),
            "records": "44 non-paced records (102, 104, 107, 217 excluded)",
            "beats": f"{table.spec.key()}; window {table.spec.length} samples",
            "inputs": (f"beat {recipe.normalize}-normalised"
                       + (" minus the record's median beat" if recipe.relative_to_median
                          else "")
                       + (", record median beat channel" if recipe.median_beat else "")
                       + (f", 5 RR features / record mean RR ({recipe.rr_path} RR path"
                          + (f", beat branch dropped for {recipe.morph_dropout:g} of the "
                             "training beats" if recipe.rr_path == "additive" else "")
                          + ")" if recipe.rr else ""))
            if model == "cnnlstm" else ("32 points of the beat minus the record's median "
                                        "beat + 5 RR features / record mean RR"),
            "networks": (f"mean probability of {recipe.n_models} CNN-LSTMs (seeds "
                         f"{', '.join(map(str, member_seeds(seed, recipe.n_models)))})"
                         if model == "cnnlstm" and recipe.n_models > 1 else
                         "one CNN-LSTM" if model == "cnnlstm" else "boosted trees"),
            "decision": decision.describe(),
            "validation": ("none: the trees learn from the train and val beats together"
                           if model == "gbm" else
                           f"held-out training records {[str(r) for r in records['val']]}"
                           if split == "inter" and (recipe.val_by or "record") == "record"
                           and patientwise
                           else f"random {recipe.val_fraction:.0%} of the training beats"),
            "device": str(device),
        },
        "data": {"beats": {k: int(len(v)) for k, v in idx.items()},
                 "records": records,
                 "class_counts": {k: {c: int((table.labels[v] == c).sum())
                                      for c in data.AAMI_CLASSES} for k, v in idx.items()}},
        "test": summary,
        "test_argmax": summary_argmax,
        "s_threshold": threshold_info,
        "prior_weight": prior_info,
        "timing": {"data_load_s": load_s, "train_time_s": train_s,
                   "inference_s": infer_s, "inference_beats_per_s": n_test / infer_s,
                   "inference_ms_per_beat": 1000 * infer_s / n_test},
        "memory": peak_memory(),
        "torch": torch.__version__, "python": platform.python_version(),
        "cpu_threads": torch.get_num_threads(),
        "published": {"values": PUBLISHED[split],
                      "note": "published, on full data, each with its own pipeline; "
                              "compare only within the same split"},
        **extra,
    }
    result = _finite_or_none(result)
    if return_predictions:
        result["_predictions"] = {"test_idx": idx["test"], "probs": probs, "model": fitted,
                                  "table": table, "split_idx": idx,
                                  "s_threshold": threshold, "decision": decision}
    return result


def format_summary(result: dict) -> str:
    """Lines with the figures the targets are set on: with the chosen decision rule, then
    (when it is not plain argmax) with plain argmax."""
    f = lambda v: "n/a" if v is None else f"{v:.3f}"  # noqa: E731

    def figures(t):
        pc = t["per_class"]
        return (f"accuracy {f(t['accuracy'])}, V Se {f(pc['V']['sensitivity'])} "
                f"+P {f(pc['V']['ppv'])}, S Se {f(pc['S']['sensitivity'])} "
                f"+P {f(pc['S']['ppv'])} (S Se without 232 "
                f"{f(t.get('s_sensitivity_without_232'))}), macro-F1 NSVF "
                f"{f(t['macro_f1_nsvf'])}")

    threshold = (result.get("s_threshold") or {}).get("value")
    weight = (result.get("prior_weight") or {}).get("value") or 0.0
    rule = ("argmax" if threshold is None else f"S threshold {threshold:g}") + (
        f", prior weight {weight:g}" if weight else "")
    wiring = (result.get("recipe") or {}).get("wiring")
    name = result["model"] + (f" ({wiring} wiring)" if wiring else "")
    lines = [f"{name} mitbih/{result['split']} seed {result['seed']} ({rule}): "
             f"{figures(result['test'])}; train {result['timing']['train_time_s']:.0f} s, "
             f"inference {result['timing']['inference_ms_per_beat']:.3f} ms/beat"]
    if (threshold is not None or weight) and "test_argmax" in result:
        lines.append(f"    (argmax): {figures(result['test_argmax'])}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- command line
def add_mitbih_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--split", choices=["inter", "intra"], default="inter")
    p.add_argument("--model", choices=list(MODELS), default="cnnlstm")
    p.add_argument("--profile", choices=["smoke", "sample", "full"], default=None,
                   help="default: $ECGKIT_PROFILE or 'sample'; an explicit value wins")
    p.add_argument("--epochs", type=int, default=None, help="default: the profile's recipe")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--wiring", choices=list(WIRINGS), default=None,
                   help="the CNN-LSTM's inputs and RR path (default: the recipe's, additive)")
    p.add_argument("--rr-path", choices=["dense", "linear", "additive"], default=None,
                   help="how the CNN-LSTM joins the RR features (default: the recipe's)")
    p.add_argument("--s-threshold", default="auto", type=_threshold_arg,
                   help="'auto' (chosen on the training side), 'argmax', or a number in "
                        "(0, 1): call S when the argmax is N and p(S) exceeds it")
    p.add_argument("--prior-weight", default=None, type=_prior_weight_arg,
                   help="'auto' (chosen on validation beats of the training patients, 0 "
                        "when they are held-out patients) or a number in [0, 1]: how far "
                        "to move the probabilities towards the training side's class mix")
    p.add_argument("--n-models", type=_positive_int, default=None,
                   help="CNN-LSTM networks whose probabilities are averaged (default: the "
                        "recipe's)")
    p.add_argument("--device", default=None, help="cpu, cuda, mps (default: best available)")
    p.add_argument("--progress", action="store_true", help="a progress bar per epoch")
    p.add_argument("--out", default=None, help="write the JSON result here")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"need a positive integer, got {text!r}")
    return value


def _threshold_arg(text: str):
    from ecgkit.beats import check_s_threshold

    if text in ("auto", "argmax"):
        return None if text == "argmax" else text
    try:
        return check_s_threshold(float(text))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not 'auto', 'argmax' or a number in (0, 1): "
                                         f"{text!r}") from err


def _prior_weight_arg(text: str):
    if text == "auto":
        return text
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"not 'auto' or a number in [0, 1]: {text!r}")
    return value


def run_mitbih_cli(args: argparse.Namespace) -> dict:
    from ecgkit.bench import _explicit_profile

    ctx = _explicit_profile() if args.profile else contextlib.nullcontext()
    with ctx:
        result = run_mitbih(split=args.split, model=args.model, profile=args.profile,
                            epochs=args.epochs, seed=args.seed, device=args.device,
                            rr_path=args.rr_path, s_threshold=args.s_threshold,
                            progress=args.progress, wiring=args.wiring,
                            prior_weight=args.prior_weight, n_models=args.n_models)
    print(format_summary(result))
    return result
