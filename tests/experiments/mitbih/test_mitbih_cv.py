"""Record-wise cross-validation of CNN-LSTM recipes on DS1 (DS2 never read)."""
from dataclasses import replace

import numpy as np
import pytest

from ecgkit.data import beat_table
from ecgkit.experiments.mitbih import RECIPES, cross_validate_recipes, with_wiring
from ecgkit.data.beat_table import BeatSpec


def test_cross_validate_recipes_uses_ds1_records_only(data_root):
    """Record-wise CV over DS1: each record in one fold, every DS1 beat called once,
    the DS2 record of the table never used."""
    table = beat_table.build_beat_table(("100", "101", "119"), BeatSpec(), cache=False)
    recipe = replace(RECIPES["smoke"], samples_per_epoch=256)
    candidates = {"additive": recipe, "plain": with_wiring(recipe, "plain")}
    out = cross_validate_recipes(candidates, n_folds=2, seed=0, device="cpu", table=table)
    assert sorted(out["folds"]) == [["101"], ["119"]]  # one patient per fold; 100 is DS2
    ds1 = np.isin(table.records, ["101", "119"])
    for name, c in out["candidates"].items():
        assert np.array(c["summary"]["confusion_matrix"]).sum() == ds1.sum()
        assert len(c["fold_macro_f1_nsvf"]) == len(c["s_thresholds"]) == 2
        assert c["recipe"]["wiring"] == name
        assert c["_probs"].shape == (ds1.sum(), 5) and np.allclose(c["_probs"].sum(1), 1,
                                                                    atol=1e-4)
    assert np.array_equal(out["ds1_index"], np.flatnonzero(ds1))
    assert out["best"] in candidates
    with pytest.raises(ValueError, match="n_folds"):
        cross_validate_recipes(candidates, n_folds=3, table=table)
    with pytest.raises(ValueError, match="no candidate"):
        cross_validate_recipes({}, table=table)


def test_cross_validate_ensemble_scores_its_members(data_root):
    table = beat_table.build_beat_table(("100", "101", "119"), BeatSpec(), cache=False)
    recipe = replace(RECIPES["smoke"], samples_per_epoch=128, n_models=2)
    out = cross_validate_recipes({"ens": recipe}, n_folds=2, seed=0, device="cpu",
                                 table=table)
    c = out["candidates"]["ens"]
    n_ds1 = np.isin(table.records, ["101", "119"]).sum()
    assert len(c["member_summaries"]) == 2
    for m in c["member_summaries"]:
        assert np.array(m["confusion_matrix"]).sum() == n_ds1
    assert c["recipe"]["n_models"] == 2
    # what the declared search relies on (selection.derived_piece): the first member,
    # scored alone, is the 1-network recipe of the same seed, call for call
    single = cross_validate_recipes({"one": replace(recipe, n_models=1)}, n_folds=2, seed=0,
                                    device="cpu", table=table)["candidates"]["one"]
    assert single["summary"] == c["member_summaries"][0]
