"""A CNN-LSTM recipe chosen on DS1 alone: candidates declared up front, a stated rule,
resumable pieces, a frozen result with its hash.

The order of work (``scripts/select_mitbih_recipe.py --search``):

1. :func:`candidates` lists every recipe that may be chosen: wiring (additive / plain),
   input (beat minus the record's median beat, or the beat itself), epochs, beat-branch
   dropout, number of networks averaged. The decision rule is not a candidate: each
   candidate chooses its S threshold and prior weight on its own validation records
   (:func:`~ecgkit.experiments.mitbih.decision_on_validation`), inside each fold.
2. :func:`search` cross-validates each candidate by record on DS1
   (:func:`~ecgkit.experiments.mitbih.cross_validate_recipes`) for each seed, one JSON
   per (candidate, seed) in a folder: a piece already there (same recipe hash, same
   folds) is read, not run again, so the search can run in several sittings.
3. :data:`RULE` picks the recipe from the pieces (:func:`choose`); :func:`freeze` writes
   it with its hash (``ds1_recipe.json``); only then is it scored on DS2, once
   (``python scripts/bench_mitbih_real_use.py --recipe ds1``: the benchmark's figures and
   the real-use ones; ``scripts/bench_mitbih.py --report`` shows them beside the profile's).
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from ecgkit import config
from ecgkit.experiments.mitbih.cv import cross_validate_recipes
from ecgkit.experiments.mitbih.recipe import (RECIPES, MitbihRecipe, recipe_hash,
                                              with_wiring)
from ecgkit.experiments.results import finite_or_none, git_commit
from ecgkit.explain.faithfulness import bootstrap_mean_ci

__all__ = ["GRID", "RULE", "SEEDS", "candidates", "search", "ensemble_of", "derived_piece",
           "job_groups", "load_pieces", "compare", "choose", "freeze", "load_frozen",
           "is_frozen", "FROZEN", "PIECES"]

# What may be chosen, declared before any run. The base is the full profile's budget.
GRID = {"wiring": ("additive", "plain"), "relative_to_median": (True, False),
        "epochs": (4, 8), "morph_dropout": (0.25, 0.5), "n_models": (1, 3)}
SEEDS = (0, 1, 2)
# Cost: 24 candidates x 3 seeds x 5 folds = 360 cross-validation fits. A 1-network
# candidate is the first network of its 3-network sibling (same recipe, same seed:
# member_seeds), so search() trains the 3-network candidates and reads each 1-network
# candidate off their first member: 12 x 3 x 5 x 3 = 540 networks, half of 4 epochs and
# half of 8. Measured on 2 CPU cores (the committed pieces' seconds): 36 trained pieces
# in 17.7 process-hours, a 4-epoch piece (15 networks) in 730-1,310 s and an 8-epoch one
# in 1,515-2,835 s, the longer times with two pieces side by side, one thread each. Two
# at a time (--jobs 2), about 9-10 hours of wall clock, in several sittings; a GPU
# machine with several processes (--jobs) takes it in one.
RULE = ("the highest mean, over seeds 0-2, of the pooled out-of-fold macro-F1 over N, S, "
        "V, F on DS1 (5 folds by record); a candidate within 0.005 of the best that costs "
        "less (fewer networks, then fewer epochs) is taken instead")
TIE = 0.005
FROZEN = Path(__file__).with_name("ds1_recipe.json")
# Where the pieces are kept: in the repository, so that sittings on different machines add up.
PIECES = Path(__file__).with_name("ds1_search")


def candidates(base: MitbihRecipe | None = None) -> dict[str, MitbihRecipe]:
    """Every candidate recipe, by name. The dropout of the beat branch exists only in the
    additive wiring, so the plain wiring has one candidate per other setting."""
    base = base or RECIPES["full"]
    out = {}
    for wiring in GRID["wiring"]:
        for relative in GRID["relative_to_median"]:
            for epochs in GRID["epochs"]:
                for dropout in GRID["morph_dropout"] if wiring == "additive" else (0.0,):
                    for n_models in GRID["n_models"]:
                        recipe = replace(with_wiring(base, wiring), epochs=epochs,
                                         relative_to_median=relative,
                                         morph_dropout=dropout, n_models=n_models)
                        name = (f"{wiring}{'' if relative else ', raw beat'}, {epochs} ep"
                                + (f", drop {dropout:g}" if wiring == "additive" else "")
                                + f", {n_models} net{'s' if n_models > 1 else ''}")
                        out[name] = recipe
    return out


def _piece(folder: Path, recipe: MitbihRecipe, seed: int) -> Path:
    return folder / f"cv_{recipe_hash(recipe)}_seed{seed}.json"


def search(folder, names=None, seeds=SEEDS, n_folds: int = 5, device=None, table=None,
           base: MitbihRecipe | None = None, verbose: bool = True) -> dict:
    """Cross-validate the candidates (all, or ``names``) on DS1 for each seed, one JSON
    per (candidate, seed) in ``folder``; pieces already there are read. A 1-network
    candidate whose 3-network sibling is run too (or has its piece already) is not
    trained: its piece is the sibling's first member, scored on its own
    (:func:`derived_piece`). Returns ``{name: {seed: piece}}`` of the pieces that exist
    after this call."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pool = candidates(base)
    unknown = set(names or ()) - set(pool)
    if unknown:
        raise ValueError(f"unknown candidates {sorted(unknown)}; see candidates()")
    todo = list(names or pool)
    done = {}
    # ensembles first: their first networks are the single-network candidates
    for name in sorted(todo, key=lambda n: -pool[n].n_models):
        sibling = ensemble_of(pool, name)
        for seed in seeds:
            path = _piece(folder, pool[name], seed)
            source = _piece(folder, pool[sibling], seed) if sibling else None
            if not path.is_file() and source is not None and (
                    source.is_file() or sibling in todo):
                path.write_text(json.dumps(derived_piece(
                    json.loads(source.read_text()), name, pool[name]), indent=1))
            elif not path.is_file():
                _run_piece(path, name, pool[name], seed, n_folds, device, table, verbose)
            done.setdefault(name, {})[seed] = json.loads(path.read_text())
    return done


def ensemble_of(pool: dict, name: str) -> str | None:
    """The candidate of ``pool`` whose first network is the 1-network candidate ``name``
    (the same recipe with the most networks), or None."""
    recipe = pool[name]
    if recipe.n_models != 1:
        return None
    bigger = replace(recipe, n_models=max(GRID["n_models"]))
    return next((n for n, r in pool.items() if r == bigger and n != name), None)


def derived_piece(ensemble_piece: dict, name: str, recipe: MitbihRecipe) -> dict:
    """The piece of a 1-network candidate read off its 3-network sibling's piece: the
    first member's out-of-fold calls (with its own decision rule, chosen on the same
    validation records), which are exactly what training the 1-network candidate with
    the same seed would give."""
    if not ensemble_piece.get("member_summaries"):
        raise ValueError(f"{ensemble_piece.get('name')!r} has no member figures to derive "
                         f"{name!r} from")
    n = len(ensemble_piece["member_summaries"])
    return finite_or_none({
        "name": name, "seed": ensemble_piece["seed"], "n_folds": ensemble_piece["n_folds"],
        "folds": ensemble_piece["folds"], "recipe_hash": recipe_hash(recipe),
        "commit": ensemble_piece["commit"], "seconds": ensemble_piece["seconds"] / n,
        **{k: ensemble_piece[k] for k in ("device", "threads") if k in ensemble_piece},
        "summary": ensemble_piece["member_summaries"][0],
        "train_time_s": ensemble_piece["train_time_s"] / n,
        "recipe": {**asdict(recipe), "wiring": recipe.wiring},
        "derived_from": {"name": ensemble_piece["name"],
                         "recipe_hash": ensemble_piece["recipe_hash"], "member": 0}})


def job_groups(n_jobs: int, base: MitbihRecipe | None = None,
               done=()) -> list[list[str]]:
    """The candidates split over ``n_jobs`` processes (``--search --jobs``): each
    3-network candidate with the 1-network candidate read off it, in one process; the
    8-epoch groups (twice the cost) dealt out first. Groups whose every candidate is in
    ``done`` (all seeds' pieces exist) are left out, so that a resumed search shares out
    only what is left."""
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be at least 1, got {n_jobs}")
    pool = candidates(base)
    groups = [[name] + [n for n in pool if ensemble_of(pool, n) == name]
              for name in pool if pool[name].n_models > 1]
    groups = [g for g in groups if not set(g) <= set(done)]
    groups.sort(key=lambda g: -pool[g[0]].epochs)
    jobs = [[] for _ in range(min(n_jobs, len(groups)))]
    for i, group in enumerate(groups):
        jobs[i % len(jobs)].extend(group)
    return jobs


def load_pieces(folder=PIECES, base: MitbihRecipe | None = None) -> dict:
    """The pieces of the search found in ``folder``, ``{name: {seed: piece}}``; a
    candidate with no piece yet is left out. A piece is found by its recipe's hash, so
    a piece of an edited candidate is not mistaken for the declared one."""
    folder, pieces = Path(folder), {}
    for name, recipe in candidates(base).items():
        for seed in SEEDS:
            path = _piece(folder, recipe, seed)
            if path.is_file():
                pieces.setdefault(name, {})[seed] = json.loads(path.read_text())
    return pieces


def compare(pieces: dict, a: str, b: str, seeds=SEEDS, n_boot: int = 2000) -> dict:
    """Candidate ``a`` against ``b`` on DS1, paired: the same record folds, the same seeds.

    ``difference``: the mean over seeds of the pooled out-of-fold macro-F1 (N, S, V, F) of
    ``a`` minus ``b`` (what :data:`RULE` compares), with ``per_seed``; ``ci95``: a
    bootstrap over the record folds (patients) of the mean fold macro-F1 difference
    (averaged over seeds); ``verdict``: ``"a better"``, ``"b better"`` or ``"cannot tell
    apart"`` (the interval contains 0). Needs each fold's figure, so not for a candidate
    read off an ensemble (:func:`derived_piece` keeps only pooled figures)."""
    missing = [f"{n} seed {s}" for n in (a, b) for s in seeds if s not in pieces.get(n, {})]
    if missing:
        raise ValueError(f"pieces missing for the comparison: {missing}")
    pa, pb = ([pieces[n][s] for s in seeds] for n in (a, b))
    if any(x["folds"] != y["folds"] for x, y in zip(pa, pb)):
        raise ValueError(f"{a!r} and {b!r} were not run on the same folds")
    if any("fold_macro_f1_nsvf" not in x for x in pa + pb):
        raise ValueError("a piece read off an ensemble has no per-fold figures; compare "
                         "it with the per-seed differences only")
    per_seed = [x["summary"]["macro_f1_nsvf"] - y["summary"]["macro_f1_nsvf"]
                for x, y in zip(pa, pb)]
    by_fold = np.mean([np.subtract(x["fold_macro_f1_nsvf"], y["fold_macro_f1_nsvf"])
                       for x, y in zip(pa, pb)], axis=0)
    _, low, high = bootstrap_mean_ci(by_fold, n_boot=n_boot)
    verdict = "a better" if low > 0 else "b better" if high < 0 else "cannot tell apart"
    return {"a": a, "b": b, "difference": float(np.mean(per_seed)), "per_seed": per_seed,
            "fold_difference": float(by_fold.mean()), "ci95": (low, high),
            "verdict": verdict}


def _run_piece(path: Path, name: str, recipe: MitbihRecipe, seed: int, n_folds: int,
               device, table, verbose: bool) -> None:
    t0 = time.perf_counter()
    cv = cross_validate_recipes({name: recipe}, n_folds=n_folds, seed=seed, device=device,
                                table=table)
    entry = cv["candidates"][name]
    entry.pop("_probs")
    piece = {"name": name, "seed": seed, "n_folds": n_folds, "folds": cv["folds"],
             "recipe_hash": recipe_hash(recipe), "commit": git_commit(),
             # GPU networks are not bit for bit CPU ones: a mixed search says which ran where
             "device": config.get_device(device).type, "threads": torch.get_num_threads(),
             "seconds": time.perf_counter() - t0, **entry}
    path.write_text(json.dumps(finite_or_none(piece), indent=1))
    if verbose:
        print(f"{name}, seed {seed}: DS1 macro-F1 {entry['summary']['macro_f1_nsvf']:.3f} "
              f"({piece['seconds']:.0f} s)")


def choose(pieces: dict, seeds=SEEDS) -> dict:
    """Apply :data:`RULE` to ``{name: {seed: piece}}``; every candidate must have every
    seed. Returns ``{"chosen", "table"}``, the table one row per candidate."""
    missing = [f"{n} seed {s}" for n, by_seed in pieces.items() for s in seeds
               if s not in by_seed]
    if missing or not pieces:
        raise ValueError(f"the search is not complete: missing {missing[:5]} "
                         f"({len(missing)} pieces); run search() again to resume")
    table = {}
    for name, by_seed in pieces.items():
        f1 = [by_seed[s]["summary"]["macro_f1_nsvf"] or 0.0 for s in seeds]
        recipe = by_seed[seeds[0]]["recipe"]
        table[name] = {"mean_macro_f1_nsvf": float(np.mean(f1)), "per_seed": f1,
                       "n_models": recipe["n_models"], "epochs": recipe["epochs"],
                       "seconds": sum(by_seed[s]["seconds"] for s in seeds)}
    best = max(v["mean_macro_f1_nsvf"] for v in table.values())
    near = [n for n, v in table.items() if v["mean_macro_f1_nsvf"] >= best - TIE]
    chosen = min(near, key=lambda n: (table[n]["n_models"], table[n]["epochs"],
                                      -table[n]["mean_macro_f1_nsvf"]))
    return {"chosen": chosen, "table": table}


def freeze(pieces: dict, path=None, base: MitbihRecipe | None = None,
           seeds=SEEDS) -> dict:
    """Choose (:func:`choose`) and write the chosen recipe with its hash to ``path``;
    an existing file is not overwritten (move it away first). ``path`` defaults to
    :data:`FROZEN`."""
    path = Path(path or FROZEN)
    if path.exists():
        raise FileExistsError(f"{path} exists: a recipe is already frozen; move it away "
                              "to freeze another")
    decision = choose(pieces, seeds)
    recipe = candidates(base)[decision["chosen"]]
    frozen = {"name": decision["chosen"], "recipe": asdict(recipe),
              "recipe_hash": recipe_hash(recipe), "rule": RULE, "grid": GRID,
              "seeds": list(seeds), "candidates": decision["table"],
              "commit": git_commit(), "date": time.strftime("%Y-%m-%d"),
              "ds2": "not read: the recipe was chosen on DS1 alone"}
    path.write_text(json.dumps(finite_or_none(frozen), indent=1))
    return frozen


def load_frozen(path=None) -> MitbihRecipe:
    """The frozen DS1-only recipe (``path``, default :data:`FROZEN`), checked against
    its hash."""
    path = Path(path or FROZEN)
    if not path.is_file():
        raise FileNotFoundError(
            f"no frozen DS1-only recipe at {path}: run `python scripts/select_mitbih_recipe.py "
            "--search` to completion, then `--freeze` (see ecgkit.experiments.mitbih.selection)")
    frozen = json.loads(path.read_text())
    recipe = MitbihRecipe(**frozen["recipe"])
    if recipe_hash(recipe) != frozen["recipe_hash"]:
        raise ValueError(f"{path}: the recipe does not match its hash; it was edited after "
                         "it was frozen")
    return recipe


def is_frozen(recipe: MitbihRecipe, path=None) -> bool:
    """Whether ``recipe`` is the frozen DS1-only recipe (False while none is frozen)."""
    path = Path(path or FROZEN)
    return path.is_file() and json.loads(path.read_text())["recipe_hash"] == recipe_hash(recipe)
