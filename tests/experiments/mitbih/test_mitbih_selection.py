"""The declared DS1-only recipe search: candidates, resumable pieces, the rule, freezing."""
import json

import pytest

from ecgkit.experiments.mitbih import recipe_hash, selection


@pytest.fixture
def fake_cv(monkeypatch):
    """cross_validate_recipes stand-in: a fixed DS1 macro-F1 per candidate, and a count."""
    calls = []

    def fake(cands, n_folds, seed, device, table):
        (name, recipe), = cands.items()
        calls.append((name, seed))
        score = 0.5 + 0.01 * recipe.epochs + 0.03 * recipe.n_models + 0.001 * seed
        members = [{"macro_f1_nsvf": score - 0.03 * (recipe.n_models - 1) + k / 100}
                   for k in range(recipe.n_models)] if recipe.n_models > 1 else None
        return {"folds": [["101"], ["106"]], "candidates": {name: {
            "summary": {"macro_f1_nsvf": score}, "recipe": {"n_models": recipe.n_models,
                                                            "epochs": recipe.epochs},
            "train_time_s": 3.0 * recipe.n_models, "_probs": None,
            **({"member_summaries": members} if members else {})}}}
    monkeypatch.setattr(selection, "cross_validate_recipes", fake)
    return calls


def test_candidates_are_declared_and_distinct():
    pool = selection.candidates()
    assert len({recipe_hash(r) for r in pool.values()}) == len(pool) == 24
    assert {r.n_models for r in pool.values()} == set(selection.GRID["n_models"])
    assert all(r.morph_dropout == 0 for n, r in pool.items() if n.startswith("plain"))


def test_search_resumes_and_the_rule_prefers_the_cheaper_near_tie(fake_cv, tmp_path):
    names = list(selection.candidates())[:4]   # two pairs: 1 network, and its 3
    first = selection.search(tmp_path, names[:2], verbose=False)
    # one trained candidate per seed: the single network is the ensemble's first
    assert len(fake_cv) == len(selection.SEEDS) and set(first) == set(names[:2])
    trained = first[max(names[:2], key=lambda n: selection.candidates()[n].n_models)][0]
    assert trained["device"] in ("cpu", "cuda", "mps") and trained["threads"] >= 1
    read_off = first[min(names[:2], key=lambda n: selection.candidates()[n].n_models)][0]
    assert (read_off["device"], read_off["threads"]) == (trained["device"], trained["threads"])
    selection.search(tmp_path, names, verbose=False)       # resumes: the new pair only
    assert len(fake_cv) == 2 * len(selection.SEEDS)
    pieces = selection.search(tmp_path, names, verbose=False)
    assert len(fake_cv) == 2 * len(selection.SEEDS)         # nothing run again
    decision = selection.choose(pieces)
    table = decision["table"]
    best = max(table, key=lambda n: table[n]["mean_macro_f1_nsvf"])
    assert table[best]["n_models"] == 3                      # the fake favours 3 networks
    assert decision["chosen"] == best                        # 0.06 ahead: not a tie
    with pytest.raises(ValueError, match="unknown candidates"):
        selection.search(tmp_path, ["nope"], verbose=False)


def test_freeze_and_load(fake_cv, tmp_path):
    names = list(selection.candidates())[:2]
    pieces = selection.search(tmp_path / "pieces", names, verbose=False)
    del pieces[names[1]][2]
    with pytest.raises(ValueError, match="not complete"):
        selection.choose(pieces)
    pieces = selection.search(tmp_path / "pieces", names, verbose=False)
    frozen = selection.freeze(pieces, tmp_path / "ds1.json")
    recipe = selection.load_frozen(tmp_path / "ds1.json")
    assert recipe_hash(recipe) == frozen["recipe_hash"]
    assert selection.is_frozen(recipe, tmp_path / "ds1.json")
    with pytest.raises(FileExistsError, match="already frozen"):
        selection.freeze(pieces, tmp_path / "ds1.json")
    edited = json.loads((tmp_path / "ds1.json").read_text())
    edited["recipe"]["epochs"] += 1
    (tmp_path / "ds1.json").write_text(json.dumps(edited))
    with pytest.raises(ValueError, match="edited after"):
        selection.load_frozen(tmp_path / "ds1.json")
    with pytest.raises(FileNotFoundError, match="--search"):
        selection.load_frozen(tmp_path / "none.json")


def test_rule_takes_the_cheaper_of_a_near_tie():
    def piece(f1, n_models, epochs):
        return {s: {"summary": {"macro_f1_nsvf": f1}, "seconds": 1.0,
                    "recipe": {"n_models": n_models, "epochs": epochs}}
                for s in selection.SEEDS}
    pieces = {"big": piece(0.700, 3, 8), "small": piece(0.697, 1, 4), "bad": piece(0.6, 1, 4)}
    assert selection.choose(pieces)["chosen"] == "small"      # within 0.005, cheaper
    pieces["big"] = piece(0.710, 3, 8)
    assert selection.choose(pieces)["chosen"] == "big"        # clearly better


def test_single_network_candidates_are_read_off_their_ensembles(fake_cv, tmp_path):
    """A 1-network candidate is not trained when its 3-network sibling runs (or has run):
    its piece is the sibling's first member; alone, it is trained."""
    pool = selection.candidates()
    single = next(n for n, r in pool.items() if r.n_models == 1)
    ensemble = selection.ensemble_of(pool, single)
    assert pool[ensemble].n_models == 3 and selection.ensemble_of(pool, ensemble) is None
    alone = selection.search(tmp_path / "alone", [single], verbose=False)
    assert fake_cv == [(single, s) for s in selection.SEEDS]
    fake_cv.clear()
    pieces = selection.search(tmp_path / "both", [single, ensemble], verbose=False)
    assert fake_cv == [(ensemble, s) for s in selection.SEEDS]      # one training each
    for seed in selection.SEEDS:
        derived = pieces[single][seed]
        members = pieces[ensemble][seed]["member_summaries"]
        assert derived["summary"] == members[0] != pieces[ensemble][seed]["summary"]
        assert derived["derived_from"]["name"] == ensemble
        assert derived["recipe_hash"] == recipe_hash(pool[single])
        assert derived["summary"]["macro_f1_nsvf"] == pytest.approx(   # as if trained
            alone[single][seed]["summary"]["macro_f1_nsvf"])
    with pytest.raises(ValueError, match="no member figures"):
        selection.derived_piece({"name": "x"}, single, pool[single])


def test_job_groups_cover_every_candidate_once():
    pool = selection.candidates()
    for n_jobs in (1, 5, 12, 40):
        jobs = selection.job_groups(n_jobs)
        assert len(jobs) == min(n_jobs, 12)
        names = [n for job in jobs for n in job]
        assert sorted(names) == sorted(pool)
        for job in jobs:   # each single network sits with its ensemble
            assert all(selection.ensemble_of(pool, n) in job for n in job
                       if pool[n].n_models == 1)
    with pytest.raises(ValueError, match="n_jobs"):
        selection.job_groups(0)
    # finished groups are left out; a group with one piece missing is not
    done = ["plain, 4 ep, 3 nets", "plain, 4 ep, 1 net", "plain, 8 ep, 3 nets"]
    names = [n for job in selection.job_groups(4, done=done) for n in job]
    assert sorted(names) == sorted(set(pool) - set(done[:2]))
    assert selection.job_groups(4, done=list(pool)) == []


def test_load_pieces_and_compare(fake_cv, tmp_path):
    a, b = "additive, 4 ep, drop 0.25, 3 nets", "additive, 4 ep, drop 0.5, 3 nets"
    selection.search(tmp_path, [a], verbose=False)
    pieces = selection.load_pieces(tmp_path)
    assert sorted(pieces) == [a] and sorted(pieces[a]) == list(selection.SEEDS)
    with pytest.raises(ValueError, match="pieces missing"):
        selection.compare(pieces, a, b)
    with pytest.raises(ValueError, match="per-fold"):  # the fake pieces have none
        selection.compare({a: pieces[a], b: pieces[a]}, a, b)

    def piece(f1, folds):
        return {"summary": {"macro_f1_nsvf": f1}, "fold_macro_f1_nsvf": folds,
                "folds": [["101"], ["106"], ["109"]]}
    better = {s: piece(0.6, [0.62, 0.55, 0.70]) for s in selection.SEEDS}
    worse = {s: piece(0.5, [0.50, 0.50, 0.60]) for s in selection.SEEDS}
    noisy = {s: piece(0.55, [0.70, 0.40, 0.62]) for s in selection.SEEDS}
    pieces = {a: better, b: worse, "c": noisy}
    result = selection.compare(pieces, a, b)
    assert result["verdict"] == "a better" and result["difference"] == pytest.approx(0.1)
    assert selection.compare(pieces, b, a)["verdict"] == "b better"
    assert selection.compare(pieces, a, "c")["verdict"] == "cannot tell apart"
    shifted = {s: {**p, "folds": [["101"], ["109"], ["106"]]} for s, p in worse.items()}
    with pytest.raises(ValueError, match="same folds"):
        selection.compare({a: better, b: shifted}, a, b)
