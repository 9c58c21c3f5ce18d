"""Run the MIT-BIH heartbeat benchmark over several seeds; report both recipes on DS2.

    python scripts/bench_mitbih.py                      # cnnlstm, inter + intra, seeds 0 1 2
    python scripts/bench_mitbih.py --model gbm          # the gradient-boosting floor
    python scripts/bench_mitbih.py --wiring plain       # the CNN-LSTM, RR joined plainly
    python scripts/bench_mitbih.py --splits intra --epochs 8   # another budget
    python scripts/bench_mitbih.py --splits inter --seeds 0 --profile smoke
    python scripts/bench_mitbih.py --recipe ds1 --splits inter   # the DS1-only recipe
    python scripts/bench_mitbih.py --report     # both recipes' committed results; no training

Each run is a separate ``python -m ecgkit.bench mitbih ...`` process (so that its peak
memory is its own) writing ``bench-results/mitbih_<model>_<split>_seed<k>.json``. A JSON
that already exists is reused only when it was produced by this commit with this recipe
(its ``provenance`` block: ``commit``, ``recipe_hash``); otherwise the script stops and
says why, and ``--force`` runs again and replaces it. With ``--wiring plain`` the
files are named ``mitbih_cnnlstm-plain_...``, with ``--epochs 8`` ``..._e8_...``, with
``--n-models 1`` ``..._n1_...``. Every seed's figures and their per-figure medians
(each figure's median over the seeds: not one run) are printed next to the targets of the
issue and written to ``bench-results/mitbih_<model>_summary.json``.

``--report`` trains nothing. It prints, from the committed results of
``scripts/bench_mitbih_real_use.py`` (each holds this benchmark's result for its seed),
the full profile's recipe (some of whose choices saw DS2) and the recipe chosen on DS1
alone, side by side: every seed with 95 % intervals from a bootstrap over DS2 records,
the median run, the figures without record 232 and of record 232 alone, the figures at
XQRS-detected beats, the per-record table, and the paired DS1-only minus profile
difference (:mod:`ecgkit.experiments.mitbih.report`).

Timings depend on what else runs on the machine: on a shared CPU they are upper bounds.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ecgkit.experiments import mitbih  # noqa: E402  (after the path, for a plain checkout)
from ecgkit.experiments.mitbih.records import FIGURES  # noqa: E402
from ecgkit.experiments.results import git_commit  # noqa: E402

# Floors of the issue (inter-patient, DS2) and of the intra-patient split.
TARGETS = {
    "inter": {"accuracy": 0.92, "V_sensitivity": 0.90, "V_ppv": 0.80, "S_sensitivity": 0.60,
              "S_ppv": 0.35, "macro_f1_nsvf": 0.58},
    "intra": {"accuracy": 0.98},
}
LIMITS = {"train_time_s": 600.0, "inference_ms_per_beat": 1.0}
PER_FIGURE = "per-figure medians over the seeds (each figure's own median: not one run)"


def figures(result: dict) -> dict:
    """The figures the targets are set on, from one benchmark JSON."""
    t, pc = result["test"], result["test"]["per_class"]
    out = {"accuracy": t["accuracy"], "macro_f1_nsvf": t["macro_f1_nsvf"],
           "s_sensitivity_without_232": t.get("s_sensitivity_without_232"),
           "train_time_s": result["timing"]["train_time_s"],
           "inference_ms_per_beat": result["timing"]["inference_ms_per_beat"],
           "peak_rss_mib": result["memory"]["peak_rss_mib"]}
    for c in ("N", "S", "V", "F"):
        out[f"{c}_sensitivity"] = pc[c]["sensitivity"]
        out[f"{c}_ppv"] = pc[c]["ppv"]
    # How S was called (chosen on the training side), and the argmax figures beside.
    out["s_threshold"] = (result.get("s_threshold") or {}).get("value")
    out["prior_weight"] = (result.get("prior_weight") or {}).get("value")
    plain = result.get("test_argmax")
    if plain is not None:
        out["argmax_accuracy"] = plain["accuracy"]
        out["argmax_S_sensitivity"] = plain["per_class"]["S"]["sensitivity"]
        out["argmax_S_ppv"] = plain["per_class"]["S"]["ppv"]
        out["argmax_macro_f1_nsvf"] = plain["macro_f1_nsvf"]
    return out


def median_figures(results: list[dict]) -> dict:
    rows = [figures(r) for r in results]
    keys = {k: None for r in rows for k in r}  # union, in order (old JSONs lack some)
    return {k: (float(np.median([r[k] for r in rows if r.get(k) is not None]))
                if any(r.get(k) is not None for r in rows) else None) for k in keys}


def _floor(out_dir: Path, split: str) -> dict | None:
    """The gradient-boosting floor of a split from earlier ``--model gbm`` runs, if any."""
    path = out_dir / "mitbih_gbm_summary.json"
    if not path.is_file():
        return None
    summary = json.loads(path.read_text())
    part = summary.get("splits", {}).get(split)
    if part is None:
        return None
    return {"median": part["median"], "source": path.name,
            "macro_f1_by_seed": {s: f["macro_f1_nsvf"] for s, f in
                                 zip(summary["seeds"], part["per_seed"])}}


def reuse(out: Path, recipe_hash: str, commit: str | None) -> dict:
    """The result in ``out`` when this commit with this recipe produced it; else stop."""
    old = json.loads(out.read_text())
    prov = old.get("provenance") or {}
    stale = [f"{what} {prov.get(key)!r}, not {now!r}" for what, key, now in
             (("recipe", "recipe_hash", recipe_hash), ("commit", "commit", commit))
             if prov.get(key) != now]
    if stale:
        raise SystemExit(f"{out} was produced with {' and '.join(stale)}: it is not reused. "
                         "Pass --force to run again and replace it, or --out-dir to keep it.")
    print(f"reusing {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return old


def run_one(model: str, split: str, seed: int, profile: str | None, out: Path,
            force: bool, wiring: str | None = None, epochs: int | None = None,
            n_models: int | None = None, recipe: str = "profile") -> dict:
    if out.is_file() and not force:
        base = mitbih.selection.load_frozen() if recipe == "ds1" else None
        expected = mitbih.recipe_hash(mitbih.recipe_for(profile or "full", base,
                                                        epochs=epochs, wiring=wiring,
                                                        n_models=n_models))
        return reuse(out, expected, git_commit())
    cmd = [sys.executable, "-m", "ecgkit.bench", "mitbih", "--split", split, "--model", model,
           "--seed", str(seed), "--out", str(out)]
    if profile:
        cmd += ["--profile", profile]
    if wiring:
        cmd += ["--wiring", wiring]
    if epochs:
        cmd += ["--epochs", str(epochs)]
    if n_models:
        cmd += ["--n-models", str(n_models)]
    if recipe != "profile":
        cmd += ["--recipe", recipe]
    print("$", " ".join(cmd[1:]), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT, env={**os.environ})
    return json.loads(out.read_text())


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="cnnlstm", choices=["cnnlstm", "gbm"])
    p.add_argument("--splits", nargs="+", default=["inter", "intra"], choices=["inter", "intra"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--profile", default="full", choices=["smoke", "sample", "full"])
    p.add_argument("--out-dir", default=str(ROOT / "bench-results"))
    p.add_argument("--force", action="store_true", help="rerun even if a JSON exists")
    p.add_argument("--wiring", default=None, choices=["additive", "plain"],
                   help="the CNN-LSTM's wiring (default: the recipe's, additive)")
    p.add_argument("--epochs", type=int, default=None,
                   help="the CNN-LSTM's epochs (default: the profile's recipe)")
    p.add_argument("--n-models", type=int, default=None,
                   help="CNN-LSTM networks averaged (default: the profile's recipe)")
    p.add_argument("--recipe", default="profile", choices=["profile", "ds1"],
                   help="'ds1': the recipe frozen after the DS1-only search, scored once")
    p.add_argument("--report", action="store_true",
                   help="train nothing: print both recipes' committed DS2 results")
    p.add_argument("--results-dir", default=None,
                   help="with --report: where the real-use results are (default: the "
                        "committed ones)")
    args = p.parse_args(argv)
    if args.report:
        print(mitbih.report.format_report(args.results_dir or mitbih.realuse.RESULTS))
        return 0
    if args.n_models is not None and args.n_models < 1:
        p.error("--n-models must be positive")
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = (args.model + ("-ds1" if args.recipe == "ds1" else "")
            + (f"-{args.wiring}" if args.wiring and args.wiring != "additive" else "")
            + (f"_e{args.epochs}" if args.epochs else "")
            + (f"_n{args.n_models}" if args.n_models else ""))
    summary = {"model": args.model, "recipe": args.recipe, "wiring": args.wiring,
               "epochs": args.epochs,
               "n_models": args.n_models,
               "profile": args.profile,
               "seeds": args.seeds, "splits": {}}
    for split in args.splits:
        results = [run_one(args.model, split, s, args.profile,
                           out_dir / f"mitbih_{name}_{split}_seed{s}.json", args.force,
                           args.wiring, args.epochs, args.n_models, args.recipe)
                   for s in args.seeds]
        med = median_figures(results)
        summary["splits"][split] = {"median": med, "median_is": PER_FIGURE,
                                    "per_seed": [figures(r) for r in results]}
        print(f"\n{name} / {split}, profile {args.profile}: per seed, then {PER_FIGURE}")
        for r in results:
            f = figures(r)
            print(f"  seed {r['seed']}: " + ", ".join(
                f"{k} {'n/a' if f[k] is None else format(f[k], '.3f')}" for k in FIGURES))
        floor = _floor(out_dir, split) if args.model != "gbm" else None
        if floor:
            print(f"  {'':28s} {'':>10s}  (the trees' median, {floor['source']}: in [ ])")
        for key, value in med.items():
            target = TARGETS.get(split, {}).get(key)
            limit = LIMITS.get(key)
            note = ""
            if value is not None and target is not None:
                note = f"  target >= {target}: {'met' if value >= target else 'NOT met'}"
            elif value is not None and limit is not None:
                note = f"  limit <= {limit}: {'met' if value <= limit else 'NOT met'}"
            shown = "n/a" if value is None else f"{value:.4g}"
            if floor and floor["median"].get(key) is not None:
                note = f"  [{floor['median'][key]:.4g}]" + note
            print(f"  {key:28s} {shown:>10s}{note}")
        if floor:
            ours = {r["seed"]: figures(r)["macro_f1_nsvf"] for r in results}
            pairs = [(ours[k], v) for k, v in floor["macro_f1_by_seed"].items() if k in ours]
            print(f"  macro-F1 above the trees' in {sum(a > b for a, b in pairs)} of "
                  f"{len(pairs)} seeds (same seed, same split)")
    path = out_dir / f"mitbih_{name}_summary.json"
    path.write_text(json.dumps(summary, indent=2))
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
