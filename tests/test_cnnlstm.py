"""The CNN-LSTM beat classifier, its packed inputs, and the MIT-BIH benchmark (smoke)."""
import json

import numpy as np
import pytest
import torch

from ecgkit import beats
from ecgkit.models.cnnlstm import CNNLSTM

L, N_RR = 84, 5


def test_output_shape_and_document_004_layers():
    model = CNNLSTM(n_classes=5)
    out = model(torch.randn(4, 1, L))
    assert out.shape == (4, 5)
    convs = [m for m in model.features if isinstance(m, torch.nn.Conv1d)]
    assert [c.out_channels for c in convs] == [64, 128, 128]
    assert sum(isinstance(m, torch.nn.BatchNorm1d) for m in model.features) == 3
    assert sum(isinstance(m, torch.nn.MaxPool1d) for m in model.features) == 3
    assert model.lstm.bidirectional and model.lstm.hidden_size == 64
    assert model.head[0].out_features == 64 and model.head[2].p == 0.5
    assert 150_000 < sum(p.numel() for p in model.parameters()) < 400_000


def test_accepts_2d_single_lead_input():
    model = CNNLSTM().eval()
    x = torch.randn(3, L)
    torch.testing.assert_close(model(x), model(x[:, None, :]))


def test_rr_features_are_read_from_the_packed_tail():
    torch.manual_seed(0)
    model = CNNLSTM(n_leads=2, n_rr=N_RR).eval()
    w = np.random.default_rng(0).normal(size=(6, L)).astype(np.float32)
    med = np.repeat(w[:1], 6, axis=0)[:, None, :]
    rr = np.ones((6, N_RR), dtype=np.float32)
    x = torch.from_numpy(beats.pack_beats(w, rr, med))
    assert x.shape == (6, 2, L + N_RR)
    beat, rr_back = model.split_inputs(x)
    assert beat.shape == (6, 2, L)
    torch.testing.assert_close(rr_back, torch.ones(6, N_RR))
    torch.testing.assert_close(beat[:, 0], torch.from_numpy(w))
    x2 = x.clone()
    x2[:, 0, -N_RR:] = 0.5  # other RR intervals, same beats
    assert not torch.allclose(model(x), model(x2))


def test_additive_rr_path_and_morphology_dropout():
    torch.manual_seed(0)
    model = CNNLSTM(n_rr=N_RR, rr_path="additive", morph_dropout=0.5)
    x = torch.randn(400, 1, L + N_RR)
    x[:, 0, -N_RR:] = torch.rand(400, N_RR) + 0.5  # RR ratios around 1
    beat, rr = model.split_inputs(x)
    rr_only = model.rr_mlp(torch.log(rr))
    model.eval()  # the beat branch always counts, and adds to the RR branch
    with torch.no_grad():
        z = model.features(beat)
        _, (h, _) = model.lstm(z.transpose(1, 2))
        beat_logits = model.head(torch.cat([h[0], h[1]], 1))
        torch.testing.assert_close(model(x), beat_logits + rr_only)
        model.train()  # about half the beats are classified by their RR alone
        dropped = torch.isclose(model(x), rr_only, atol=1e-6).all(1).float().mean()
    assert 0.4 < dropped < 0.6, dropped
    with pytest.raises(ValueError, match="morph_dropout"):
        CNNLSTM(n_rr=N_RR, rr_path="additive", morph_dropout=1.0)
    with pytest.raises(ValueError, match="morph_dropout"):
        CNNLSTM(n_rr=N_RR, rr_path="dense", morph_dropout=0.5)
    with pytest.raises(ValueError, match="rr_path"):
        CNNLSTM(n_rr=N_RR, rr_path="sum")


def test_rejects_wrong_shapes():
    with pytest.raises(ValueError, match="expected input"):
        CNNLSTM(n_leads=1)(torch.randn(2, 3, L))
    with pytest.raises(ValueError, match="too short"):
        CNNLSTM(n_rr=N_RR)(torch.randn(2, 1, 10))
    with pytest.raises(ValueError):
        CNNLSTM(n_classes=0)


def test_pack_beats_validation():
    w = np.zeros((4, L), dtype=np.float32)
    with pytest.raises(ValueError, match="rr must be"):
        beats.pack_beats(w, np.zeros((3, N_RR)))
    with pytest.raises(ValueError, match="extra_channels"):
        beats.pack_beats(w, None, np.zeros((4, 1, L - 1)))
    w[0, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or inf"):
        beats.pack_beats(w)


def test_learns_a_separable_toy_problem():
    """Two beat shapes (narrow vs wide bump) are told apart after a few steps."""
    torch.manual_seed(0)
    t = np.arange(L)
    narrow = np.exp(-0.5 * ((t - 45) / 3) ** 2)
    wide = np.exp(-0.5 * ((t - 45) / 12) ** 2)
    rng = np.random.default_rng(0)
    X = np.stack([narrow] * 32 + [wide] * 32) + 0.05 * rng.normal(size=(64, L))
    X = torch.tensor(X[:, None, :], dtype=torch.float32)
    y = torch.tensor([0] * 32 + [2] * 32)
    model = CNNLSTM()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    # 60 steps: the loss is tiny after 10, but BatchNorm's running statistics (what eval
    # mode uses) need more steps to catch up
    for _ in range(60):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
    model.eval()
    assert (model(X).argmax(1) == y).float().mean() > 0.95


def test_registered_in_model_registry():
    models = pytest.importorskip("ecgkit.models")
    if "cnnlstm" not in models.MODELS:
        pytest.skip("cnnlstm not registered in ecgkit.models yet")
    net = models.get_model("cnnlstm", n_classes=5, n_leads=2, n_rr=N_RR)
    assert net(torch.randn(2, 2, L + N_RR)).shape == (2, 5)


def test_benchmark_smoke_run(tmp_path, monkeypatch):
    """The whole `mitbih` benchmark on the smoke profile: 4 records, one short epoch."""
    from ecgkit import bench_mitbih

    monkeypatch.setenv("ECGKIT_PROFILE", "smoke")
    result = bench_mitbih.run_mitbih("inter", "cnnlstm", device="cpu", verbose=False)
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
    # 4 records are too few to hold patients out: validation is beat-wise, from the
    # training patients, so the prior weight is chosen on it
    rec = result["data"]["records"]
    assert set(rec["val"]) & set(rec["train"])
    assert set(result["prior_weight"]["macro_f1_nsvf_by_weight"]) == {
        str(w) for w in bench_mitbih.PRIOR_WEIGHTS}
    gbm = bench_mitbih.run_mitbih("intra", "gbm", verbose=False)
    assert gbm["test"]["accuracy"] > 0.8  # N dominates; a broken pipeline would not get there
    # the random split: the weight is chosen among all of them on out-of-fold beats
    assert set(gbm["prior_weight"]["macro_f1_nsvf_by_weight"]) == {
        str(w) for w in bench_mitbih.PRIOR_WEIGHTS}
    assert gbm["prior_weight"]["value"] in bench_mitbih.PRIOR_WEIGHTS
    assert "accuracy" in bench_mitbih.format_summary(gbm)
    fixed = bench_mitbih.run_mitbih("inter", "gbm", verbose=False, s_threshold=0.05)
    assert fixed["s_threshold"] == {"value": 0.05, "chosen_on": "given"}
    assert "p(S) > 0.05" in fixed["protocol"]["decision"]
    # a lower threshold can only call more beats S than argmax does
    s_calls = lambda t: np.array(t["confusion_matrix"])[:, 1].sum()  # noqa: E731
    assert s_calls(fixed["test"]) >= s_calls(fixed["test_argmax"])


def test_benchmark_rejects_a_bad_s_threshold():
    import argparse

    from ecgkit import bench_mitbih

    with pytest.raises(ValueError, match="s_threshold"):
        bench_mitbih.run_mitbih("inter", "gbm", s_threshold=1.5)
    p = argparse.ArgumentParser()
    bench_mitbih.add_mitbih_arguments(p)
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
        bench_mitbih.run_mitbih("inter", "gbm", prior_weight=3)
    assert p.parse_args(["--n-models", "3"]).n_models == 3
    assert p.parse_args([]).n_models is None
    for bad in ("0", "two"):
        with pytest.raises(SystemExit):
            p.parse_args(["--n-models", bad])


def test_wirings():
    import argparse
    from dataclasses import replace

    from ecgkit import bench_mitbih
    from ecgkit.bench_mitbih import RECIPES, with_wiring

    assert RECIPES["full"].wiring == RECIPES["sample"].wiring == "additive"
    plain = with_wiring(RECIPES["sample"], "plain")
    assert plain.wiring == "plain" and plain.median_beat and plain.rr_path == "dense"
    assert plain.epochs == RECIPES["sample"].epochs  # the budget is left alone
    assert with_wiring(plain, "additive") == RECIPES["sample"]
    assert replace(plain, rr_path="linear").wiring == "custom"
    with pytest.raises(ValueError, match="wiring"):
        with_wiring(plain, "fancy")
    p = argparse.ArgumentParser()
    bench_mitbih.add_mitbih_arguments(p)
    assert p.parse_args(["--wiring", "plain"]).wiring == "plain"
    assert p.parse_args([]).wiring is None


def test_last_epoch_or_best_epoch(small_beat_inputs):
    """select_epoch=False returns the weights of the last epoch, True those of the best."""
    from dataclasses import replace

    from ecgkit.bench_mitbih import RECIPES, epoch_used, train_cnnlstm

    X, y, tr, va = small_beat_inputs
    recipe = replace(RECIPES["smoke"], epochs=3, samples_per_epoch=256)
    outs = {}
    for select in (False, True):
        r = replace(recipe, select_epoch=select)
        model, history, _ = train_cnnlstm(X, y, tr, va, r, seed=0, device="cpu",
                                          verbose=False)
        outs[select] = (model.eval(), history)
        assert epoch_used(history, r) == (history.best_epoch if select else 3)
    # same seed, same training: the two runs differ only in which weights are returned
    with torch.no_grad():
        last = outs[False][0](torch.from_numpy(X[va[:50]]))
        best = outs[True][0](torch.from_numpy(X[va[:50]]))
    assert torch.allclose(last, best) == (outs[True][1].best_epoch == 3)


@pytest.fixture(scope="module")
def small_beat_inputs(data_root):
    """Inputs of two DS1 records (101, 119: N, S, V beats), train / validation halves."""
    table = beats.build_beat_table(("101", "119"), beats.BeatSpec(), cache=False)
    X = beats.model_inputs(table, relative_to_median=True, median_beat=False)
    y = table.y()
    idx = np.random.default_rng(0).permutation(len(y))
    return X, y, np.sort(idx[: len(y) // 2]), np.sort(idx[len(y) // 2:])


def test_cross_validate_recipes_uses_ds1_records_only(data_root):
    """Record-wise CV over DS1: each record in one fold, every DS1 beat called once,
    the DS2 record of the table never used."""
    from dataclasses import replace

    from ecgkit.bench_mitbih import RECIPES, cross_validate_recipes, with_wiring

    table = beats.build_beat_table(("100", "101", "119"), beats.BeatSpec(), cache=False)
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


def test_mean_probability_ensemble_averages_probabilities():
    """softmax of the ensemble's output is the members' mean probability."""
    from ecgkit.models.ensemble import MeanProbabilityEnsemble

    torch.manual_seed(0)
    members = [CNNLSTM(n_rr=5, rr_path="additive").eval() for _ in range(3)]
    x = torch.randn(4, 1, 126 + 5).abs() + 0.5
    ens = MeanProbabilityEnsemble(members).eval()
    with torch.no_grad():
        expected = torch.stack([torch.softmax(m(x), 1) for m in members]).mean(0)
        got = torch.softmax(ens(x), 1)
    assert torch.allclose(got, expected, atol=1e-5)
    assert not torch.allclose(got, torch.softmax(members[0](x), 1), atol=1e-3)
    with pytest.raises(ValueError, match="at least one"):
        MeanProbabilityEnsemble([])


def test_train_cnnlstm_ensemble_member0_is_the_single_network(data_root):
    """n_models=2 returns an ensemble whose first member is the n_models=1 network of the
    same seed (same split, same start); a bad n_models fails before training."""
    from dataclasses import replace

    from ecgkit.bench_mitbih import RECIPES, train_cnnlstm
    from ecgkit.models.ensemble import MeanProbabilityEnsemble

    table = beats.build_beat_table(("101", "119"), beats.BeatSpec(), cache=False)
    recipe = replace(RECIPES["smoke"], samples_per_epoch=128)
    X, y = recipe.model_inputs(table), table.y()
    idx = np.arange(len(y))
    tr, va = idx[idx % 5 != 0], idx[idx % 5 == 0]
    single, _, _ = train_cnnlstm(X, y, tr, va, recipe, seed=3, device="cpu", verbose=False)
    ens, hist, secs = train_cnnlstm(X, y, tr, va, replace(recipe, n_models=2), seed=3,
                                    device="cpu", verbose=False)
    assert isinstance(ens, MeanProbabilityEnsemble) and len(ens.members) == 2
    assert len(hist) == recipe.epochs and secs > 0
    for a, b in zip(single.state_dict().values(), ens.members[0].state_dict().values()):
        assert torch.equal(a, b)
    assert not torch.equal(ens.members[0].head[-1].weight, ens.members[1].head[-1].weight)
    with pytest.raises(ValueError, match="n_models"):
        train_cnnlstm(X, y, tr, va, replace(recipe, n_models=0), device="cpu")


def test_cross_validate_ensemble_scores_its_members(data_root):
    from dataclasses import replace

    from ecgkit.bench_mitbih import RECIPES, cross_validate_recipes

    table = beats.build_beat_table(("100", "101", "119"), beats.BeatSpec(), cache=False)
    recipe = replace(RECIPES["smoke"], samples_per_epoch=128, n_models=2)
    out = cross_validate_recipes({"ens": recipe}, n_folds=2, seed=0, device="cpu",
                                 table=table)
    c = out["candidates"]["ens"]
    n_ds1 = np.isin(table.records, ["101", "119"]).sum()
    assert len(c["member_summaries"]) == 2
    for m in c["member_summaries"]:
        assert np.array(m["confusion_matrix"]).sum() == n_ds1
    assert c["recipe"]["n_models"] == 2
