"""MIT-BIH benchmark splits: train / validation / test indices and held-out patients."""
from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split

from ecgkit.data import beat_table

__all__ = ["split_indices", "hold_out_validation", "holds_out_patients",
           "validation_records"]


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
    if val_by is None:
        val_by = "record" if split == "inter" else "beat"
    if val_by not in ("record", "beat"):
        raise ValueError(f"val_by must be 'record' or 'beat', got {val_by!r}")
    train, test = beat_table.split_beats(table, split, seed=seed)
    train, val = hold_out_validation(train, table.records, table.y(), seed, val_fraction,
                                     max_train_beats, by_record=val_by == "record")
    return {"train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}


def hold_out_validation(idx, records, y, seed, val_fraction, max_train_beats, by_record):
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
