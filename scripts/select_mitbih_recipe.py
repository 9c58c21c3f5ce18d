"""Choose the CNN-LSTM's recipe for the inter-patient split on DS1 alone.

The declared search (ecgkit.experiments.mitbih.selection: candidates, rule, seeds fixed
in code before any run), resumable, then frozen:

    python scripts/select_mitbih_recipe.py --search             # all candidates, seeds 0-2
    python scripts/select_mitbih_recipe.py --search --jobs 2    # 2 processes (2 CPU cores)
    python scripts/select_mitbih_recipe.py --search --jobs 8    # 8 processes (a GPU)
    python scripts/select_mitbih_recipe.py --search --names "additive, 4 ep, drop 0.5, 1 net"
    python scripts/select_mitbih_recipe.py --status             # pieces done, cost so far
    python scripts/select_mitbih_recipe.py --freeze             # rule -> ds1_recipe.json
    python scripts/bench_mitbih_real_use.py --recipe ds1        # then, once, on DS2
    python scripts/bench_mitbih.py --report                     # beside the profile's

Each (candidate, seed) is one JSON in ``--dir`` (default
ecgkit/experiments/mitbih/ds1_search, in the repository: commit the pieces, so that
sittings on different machines add up); a piece already there is not run again, so the
search runs in several sittings or in several processes (``--jobs``, which shares out
only the unfinished candidates and the CPU cores, or ``--names``). A 1-network
candidate is read off the first network of its 3-network sibling. Its measured cost is in
the selection module's comments (many hours of 2 CPU cores).

Single comparisons (not the declared search):

    python scripts/select_mitbih_recipe.py                           # additive vs plain, 4 epochs
    python scripts/select_mitbih_recipe.py --epochs 4 8              # and two budgets
    python scripts/select_mitbih_recipe.py --wirings additive --morph-dropout 0.25 0.5
    python scripts/select_mitbih_recipe.py --wirings additive --n-models 3   # an ensemble
    python scripts/select_mitbih_recipe.py --folds 3 --profile sample   # quicker

Record-wise cross-validation (:func:`ecgkit.experiments.mitbih.cross_validate_recipes`):
DS1's 22 records in ``--folds`` groups; each candidate (a wiring of
:data:`ecgkit.experiments.mitbih.WIRINGS` at a number of epochs) is trained on the other
folds, as the benchmark trains it, and calls the beats of the held-out fold. DS2, the
test side of the benchmark, is not read. The candidate with the best pooled macro-F1
over N, S, V, F is the one to take into ``python -m ecgkit.bench mitbih``.

Cost: one training per network, candidate and fold (about 50 s each at 4 epochs on 2
CPU cores, so about 13 min for a candidate of the full recipe's three networks over 5
folds). Writes ``bench-results/mitbih_cv_seed<k>.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> dict:
    from ecgkit.experiments import mitbih
    from ecgkit.experiments.results import finite_or_none

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--wirings", nargs="+", choices=list(mitbih.WIRINGS),
                   default=list(mitbih.WIRINGS))
    p.add_argument("--epochs", nargs="+", type=int, default=None,
                   help="budgets to compare (default: the profile's recipe)")
    p.add_argument("--morph-dropout", nargs="+", type=float, default=None,
                   help="beat-branch dropouts to compare for the additive wiring "
                        "(default: the recipe's)")
    p.add_argument("--n-models", nargs="+", type=int, default=None,
                   help="networks averaged per candidate (default: the recipe's); an "
                        "ensemble's members are also scored alone")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--profile", choices=["smoke", "sample", "full"], default="full",
                   help="whose training budget (the folds always cover all of DS1)")
    p.add_argument("--device", default=None)
    p.add_argument("--out", default=None, help="default: bench-results/mitbih_cv_seed<k>.json")
    p.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    p.add_argument("--search", action="store_true",
                   help="run (or resume) the declared DS1-only search")
    p.add_argument("--names", nargs="+", default=None,
                   help="with --search: only these candidates (see --status for names)")
    p.add_argument("--status", action="store_true", help="which pieces of the search exist")
    p.add_argument("--freeze", action="store_true",
                   help="apply the rule to the complete search and freeze the recipe")
    p.add_argument("--jobs", type=int, default=1,
                   help="with --search: this many processes, each a share of the candidates")
    p.add_argument("--dir", default=None, help="where the pieces are (default: "
                   "ecgkit/experiments/mitbih/ds1_search)")
    args = p.parse_args(argv)
    if args.search or args.status or args.freeze:
        return declared_search(args)
    out = Path(args.out) if args.out else ROOT / "bench-results" / f"mitbih_cv_seed{args.seed}.json"
    if out.exists() and not args.force:
        p.error(f"{out} exists (an earlier comparison); pass --out or --force")
    if any(e < 1 for e in args.epochs or []):
        p.error("--epochs must be positive")
    if any(n < 1 for n in args.n_models or []):
        p.error("--n-models must be positive")
    if any(not 0 <= d < 1 for d in args.morph_dropout or []):
        p.error("--morph-dropout must be in [0, 1)")

    base = mitbih.RECIPES[args.profile]  # the budget; the table is always all of DS1
    candidates = {}
    for wiring in args.wirings:
        wired = mitbih.with_wiring(base, wiring)
        dropouts = (args.morph_dropout or [wired.morph_dropout]) if wiring == "additive" \
            else [wired.morph_dropout]
        for epochs in args.epochs or [base.epochs]:
            for dropout in dropouts:
                for n_models in args.n_models or [base.n_models]:
                    name = f"{wiring}, {epochs} epochs" + (
                        f", dropout {dropout:g}" if args.morph_dropout
                        and wiring == "additive" else "") + (
                        f", {n_models} nets" if n_models > 1 else "")
                    candidates[name] = replace(wired, epochs=epochs, morph_dropout=dropout,
                                               n_models=n_models)
    print(f"{len(candidates)} candidates x {args.folds} folds over DS1 (seed {args.seed}); "
          "DS2 is not read")
    result = mitbih.cross_validate_recipes(candidates, n_folds=args.folds,
                                           seed=args.seed, device=args.device,
                                           verbose=True)
    result["profile"] = args.profile

    f = lambda v: "  n/a" if v is None else f"{v:.3f}"  # noqa: E731

    def row(label, t, tail=""):
        pc = t["per_class"]
        return (f"{label:<24} {f(t['accuracy']):>6} {f(pc['S']['sensitivity']):>6} "
                f"{f(pc['S']['ppv']):>6} {f(pc['V']['sensitivity']):>6} "
                f"{f(pc['V']['ppv']):>6} {f(t['macro_f1_nsvf']):>6}{tail}")

    print(f"\nDS1 out-of-fold, {args.folds} folds by record:")
    print(f"{'candidate':<24} {'acc':>6} {'S Se':>6} {'S +P':>6} {'V Se':>6} {'V +P':>6} "
          f"{'mF1':>6} {'fold mF1':>14} {'train':>7}")
    for name, c in result["candidates"].items():
        folds = [v for v in c["fold_macro_f1_nsvf"] if v is not None]
        spread = f"{min(folds):.2f}-{max(folds):.2f}" if folds else "n/a"
        print(row(name, c["summary"], f" {spread:>14} {c['train_time_s']:>6.0f}s"))
        for k, m in enumerate(c.get("member_summaries", ())):
            print(row(f"  its network {k + 1}", m))
    print(f"chosen on DS1: {result['best']}")

    out.parent.mkdir(parents=True, exist_ok=True)
    probs = {name: c.pop("_probs") for name, c in result["candidates"].items()}
    ds1_index = result.pop("ds1_index")
    out.write_text(json.dumps(finite_or_none(result), indent=2))
    # the out-of-fold probabilities, for choosing decision rules on DS1 afterwards
    np.savez_compressed(out.with_suffix(".npz"), ds1_index=ds1_index,
                        names=np.array(list(probs)), **{f"probs_{i}": p for i, p in
                                                         enumerate(probs.values())})
    print(f"wrote {out}")
    return result


def declared_search(args) -> dict:
    """--search, --status, --freeze: the declared search of mitbih.selection."""
    from ecgkit.experiments.mitbih import selection

    pool = selection.candidates()
    folder = Path(args.dir) if args.dir else selection.PIECES
    pieces = selection.load_pieces(folder)
    if args.search and args.jobs > 1 and not args.names:
        complete = [n for n, v in pieces.items() if len(v) == len(selection.SEEDS)]
        return _in_processes(args, folder, selection.job_groups(args.jobs, done=complete))
    if args.search:
        return selection.search(folder, args.names, n_folds=args.folds, device=args.device)
    done = sum(len(v) for v in pieces.values())
    # a piece read off an ensemble's first network trained nothing of its own
    trained = [p["seconds"] for v in pieces.values() for p in v.values()
               if "derived_from" not in p]
    print(f"{done} of {len(pool) * len(selection.SEEDS)} pieces in {folder}; "
          f"{sum(trained):.0f} s of training")
    for name in pool:
        got = sorted(pieces.get(name, {}))
        print(f"  {name:<40} seeds done {got}")
    if args.freeze:
        if len(pieces) < len(pool):
            raise SystemExit("the search is not complete; run --search to resume it")
        frozen = selection.freeze(pieces)
        print(f"froze {frozen['name']} (hash {frozen['recipe_hash']}) in {selection.FROZEN}")
        return frozen
    return pieces


def _in_processes(args, folder: Path, groups: list[list[str]]) -> dict:
    """--search --jobs N: one process per group of candidates, all at once; then the
    status. A process that fails leaves the pieces it finished."""
    base = [sys.executable, str(Path(__file__).resolve()), "--search", "--dir", str(folder),
            "--folds", str(args.folds)] + (["--device", args.device] if args.device else [])
    # Each process would otherwise take every core. On 2 cores, two processes of one
    # thread each trained 1.2 x as many networks per hour as one process of two threads.
    env = dict(os.environ)
    threads = max(1, (os.cpu_count() or 1) // max(1, len(groups)))
    env.setdefault("OMP_NUM_THREADS", str(threads))
    procs = [subprocess.Popen(base + ["--names", *group], env=env) for group in groups]
    failed = [i for i, proc in enumerate(procs) if proc.wait() != 0]
    if failed:
        raise SystemExit(f"search processes {failed} failed; run --search again to resume")
    args.search = False
    return declared_search(args)


if __name__ == "__main__":
    main()
