"""Both CNN-LSTM recipes on DS2, side by side: per seed, per record, in real use.

What ``python scripts/bench_mitbih.py --report`` prints. It trains nothing: it reads the
committed results of ``scripts/bench_mitbih_real_use.py`` (:func:`realuse.load_results`),
each of which holds the benchmark's own result (``"reference"``: reference beats, whole
records) beside its real-use figures. Two recipes, labelled for what they are
(:data:`RECIPE_LABELS`): the full profile's, some of whose choices saw DS2, and the one
frozen by the search on DS1 alone. Every seed is shown, each figure with its 95 %
interval from a bootstrap over DS2 records; the "median run" is a real run (the seed
whose macro-F1 is the median), not per-figure medians.
"""
from __future__ import annotations

import textwrap

import numpy as np

from ecgkit.experiments.mitbih.realuse import RESULTS, condition_label, load_results
from ecgkit.experiments.mitbih.recipe import DS2_INFORMED
from ecgkit.experiments.mitbih.records import FIGURES, figures_from_confusion

__all__ = ["RECIPE_LABELS", "median_run", "format_header", "format_row", "paired_difference",
           "format_budget", "format_recipe", "format_report"]

RECIPE_LABELS = {
    "profile": "the full profile's recipe; choices that saw DS2: " + "; ".join(DS2_INFORMED),
    "ds1": "the recipe chosen on DS1 alone (scripts/select_mitbih_recipe.py), frozen with "
           "its hash before DS2 was read",
}


def median_run(results: dict[int, dict]) -> int:
    """The seed whose DS2 macro-F1 (N, S, V, F) is the median of the seeds' (with an even
    number of seeds, the lower of the two middle ones): a run that happened."""
    by_f1 = sorted(results, key=lambda s: (results[s]["reference"]["test"]["macro_f1_nsvf"]
                                           or 0.0, s))
    return by_f1[(len(by_f1) - 1) // 2]


def format_row(label: str, figures: dict, ci: dict | None = None) -> str:
    """One line of :data:`~ecgkit.experiments.mitbih.records.FIGURES`, each with its
    interval ``[low-high]`` when ``ci`` (a :func:`record_bootstrap_ci` dict) has one."""
    cells = []
    for key in FIGURES:
        v = figures.get(key)
        text = "n/a" if v is None else f"{v:.3f}"
        if ci and (ci.get(key) or {}).get("low") is not None:
            text += f" [{ci[key]['low']:.2f}-{ci[key]['high']:.2f}]"
        cells.append(f"{text:>18}")
    return f"{label:<28}" + "".join(cells)


def format_header() -> str:
    """The column names above :func:`format_row`'s lines."""
    return f"{'':<28}" + "".join(f"{c:>18}" for c in FIGURES)


def _record_matrices(results: dict[int, dict], seeds) -> tuple[list[str], np.ndarray]:
    """``(records, (seeds, records, 5, 5))`` from the results' per-record confusions."""
    stored = []
    for s in seeds:
        found = results[s]["reference"]["test"].get("confusions_by_record")
        if found is None:
            raise ValueError(f"the seed {s} result has no per-record confusions (it predates "
                             "them): run scripts/bench_mitbih_real_use.py again")
        stored.append(found)
    records = sorted(stored[0])
    if any(sorted(m) != records for m in stored):
        raise ValueError("the results were scored on different DS2 records")
    return records, np.array([[m[r] for r in records] for m in stored])


def paired_difference(a: dict[int, dict], b: dict[int, dict], figure: str = "macro_f1_nsvf",
                      n: int = 1000, seed: int = 0) -> dict:
    """``figure`` of recipe ``a`` minus recipe ``b`` on DS2, over the seeds both have.

    Paired twice: seed k of ``a`` against seed k of ``b``, and in each of ``n`` bootstrap
    resamples the same DS2 records (patients) drawn for both recipes and every seed.

    Returns
    -------
    dict: ``difference`` (mean over seeds, all records), ``per_seed``, ``ci95`` (low,
    high) and ``verdict`` ("a better", "b better" or "cannot tell apart").
    """
    if figure not in FIGURES:
        raise ValueError(f"figure must be one of {FIGURES}, got {figure!r}")
    seeds = sorted(set(a) & set(b))
    if not seeds:
        raise ValueError("the two recipes have no seed in common")
    records, ma = _record_matrices(a, seeds)
    records_b, mb = _record_matrices(b, seeds)
    if records != records_b:
        raise ValueError("the two recipes were scored on different DS2 records")

    def per_seed(rows):
        out = []
        for k in range(len(seeds)):
            fa = figures_from_confusion(ma[k, rows].sum(0))[figure]
            fb = figures_from_confusion(mb[k, rows].sum(0))[figure]
            out.append(None if fa is None or fb is None else fa - fb)
        return out

    everything = per_seed(np.arange(len(records)))
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n):
        d = per_seed(rng.integers(0, len(records), len(records)))
        if None not in d:
            draws.append(float(np.mean(d)))
    low, high = (float(q) for q in np.quantile(draws, [0.025, 0.975]))
    verdict = "a better" if low > 0 else "b better" if high < 0 else "cannot tell apart"
    return {"figure": figure, "seeds": seeds, "per_seed": everything,
            "difference": float(np.mean(everything)), "ci95": (low, high),
            "resamples": len(draws), "verdict": verdict}


def _per_record_lines(rows: list[dict]) -> list[str]:
    f = lambda v: "   n/a" if v is None else f"{v:6.3f}"  # noqa: E731
    lines = [f"  {'record':>6} {'N':>5} {'S':>5} {'V':>5} {'F':>4}  {'acc':>6} "
             f"{'S Se':>6} {'S +P':>6} {'V Se':>6} {'V +P':>6}"]
    for r in rows:
        lines.append(f"  {r['record']:>6} {r['beats_N']:5d} {r['beats_S']:5d} "
                     f"{r['beats_V']:5d} {r['beats_F']:4d}  {f(r['accuracy'])} "
                     f"{f(r['S_sensitivity'])} {f(r['S_ppv'])} {f(r['V_sensitivity'])} "
                     f"{f(r['V_ppv'])}")
    return lines


def _budget_key(results: dict[int, dict]) -> tuple:
    recipe = next(iter(results.values()))["reference"]["recipe"]
    return recipe["n_models"], recipe["epochs"], recipe["samples_per_epoch"]


def format_budget(results: dict[int, dict]) -> str:
    """What one run of the recipe trains, and how long it took, seed by seed."""
    n_models, epochs, samples = _budget_key(results)
    seconds = ", ".join(f"{r['reference']['timing']['train_time_s']:.0f}"
                        for _, r in sorted(results.items()))
    where = sorted({f"{r['reference']['protocol']['device']}, "
                    f"{r['reference'].get('cpu_threads')} threads" for r in results.values()})
    return (f"budget: {n_models} network(s) x {epochs} epochs x "
            f"{samples:,} sampled beats; trained in {seconds} s "
            f"(seeds {', '.join(map(str, sorted(results)))}; {' / '.join(where)})")


def format_recipe(name: str, results: dict[int, dict]) -> str:
    """The report of one recipe (``"profile"`` or ``"ds1"``): every seed with its
    intervals, without record 232, record 232 alone, at detected beats; the per-record
    table of the median run."""
    middle = median_run(results)
    lines = [textwrap.fill(f"== {name}: {RECIPE_LABELS[name]}", 100, subsequent_indent="   "),
             format_budget(results),
             "DS2, reference beats, whole records; [95 % interval, bootstrap over records]",
             format_header()]
    for s, res in sorted(results.items()):
        test = res["reference"]["test"]
        ci = test["ci95_by_record"]
        lines.append(format_row(f"seed {s}" + (" (median run)" if s == middle else ""),
                                {k: ci[k]["point"] for k in FIGURES}, ci))
    for s, res in sorted(results.items()):
        test = res["reference"]["test"]
        if "without_232" in test:
            lines.append(format_row(f"seed {s} without 232",
                                    {k: test["without_232"][k]["point"] for k in FIGURES},
                                    test["without_232"]))
    for s, res in sorted(results.items()):
        only = [r for r in res["reference"]["test"]["per_record"] if r["record"] == "232"]
        if only:
            lines.append(format_row(f"seed {s} record 232 alone", only[0]))
    for s, res in sorted(results.items()):
        det = res["detector"]
        lines.append(format_row(f"seed {s} {condition_label('detector')}",
                                det["figures"], det["ci95_by_record"]))
    lines.append(f"per record, median run (seed {middle}); beats per class:")
    lines += _per_record_lines(results[middle]["reference"]["test"]["per_record"])
    return "\n".join(lines)


def format_report(folder=RESULTS) -> str:
    """Both recipes' committed DS2 results (:func:`format_recipe`), and, when both exist,
    the DS1-only recipe's paired macro-F1 difference from the profile's
    (:func:`paired_difference`)."""
    found, parts = {}, []
    for name in ("profile", "ds1"):
        try:
            found[name] = load_results(name, folder)
        except FileNotFoundError as missing:
            parts.append(f"== {name}: not run yet ({missing})")
            continue
        parts.append(format_recipe(name, found[name]))
    if len(found) == 2:
        try:
            d = paired_difference(found["ds1"], found["profile"])
        except ValueError as why:
            parts.append(f"ds1 - profile, paired: not available ({why})")
        else:
            same = len({_budget_key(found[n]) for n in found}) == 1
            parts.append(("equal budgets" if same else "budgets differ (see above)") + "; "
                         f"ds1 - profile, DS2 macro-F1 (N, S, V, F): {d['difference']:+.3f} "
                         f"(per seed {', '.join(f'{x:+.3f}' for x in d['per_seed'])}; 95 % "
                         f"bootstrap over records {d['ci95'][0]:+.3f} to {d['ci95'][1]:+.3f}:"
                         f" {d['verdict']})")
    return "\n\n".join(parts)
