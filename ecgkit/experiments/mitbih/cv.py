"""Record-wise cross-validation of CNN-LSTM recipes on DS1: choosing a recipe without DS2."""
from __future__ import annotations

from dataclasses import asdict

import numpy as np
from sklearn.model_selection import GroupKFold

from ecgkit import metrics
from ecgkit.data import beat_table
from ecgkit.experiments.mitbih.decision import decision_on_validation
from ecgkit.experiments.mitbih.network import predict_beats, train_cnnlstm
from ecgkit.experiments.mitbih.splits import hold_out_validation, holds_out_patients

__all__ = ["cross_validate_recipes"]


def cross_validate_recipes(candidates: dict, n_folds: int = 5, seed: int = 0, device=None,
                           table=None, verbose: bool = False) -> dict:
    """Record-wise cross-validation of CNN-LSTM recipes on DS1 alone.

    How to choose among recipes (wirings, budgets) for the inter-patient split without
    looking at DS2: DS1's records are cut into ``n_folds`` groups (``GroupKFold``, so
    every patient is in one fold); each recipe is trained on the other folds exactly as
    :func:`~ecgkit.experiments.mitbih.run_mitbih` trains it (validation records held out
    of the training folds, the decision rule chosen on them) and calls the beats of the
    held-out fold. The out-of-fold calls of all folds are scored together.

    Parameters
    ----------
    candidates : {name: MitbihRecipe}.
    n_folds : folds over DS1's 22 records.
    seed : training seed and validation-record draw (the folds do not depend on it).
    table : a beat table (default: all 44 non-paced records); only its DS1 beats are used.

    Returns
    -------
    dict: ``folds`` (the DS1 records of each fold), and per candidate name ``summary``
    (:func:`ecgkit.metrics.aami_summary` of the pooled out-of-fold calls),
    ``fold_macro_f1_nsvf``, ``s_thresholds`` and ``prior_weights`` (chosen per fold on its
    validation records, :func:`~ecgkit.experiments.mitbih.decision_on_validation`),
    ``train_time_s`` (total), ``recipe``, for an ensemble recipe (``n_models > 1``)
    ``member_summaries`` (each member network scored alone, with its own decision), and
    (not JSON-ready) ``_probs``, the out-of-fold probabilities ``(n, 5)`` of the DS1 beats
    in table order (``ds1_index``); ``best``: the name with the highest pooled macro-F1
    over N, S, V, F.
    """
    if not candidates:
        raise ValueError("no candidate recipes to cross-validate")
    table = table if table is not None else beat_table.load_beat_table(None)
    ds1, _ = beat_table.inter_patient_split(table)  # DS2 is never touched below
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
        out["candidates"][name] = _cross_validate_recipe(name, recipe, table, ds1, folds,
                                                         seed, device, verbose)
    out["best"] = max(out["candidates"],
                      key=lambda k: out["candidates"][k]["summary"]["macro_f1_nsvf"] or 0.0)
    return out


def _cross_validate_recipe(name, recipe, table, ds1, folds, seed, device, verbose) -> dict:
    """One candidate's entry of :func:`cross_validate_recipes`: trained and called fold by
    fold, the out-of-fold calls scored together."""
    y, records = table.y(), table.records
    X = recipe.model_inputs(table)  # per beat and per record: no DS2 beat enters DS1's
    pred = np.zeros(len(table), dtype=np.int64)
    oof = np.zeros((len(table), 5), dtype=np.float32)
    fold_f1, thresholds, weights, seconds = [], [], [], 0.0
    member_pred = [np.zeros(len(table), dtype=np.int64) for _ in
                   range(recipe.n_models if recipe.n_models > 1 else 0)]
    for fit_idx, held_idx in folds:
        decision, probs, train_s = _fold_calls(recipe, X, y, records, fit_idx, held_idx,
                                               member_pred, seed, device)
        seconds += train_s
        oof[held_idx] = probs
        pred[held_idx] = decision(probs)
        thresholds.append(decision.s_threshold)
        weights.append(decision.prior_weight)
        fold_f1.append(metrics.aami_summary(y[held_idx], pred[held_idx])["macro_f1_nsvf"])
        if verbose:
            print(f"  {name}: fold {len(fold_f1)}/{len(folds)} macro-F1 NSVF "
                  f"{fold_f1[-1]:.3f} ({decision.describe()}; {train_s:.0f} s)")
    entry = {
        "summary": metrics.aami_summary(y[ds1], pred[ds1], records[ds1]),
        "fold_macro_f1_nsvf": fold_f1, "s_thresholds": thresholds, "prior_weights": weights,
        "train_time_s": seconds, "recipe": {**asdict(recipe), "wiring": recipe.wiring},
        "_probs": oof[ds1]}
    if member_pred:
        entry["member_summaries"] = [
            metrics.aami_summary(y[ds1], p[ds1], records[ds1]) for p in member_pred]
    return entry


def _fold_calls(recipe, X, y, records, fit_idx, held_idx, member_pred, seed, device):
    """Train on a fold's training records, choose the decision on its validation records;
    returns (decision, probabilities of the held-out fold, train seconds). An ensemble's
    members' calls of the held-out fold go into ``member_pred``."""
    train_idx, val_idx = hold_out_validation(fit_idx, records, y, seed, recipe.val_fraction,
                                             recipe.max_train_beats, by_record=True)
    net, _, train_s = train_cnnlstm(X, y, train_idx, val_idx, recipe, seed, device,
                                    verbose=False)
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
    return decision, probs, train_s

