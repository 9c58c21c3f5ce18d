"""The whole MIT-BIH benchmark run (smoke profile) and its command-line options."""
import argparse
import json

import numpy as np
import pytest

from ecgkit.experiments import mitbih


def test_benchmark_smoke_run(tmp_path, monkeypatch):
    """The whole `mitbih` benchmark on the smoke profile: 4 records, one short epoch."""
    monkeypatch.setenv("ECGKIT_PROFILE", "smoke")
    result = mitbih.run_mitbih("inter", "cnnlstm", device="cpu", verbose=False)
    assert result["data"]["records"]["train"] and result["data"]["records"]["test"]
    assert not set(result["data"]["records"]["train"]) & set(result["data"]["records"]["test"])
    test = result["test"]
    assert 0.0 <= test["accuracy"] <= 1.0
    assert np.array(test["confusion_matrix"]).sum() == result["data"]["beats"]["test"]
    assert result["timing"]["inference_ms_per_beat"] > 0
    json.dumps(result)  # JSON-ready, no NaN objects
    assert "macro_f1_nsvf_by_threshold" in result["s_threshold"]  # chosen on validation
    assert result["recipe"]["wiring"] == "additive" and "minus the record's median" in \
        result["protocol"]["inputs"]
    # without epoch selection, the model kept is the last epoch's
    assert result["epoch_used"] == result["epochs_run"]
    assert result["test_argmax"]["per_class"]["S"]["support"] == test["per_class"]["S"]["support"]
    # per record, bootstrap over records, provenance and the DS2 caveat
    per_record = {r["record"]: r for r in test["per_record"]}
    assert set(per_record) == set(result["data"]["records"]["test"])
    assert sum(sum(r[f"beats_{c}"] for c in "NSVFQ") for r in per_record.values()) == \
        result["data"]["beats"]["test"]
    ci = test["ci95_by_record"]
    assert ci["records"] == len(per_record)
    assert ci["accuracy"]["low"] <= test["accuracy"] <= ci["accuracy"]["high"]
    assert np.isclose(ci["accuracy"]["point"], test["accuracy"])
    # each record's confusion matrix, summing to the whole test side's
    assert set(test["confusions_by_record"]) == set(per_record)
    assert (np.sum(list(test["confusions_by_record"].values()), axis=0)
            == np.array(test["confusion_matrix"])).all()
    prov = result["provenance"]
    assert prov["recipe_hash"] == mitbih.recipe_hash(mitbih.recipe_for("smoke"))
    assert set(prov["data_sha256"]) == {f"{r}.{e}" for r in
                                        set().union(*result["data"]["records"].values())
                                        for e in ("hea", "dat", "atr")}
    assert result["protocol"]["choices_that_saw_ds2"] == list(mitbih.DS2_INFORMED)
    # 4 records are too few to hold patients out: validation is beat-wise, from the
    # training patients, so the prior weight is chosen on it
    rec = result["data"]["records"]
    assert set(rec["val"]) & set(rec["train"])
    assert set(result["prior_weight"]["macro_f1_nsvf_by_weight"]) == {
        str(w) for w in mitbih.PRIOR_WEIGHTS}
    gbm = mitbih.run_mitbih("intra", "gbm", verbose=False)
    assert gbm["test"]["accuracy"] > 0.8  # N dominates; a broken pipeline would not get there
    # the random split: the weight is chosen among all of them on out-of-fold beats
    assert set(gbm["prior_weight"]["macro_f1_nsvf_by_weight"]) == {
        str(w) for w in mitbih.PRIOR_WEIGHTS}
    assert gbm["prior_weight"]["value"] in mitbih.PRIOR_WEIGHTS
    assert "accuracy" in mitbih.format_summary(gbm)
    fixed = mitbih.run_mitbih("inter", "gbm", verbose=False, s_threshold=0.05)
    assert fixed["s_threshold"] == {"value": 0.05, "chosen_on": "given"}
    assert "p(S) > 0.05" in fixed["protocol"]["decision"]
    # a lower threshold can only call more beats S than argmax does
    s_calls = lambda t: np.array(t["confusion_matrix"])[:, 1].sum()  # noqa: E731
    assert s_calls(fixed["test"]) >= s_calls(fixed["test_argmax"])


def test_benchmark_rejects_a_bad_s_threshold():
    with pytest.raises(ValueError, match="s_threshold"):
        mitbih.run_mitbih("inter", "gbm", s_threshold=1.5)
    p = argparse.ArgumentParser()
    mitbih.add_mitbih_arguments(p)
    assert p.parse_args(["--s-threshold", "argmax"]).s_threshold is None
    assert p.parse_args(["--s-threshold", "0.03"]).s_threshold == 0.03
    assert p.parse_args([]).s_threshold == "auto"
    with pytest.raises(SystemExit):
        p.parse_args(["--s-threshold", "2"])
    assert p.parse_args(["--prior-weight", "0.5"]).prior_weight == 0.5
    assert p.parse_args(["--prior-weight", "auto"]).prior_weight == "auto"
    assert p.parse_args([]).prior_weight is None
    with pytest.raises(SystemExit):
        p.parse_args(["--prior-weight", "heavy"])
    with pytest.raises(ValueError, match="prior_weight"):
        mitbih.run_mitbih("inter", "gbm", prior_weight=3)
    assert p.parse_args(["--n-models", "3"]).n_models == 3
    assert p.parse_args([]).n_models is None
    for bad in ("0", "two"):
        with pytest.raises(SystemExit):
            p.parse_args(["--n-models", bad])


def test_ds1_recipe_option_trains_the_frozen_recipe(tmp_path, monkeypatch):
    """`--recipe ds1` trains the recipe the DS1-only search froze, and its JSON lists no
    choice that saw DS2; without a frozen recipe it stops and says how to make one."""
    from dataclasses import asdict

    from ecgkit.experiments.mitbih import selection

    monkeypatch.setenv("ECGKIT_PROFILE", "smoke")
    monkeypatch.setattr(selection, "FROZEN", tmp_path / "ds1_recipe.json")
    p = argparse.ArgumentParser()
    mitbih.add_mitbih_arguments(p)
    args = p.parse_args(["--split", "inter", "--model", "cnnlstm", "--recipe", "ds1",
                         "--device", "cpu"])
    with pytest.raises(FileNotFoundError, match="--freeze"):
        mitbih.run_mitbih_cli(args)
    # a cheap stand-in for what --freeze writes: the smoke budget, plain wiring
    frozen = mitbih.with_wiring(mitbih.recipe_for("smoke"), "plain")
    selection.FROZEN.write_text(json.dumps({"recipe": asdict(frozen),
                                            "recipe_hash": mitbih.recipe_hash(frozen)}))
    result = mitbih.run_mitbih_cli(args)
    assert result["provenance"]["recipe_hash"] == mitbih.recipe_hash(frozen)
    assert result["recipe"]["wiring"] == "plain"
    assert result["protocol"]["choices_that_saw_ds2"] == []
