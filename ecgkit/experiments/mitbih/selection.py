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
   (``python scripts/bench_mitbih.py --recipe ds1``).
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from ecgkit.experiments.mitbih.cv import cross_validate_recipes
from ecgkit.experiments.mitbih.recipe import (RECIPES, MitbihRecipe, recipe_hash,
                                              with_wiring)
from ecgkit.experiments.results import finite_or_none, git_commit

__all__ = ["GRID", "RULE", "SEEDS", "candidates", "search", "choose", "freeze",
           "load_frozen", "is_frozen", "FROZEN"]

# What may be chosen, declared before any run. The base is the full profile's budget.
GRID = {"wiring": ("additive", "plain"), "relative_to_median": (True, False),
        "epochs": (4, 8), "morph_dropout": (0.25, 0.5), "n_models": (1, 3)}
SEEDS = (0, 1, 2)
# Cost: 24 candidates x 3 seeds x 5 folds = 360 cross-validation fits, 720 networks (a
# 3-network candidate trains three). About 1.5 min per 4-epoch network on 2 CPU cores:
# over 20 hours on a CPU, so the search is sized for a GPU (under 20 s per network on an
# H100: about 4 hours in one process, less with several processes taking --names each).
RULE = ("the highest mean, over seeds 0-2, of the pooled out-of-fold macro-F1 over N, S, "
        "V, F on DS1 (5 folds by record); a candidate within 0.005 of the best that costs "
        "less (fewer networks, then fewer epochs) is taken instead")
TIE = 0.005
FROZEN = Path(__file__).with_name("ds1_recipe.json")


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
    per (candidate, seed) in ``folder``; pieces already there are read. Returns
    ``{name: {seed: piece}}`` of the pieces that exist after this call."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pool = candidates(base)
    unknown = set(names or ()) - set(pool)
    if unknown:
        raise ValueError(f"unknown candidates {sorted(unknown)}; see candidates()")
    done = {}
    for name in names or pool:
        for seed in seeds:
            path = _piece(folder, pool[name], seed)
            if not path.is_file():
                t0 = time.perf_counter()
                cv = cross_validate_recipes({name: pool[name]}, n_folds=n_folds, seed=seed,
                                            device=device, table=table)
                entry = cv["candidates"][name]
                entry.pop("_probs")
                piece = {"name": name, "seed": seed, "n_folds": n_folds,
                         "folds": cv["folds"], "recipe_hash": recipe_hash(pool[name]),
                         "commit": git_commit(), "seconds": time.perf_counter() - t0,
                         **entry}
                path.write_text(json.dumps(finite_or_none(piece), indent=1))
                if verbose:
                    print(f"{name}, seed {seed}: DS1 macro-F1 "
                          f"{entry['summary']['macro_f1_nsvf']:.3f} ({piece['seconds']:.0f} s)")
            done.setdefault(name, {})[seed] = json.loads(path.read_text())
    return done


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


def freeze(pieces: dict, path=FROZEN, base: MitbihRecipe | None = None,
           seeds=SEEDS) -> dict:
    """Choose (:func:`choose`) and write the chosen recipe with its hash to ``path``;
    an existing file is not overwritten (move it away first)."""
    path = Path(path)
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


def load_frozen(path=FROZEN) -> MitbihRecipe:
    """The frozen DS1-only recipe, checked against its hash."""
    path = Path(path)
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


def is_frozen(recipe: MitbihRecipe, path=FROZEN) -> bool:
    """Whether ``recipe`` is the frozen DS1-only recipe (False while none is frozen)."""
    path = Path(path)
    return path.is_file() and json.loads(path.read_text())["recipe_hash"] == recipe_hash(recipe)
