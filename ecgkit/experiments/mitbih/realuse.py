"""The inter-patient benchmark under the app's conditions.

The benchmark reads beats at the reference annotations and normalises each beat with its
whole half-hour record (the median beat, the mean RR). The app has neither: it finds
beats with a detector and may hold 10 s of signal. This module scores the same trained
network (:func:`run_real_use`) on DS2

* at the beats the XQRS detector finds (matched to the reference within 150 ms, as
  ANSI/AAMI EC57 does: a missed beat counts against its class, a false detection
  against what it was called);
* with the median beat and the mean RR taken from the first 1, 2 or 5 minutes only
  (:data:`CONTEXTS`), then applied to every beat of the record;
* causally: each beat's median over the past :data:`CAUSAL_BEATS` beats and the mean RR
  of all past beats, no future beat used (what a live monitor could do).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from ecgkit.data import DS2, MITBIH_FS, beat_table
from ecgkit.experiments.mitbih.network import predict_beats
from ecgkit.experiments.mitbih.recipe import RECIPES, recipe_hash
from ecgkit.experiments.mitbih.records import (figures_from_confusion, record_bootstrap_ci,
                                               record_confusions)
from ecgkit.experiments.mitbih.run import run_mitbih
from ecgkit.experiments.mitbih.selection import load_frozen
from ecgkit.signal.beats import normalize_beats, pack_beats

__all__ = ["CONTEXTS", "CAUSAL_BEATS", "RESULTS", "context_inputs", "detector_figures",
           "run_real_use", "condition_label", "load_results"]

CONTEXTS = ("whole", 1.0, 2.0, 5.0, "causal")  # minutes of context, or the two extremes
CAUSAL_BEATS = 256  # about 3-4 minutes of beats at usual rates
# Full-profile runs of scripts/bench_mitbih_real_use.py, committed: chapter 7b shows them.
RESULTS = Path(__file__).with_name("results")


def _context_of(w, rr_abs, samples, context) -> tuple[np.ndarray, np.ndarray]:
    """One record's median beat per beat (n, L) and mean RR per beat (n,), from
    ``context`` minutes at its start, or causally."""
    if context == "causal":
        median = np.stack([np.median(w[max(0, i + 1 - CAUSAL_BEATS):i + 1], axis=0)
                           for i in range(len(w))])
        mean_rr = np.cumsum(rr_abs[:, 0]) / np.arange(1, len(w) + 1)
        return median, mean_rr
    first = samples < float(context) * 60 * MITBIH_FS
    first[:3] = True  # a record whose first beats start late still has a context
    return (np.broadcast_to(np.median(w[first], axis=0), w.shape),
            np.full(len(w), rr_abs[first, 0].mean()))


def context_inputs(table, recipe, context="whole") -> np.ndarray:
    """The recipe's network inputs (:meth:`MitbihRecipe.model_inputs`) with the record's
    median beat and mean RR taken from ``context``: ``"whole"`` (the benchmark's), a
    number of minutes from the start, or ``"causal"``."""
    if context == "whole":
        return recipe.model_inputs(table)
    if context != "causal" and not float(context) > 0:
        raise ValueError(f"context must be 'whole', 'causal' or minutes > 0, got {context!r}")
    w = normalize_beats(table.windows, recipe.normalize)
    median, rr = np.empty_like(w), table.rr.copy()
    for record in np.unique(table.records):
        idx = np.flatnonzero(table.records == record)
        med, mean_rr = _context_of(w[idx], table.rr_abs[idx], table.samples[idx], context)
        median[idx] = med
        rr[idx, :3] = table.rr_abs[idx] / mean_rr[:, None]  # pre, post, local RR / mean
    beat = w - median if recipe.relative_to_median else w
    extra = median[:, None, :] if recipe.median_beat else None
    return pack_beats(beat, rr if recipe.rr else None, extra)


def detector_figures(model, recipe, decision, records, spec, device=None) -> dict:
    """Figures of the network at XQRS-detected beats of ``records`` (a sixth "no beat"
    class holds missed beats and false detections; :func:`figures_from_confusion`)."""
    y_true, y_pred, recs, counts = [], [], [], {"missed": 0, "false": 0, "matched": 0}
    for record in records:
        table, truth, missed = beat_table.detected_beats(record, spec)
        pred = decision(predict_beats(model, recipe.model_inputs(table), device=device)[0])
        y_true += [truth, missed]
        y_pred += [pred, np.full(len(missed), beat_table.NO_BEAT)]
        recs += [np.full(len(truth) + len(missed), record)]
        counts["missed"] += len(missed)
        counts["false"] += int((truth == beat_table.NO_BEAT).sum())
        counts["matched"] += int((truth != beat_table.NO_BEAT).sum())
    y_true, y_pred, recs = map(np.concatenate, (y_true, y_pred, recs))
    n_classes = beat_table.NO_BEAT + 1
    _, matrices = record_confusions(y_true, y_pred, recs, n_classes)
    return {**counts, "figures": figures_from_confusion(matrices.sum(0)),
            "ci95_by_record": record_bootstrap_ci(y_true, y_pred, recs,
                                                  n_classes=n_classes),
            "confusion_matrix_with_no_beat": matrices.sum(0).tolist()}


def run_real_use(profile: str | None = None, seed: int = 0, device=None,
                 contexts=CONTEXTS, recipe=None) -> dict:
    """Train the inter-patient network once (:func:`run_mitbih`) and score it on DS2 under
    each context of ``contexts`` and at detected beats. Returns a JSON-ready dict: the
    benchmark's own result (``"reference"``), ``"contexts"`` {context: figures, interval
    over records, seconds to build the inputs} and ``"detector"``."""
    result = run_mitbih("inter", "cnnlstm", profile=profile, seed=seed, device=device,
                        recipe=recipe, verbose=False, return_predictions=True)
    kept = result.pop("_predictions")
    table, model, decision, recipe = (kept[k] for k in ("table", "model", "decision",
                                                         "recipe"))
    test = table[kept["test_idx"]]
    y = test.y()
    out = {"reference": result, "contexts": {}}
    for context in contexts:
        t0 = time.perf_counter()
        X = context_inputs(test, recipe, context)
        seconds = time.perf_counter() - t0
        pred = decision(predict_beats(model, X, device=device)[0])
        _, matrices = record_confusions(y, pred, test.records)
        out["contexts"][str(context)] = {
            "figures": figures_from_confusion(matrices.sum(0)),
            "ci95_by_record": record_bootstrap_ci(y, pred, test.records),
            "input_seconds": seconds, "input_ms_per_beat": 1000 * seconds / len(y)}
    records = [r for r in DS2 if r in set(test.records)]
    out["detector"] = detector_figures(model, recipe, decision, records, table.spec, device)
    return out



def condition_label(context) -> str:
    """How a table names a key of :func:`run_real_use`'s ``"contexts"`` (or ``"detector"``)."""
    fixed = {"whole": "whole record (bench)", "causal": "causal",
             "detector": "XQRS-detected beats"}
    return fixed.get(str(context)) or f"first {float(context):g} min"


def load_results(recipe: str = "profile", folder=RESULTS) -> dict[int, dict]:
    """The committed results of ``scripts/bench_mitbih_real_use.py``, ``{seed: result}``.

    ``recipe``: ``"profile"``, the full profile's recipe (some of whose choices saw DS2:
    ``mitbih.DS2_INFORMED``), or ``"ds1"``, the recipe frozen by the DS1-only search. A
    result whose recipe hash is not that recipe's (the recipe changed since) is refused.
    """
    if recipe not in ("profile", "ds1"):
        raise ValueError(f"recipe must be 'profile' or 'ds1', got {recipe!r}")
    paths = sorted(Path(folder).glob(f"mitbih_real_use_{recipe}_seed*.json"))
    if not paths:
        raise FileNotFoundError(f"no result of `python scripts/bench_mitbih_real_use.py "
                                f"--recipe {recipe}` in {folder}")
    if recipe == "profile":
        expected = recipe_hash(RECIPES["full"])
    else:
        expected = recipe_hash(load_frozen())
    out = {}
    for path in paths:
        result = json.loads(path.read_text())
        found = result["reference"]["provenance"]["recipe_hash"]
        if found != expected:
            raise ValueError(f"{path.name} was run with recipe {found}, not the current "
                             f"{recipe} recipe ({expected}): run the script again")
        out[int(path.stem.rsplit("seed", 1)[1])] = result
    return out
