"""One MIT-BIH benchmark run (``python -m ecgkit.bench mitbih``): train, decide, score.

The protocol is described in :mod:`ecgkit.experiments.mitbih`.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch

from ecgkit import config, metrics, train
from ecgkit.data import beat_table, otherdb
from ecgkit.data.mitbih import AAMI_CLASSES
from ecgkit.experiments.mitbih.decision import (BeatDecision, check_s_threshold,
                                                choose_decision, decision_weights,
                                                prior_ratio)
from ecgkit.experiments.mitbih.network import epoch_used, predict_beats, train_cnnlstm
from ecgkit.experiments.mitbih.recipe import (DS2_INFORMED, MODELS, PUBLISHED, RECIPES,
                                              WIRINGS, MitbihRecipe, member_seeds,
                                              recipe_hash, with_wiring)
from ecgkit.experiments.mitbih.records import (per_record_figures, record_bootstrap_ci,
                                               record_checksums, record_confusions,
                                               score_table)
from ecgkit.experiments.mitbih import selection
from ecgkit.experiments.mitbih.splits import holds_out_patients, split_indices
from ecgkit.experiments.mitbih.trees import gbm_out_of_fold, gbm_probabilities, train_gbm
from ecgkit.experiments.results import (explicit_profile, finite_or_none, git_commit,
                                        peak_memory, provenance)

__all__ = ["run_mitbih", "recipe_for", "format_summary", "add_mitbih_arguments",
           "run_mitbih_cli"]


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
    ``s_threshold`` sets how beats are called (:func:`decide_beats`):
    ``"auto"`` chooses the S threshold on the training side only
    (:func:`choose_s_threshold`): for the CNN-LSTM on the validation beats, for the
    boosted trees on ``cv_folds``-fold out-of-fold predictions (folds by record for the
    inter-patient split); a number fixes it; None takes the most probable class.
    Before it, the probabilities may be moved towards the training side's class mix
    (:func:`adjust_for_prior`): ``prior_weight`` (default: the recipe's,
    ``"auto"``) chooses the weight on the same held-out beats when they come from the
    training patients (the random split) and keeps 0 when they are whole held-out
    patients (the inter-patient split); a number fixes it. The
    result's ``test`` is scored with that rule, ``test_argmax`` with plain argmax. With
    ``return_predictions=True`` the result also holds (not JSON-ready) ``"_predictions"``:
    test indices into the table, probabilities, the trained model, the decision and the
    recipe.
    """
    if split not in ("inter", "intra"):
        raise ValueError(f"split must be 'inter' or 'intra', got {split!r}")
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    if not (isinstance(s_threshold, str) and s_threshold == "auto"):
        check_s_threshold(s_threshold)  # before training, not after
    prof = config.get_profile(profile)
    recipe = recipe_for(prof.name, recipe, epochs=epochs, wiring=wiring, rr_path=rr_path,
                        prior_weight=prior_weight, n_models=n_models)
    decision_weights(recipe, patientwise=False)  # a bad prior_weight fails before training
    device = torch.device(device) if device is not None else config.get_device()

    t_load = time.perf_counter()
    table = beat_table.load_beat_table(prof.max_mitbih_records)
    idx = split_indices(table, split, seed, recipe.val_fraction, recipe.max_train_beats,
                        recipe.val_by)
    load_s = time.perf_counter() - t_load
    records = {k: sorted(set(table.records[v])) for k, v in idx.items()}
    if split == "inter" and set(records["train"]) & set(records["test"]):
        raise AssertionError("a record is on both sides of the inter-patient split")

    # Validation beats from patients of the training side (not whole held-out patients)
    # share its class mix: then the prior correction may be chosen on them.
    patientwise = holds_out_patients(table.records, idx["train"], idx["val"])
    if model == "cnnlstm":
        fitted = _fit_cnnlstm(table, idx, recipe, seed, device, progress, verbose,
                              patientwise)
    else:
        fitted = _fit_gbm(table, idx, recipe, split, seed, s_threshold, cv_folds)
    decision, scores = _decide(fitted, table.y(), s_threshold)
    run = _Run(split, model, prof.name, seed, recipe, device, s_threshold, patientwise)
    result = finite_or_none(_result_json(run, table, idx, records, fitted, decision, scores,
                                         load_s))
    if return_predictions:
        result["_predictions"] = {"test_idx": idx["test"], "probs": fitted.probs,
                                  "model": fitted.model, "table": table, "split_idx": idx,
                                  "s_threshold": decision.s_threshold, "decision": decision,
                                  "recipe": recipe}
    return result


def recipe_for(profile: str, recipe: MitbihRecipe | None = None, *, epochs=None, wiring=None,
               rr_path=None, prior_weight=None, n_models=None) -> MitbihRecipe:
    """The recipe a :func:`run_mitbih` call trains: ``recipe`` (default
    ``RECIPES[profile]``) with the overrides that are not None, in that order."""
    recipe = recipe or RECIPES[profile]
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
    return recipe


@dataclass
class _Fitted:
    """A trained beat model and what the decision is chosen from: the probabilities of the
    held-out beats ``decide_on`` (None: nothing to choose), the prior ratio and weights."""

    model: object
    probs: np.ndarray            # (n_test, 5) test probabilities
    train_s: float
    infer_s: float
    decide_on: np.ndarray
    held_probs: np.ndarray | None
    ratio: np.ndarray
    weights: tuple
    chosen_on: str
    extra: dict = field(default_factory=dict)   # model-specific entries of the result


@dataclass(frozen=True)
class _Run:
    """The settings of a :func:`run_mitbih` run that its result describes."""

    split: str
    model: str
    profile: str
    seed: int
    recipe: MitbihRecipe
    device: torch.device
    s_threshold: object
    patientwise: bool


def _fit_cnnlstm(table, idx, recipe, seed, device, progress, verbose, patientwise) -> _Fitted:
    """Train the CNN-LSTM(s) on ``idx["train"]``, validated on ``idx["val"]``, whose
    probabilities then choose the decision."""
    y = table.y()
    X = recipe.model_inputs(table)
    net, history, train_s = train_cnnlstm(X, y, idx["train"], idx["val"], recipe, seed,
                                          device, progress, verbose)
    predict_beats(net, X[idx["test"][:256]], device=device)  # warm-up, not timed
    probs, infer_s = predict_beats(net, X[idx["test"]], device=device)
    extra = {"parameters": train.count_parameters(net), "best_epoch": history.best_epoch,
             "epochs_run": len(history), "epoch_used": epoch_used(history, recipe),
             "history": [dict(r) for r in history.records],
             "recipe": {**asdict(recipe), "wiring": recipe.wiring}}
    ratio = prior_ratio(y[idx["train"]], recipe.sampler, recipe.loss_weights)
    weights = decision_weights(recipe, patientwise)
    held_probs, _ = predict_beats(net, X[idx["val"]], device=device)
    return _Fitted(net, probs, train_s, infer_s, idx["val"], held_probs, ratio, weights,
                   "the validation beats", extra)


def _fit_gbm(table, idx, recipe, split, seed, s_threshold, cv_folds) -> _Fitted:
    """Train the boosted trees on the train and val beats together; out-of-fold
    predictions of those beats (when there is a choice to make) choose the decision."""
    y = table.y()
    # The trees have no epoch to select: they learn from the whole training side.
    feats, names = beat_table.beat_features(table, n_points=32, rr="normalized",
                                            relative_to_median=True)
    fit_idx = np.sort(np.concatenate([idx["train"], idx["val"]]))
    t0 = time.perf_counter()
    clf = train_gbm(feats[fit_idx], y[fit_idx], seed)
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    probs = gbm_probabilities(clf, feats[idx["test"]])
    infer_s = time.perf_counter() - t0
    ratio = prior_ratio(y[fit_idx], None, "sqrt")  # train_gbm's square-root weights
    # out-of-fold predictions are by record for the inter-patient split
    weights = decision_weights(recipe, patientwise=split == "inter")
    held_probs, extra = None, {}
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
    return _Fitted(clf, probs, train_s, infer_s, fit_idx, held_probs, ratio, weights,
                   chosen_on, extra)


def _decide(fitted: _Fitted, y, s_threshold) -> tuple[BeatDecision, dict | None]:
    """The decision chosen on the held-out beats, or the fixed one when there is nothing
    to choose; and the macro-F1 scores it was chosen by (None then)."""
    if fitted.held_probs is not None:
        return choose_decision(y[fitted.decide_on], fitted.held_probs, fitted.ratio,
                               fitted.weights, s_threshold)
    return BeatDecision(fitted.weights[0], tuple(float(r) for r in fitted.ratio),
                        check_s_threshold(s_threshold)), None


def _decision_entries(run: _Run, fitted: _Fitted, decision: BeatDecision, scores
                      ) -> tuple[dict, dict]:
    """The ``"s_threshold"`` and ``"prior_weight"`` entries of the result: the values and
    what they were chosen on (with the macro-F1 of each candidate)."""
    threshold_info = {"value": decision.s_threshold,
                      "chosen_on": fitted.chosen_on if run.s_threshold == "auto" else "given"}
    if run.s_threshold == "auto":
        threshold_info["macro_f1_nsvf_by_threshold"] = {
            str(k): v for k, v in scores[decision.prior_weight].items()}
    prior_info = {"value": decision.prior_weight, "ratio": list(decision.prior_ratio),
                  "chosen_on": (fitted.chosen_on if len(fitted.weights) > 1 else
                                "fixed: validation is whole held-out patients, whose class "
                                "mix says nothing of a new patient's" if run.patientwise
                                and run.recipe.prior_weight == "auto" else
                                "fixed by the recipe")}
    if len(fitted.weights) > 1:
        prior_info["macro_f1_nsvf_by_weight"] = {str(w): max(sc.values())
                                                 for w, sc in scores.items()}
    return threshold_info, prior_info


def _test_entries(table, idx, probs, decision: BeatDecision) -> tuple[dict, dict]:
    """AAMI summaries of the test beats with the decision (and AUROC) and with argmax."""
    y_test = table.y()[idx["test"]]
    summary = metrics.aami_summary(y_test, decision(probs), table.records[idx["test"]])
    summary_argmax = metrics.aami_summary(y_test, probs.argmax(1), table.records[idx["test"]])
    with warnings.catch_warnings():  # classes absent from the test side are reported
        warnings.simplefilter("ignore", metrics.UndefinedMetricWarning)
        auroc = metrics.auroc_summary(y_test, probs, AAMI_CLASSES)
    summary.update(macro_auroc=auroc["macro_auroc"], n_defined_classes=auroc["n_defined"],
                   n_classes=auroc["n_classes"], auroc_per_class=auroc["per_class"])
    summary.update(_record_entries(y_test, decision(probs), table.records[idx["test"]]))
    return summary, summary_argmax


def _record_entries(y_true, y_pred, records) -> dict:
    """Per-record figures, intervals from a bootstrap over records, and the headline
    figures without record 232 (with their own record-bootstrap interval); each record's
    confusion matrix."""
    names, matrices = record_confusions(y_true, y_pred, records)
    out = {"per_record": per_record_figures(y_true, y_pred, records),
           "ci95_by_record": record_bootstrap_ci(y_true, y_pred, records),
           # what a paired bootstrap over records needs (report.paired_difference)
           "confusions_by_record": dict(zip(names, matrices.tolist()))}
    if "232" in set(records) and len(set(records)) > 1:
        out["without_232"] = record_bootstrap_ci(y_true, y_pred, records, exclude=["232"])
    return out


def _protocol(run: _Run, table, records, decision: BeatDecision) -> dict:
    """The ``"protocol"`` entry of the result: split, beats, inputs, decision, validation."""
    recipe, model, split = run.recipe, run.model, run.split
    return {
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
                     f"{', '.join(map(str, member_seeds(run.seed, recipe.n_models)))})"
                     if model == "cnnlstm" and recipe.n_models > 1 else
                     "one CNN-LSTM" if model == "cnnlstm" else "boosted trees"),
        "decision": decision.describe(),
        "choices_that_saw_ds2": [] if selection.is_frozen(recipe) else list(DS2_INFORMED),
        "validation": ("none: the trees learn from the train and val beats together"
                       if model == "gbm" else
                       f"held-out training records {[str(r) for r in records['val']]}"
                       if split == "inter" and (recipe.val_by or "record") == "record"
                       and run.patientwise
                       else f"random {recipe.val_fraction:.0%} of the training beats"),
        "device": str(run.device),
    }


def _result_json(run: _Run, table, idx, records, fitted: _Fitted, decision: BeatDecision,
                 scores, load_s: float) -> dict:
    """The result, key for key as ``python -m ecgkit.bench mitbih`` writes it (before
    :func:`~ecgkit.experiments.results.finite_or_none`)."""
    threshold_info, prior_info = _decision_entries(run, fitted, decision, scores)
    summary, summary_argmax = _test_entries(table, idx, fitted.probs, decision)
    n_test, infer_s = len(idx["test"]), fitted.infer_s
    return {
        "benchmark": "mitbih", "task": f"AAMI beats, {run.split}-patient", "split": run.split,
        "model": run.model, "profile": run.profile,
        "seed": run.seed, "classes": list(AAMI_CLASSES),
        "protocol": _protocol(run, table, records, decision),
        "data": {"beats": {k: int(len(v)) for k, v in idx.items()},
                 "records": records,
                 "class_counts": {k: {c: int((table.labels[v] == c).sum())
                                      for c in AAMI_CLASSES} for k, v in idx.items()}},
        "test": summary,
        "test_argmax": summary_argmax,
        "s_threshold": threshold_info,
        "prior_weight": prior_info,
        "timing": {"data_load_s": load_s, "train_time_s": fitted.train_s,
                   "inference_s": infer_s, "inference_beats_per_s": n_test / infer_s,
                   "inference_ms_per_beat": 1000 * infer_s / n_test},
        "memory": peak_memory(),
        **provenance(),
        "provenance": {"commit": git_commit(), "command": " ".join(sys.argv),
                       "recipe": asdict(run.recipe), "recipe_hash": recipe_hash(run.recipe),
                       "data_sha256": record_checksums(sorted(set(table.records)))},
        "published": {"values": PUBLISHED[run.split],
                      "note": "published, on full data, each with its own pipeline; "
                              "compare only within the same split"},
        **fitted.extra,
    }


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
    """The options of ``python -m ecgkit.bench mitbih``."""
    p.add_argument("--split", choices=["inter", "intra"], default="inter")
    p.add_argument("--model", choices=list(MODELS), default="cnnlstm")
    p.add_argument("--profile", choices=list(config.PROFILES), default=None,
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
    p.add_argument("--test-db", choices=sorted(otherdb.OTHER_DATABASES), default=None,
                   help="also score the DS1-trained model on all of this database "
                        "(python -m ecgkit.data download incartdb|svdb first)")
    p.add_argument("--recipe", choices=["profile", "ds1"], default="profile",
                   help="'profile': the profile's recipe (some of its choices saw DS2); "
                        "'ds1': the recipe frozen after a search on DS1 alone "
                        "(scripts/select_mitbih_recipe.py)")
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
    """:func:`run_mitbih` with the parsed options of :func:`add_mitbih_arguments`; prints
    :func:`format_summary`."""
    if args.test_db and (args.model, args.split) != ("cnnlstm", "inter"):
        raise SystemExit("--test-db scores the CNN-LSTM trained on DS1: use it with "
                         "--split inter --model cnnlstm")
    ctx = explicit_profile() if args.profile else contextlib.nullcontext()
    with ctx:
        recipe = selection.load_frozen() if args.recipe == "ds1" else None
        result = run_mitbih(split=args.split, model=args.model, profile=args.profile,
                            recipe=recipe,
                            epochs=args.epochs, seed=args.seed, device=args.device,
                            rr_path=args.rr_path, s_threshold=args.s_threshold,
                            progress=args.progress, wiring=args.wiring,
                            prior_weight=args.prior_weight, n_models=args.n_models,
                            return_predictions=args.test_db is not None)
    kept = result.pop("_predictions", None)
    if kept is not None:
        table = otherdb.db_beat_table(args.test_db, kept["table"].spec)
        result["test_db"] = {"database": otherdb.OTHER_DATABASES[args.test_db]["title"],
                             **score_table(kept["model"], kept["recipe"], kept["decision"],
                                           table, args.device)}
    print(format_summary(result))
    if kept is not None:
        t = result["test_db"]
        print(f"{t['database']}: {t['beats']} beats of {t['records']} records, accuracy "
              f"{t['accuracy']:.3f}, macro-F1 NSVF {t['macro_f1_nsvf'] or 0:.3f}")
    return result
