"""ecgkit.explain.faithfulness: deletion/insertion curves and the model-randomisation check.

On a linear model that reads one patch of one lead, the true attribution is known; a
faithful map (that patch) must beat a random one on both curves.
"""
import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from ecgkit.explain import faithfulness as F

N_LEADS, T = 12, 200
LEAD, START, STOP = 3, 80, 120


class PatchModel(nn.Module):
    def __init__(self):
        super().__init__()
        w = torch.zeros(2, N_LEADS, T)
        w[0, LEAD, START:STOP] = 0.05
        w[1, LEAD, START:STOP] = -0.05
        self.w = nn.Parameter(w)

    def forward(self, x):
        return torch.einsum("nlt,clt->nc", x, self.w)


@pytest.fixture(scope="module")
def setup():
    torch.manual_seed(0)
    x = torch.randn(4, N_LEADS, T)
    x[:, LEAD, START:STOP] = 1.0  # class 0 strongly present
    truth = np.zeros((4, N_LEADS, T), dtype=np.float32)
    truth[:, LEAD, START:STOP] = 1.0
    noise = np.random.default_rng(0).random((4, N_LEADS, T)).astype(np.float32)
    return PatchModel().eval(), x, truth, noise


def test_curves_start_and_end_where_they_must(setup):
    model, x, truth, _ = setup
    curves = F.perturbation_curves(model, x, truth, 0, steps=5, patch=20)
    p_full = torch.sigmoid(model(x)[:, 0]).detach().numpy()
    p_base = torch.sigmoid(model(torch.zeros_like(x))[:, 0]).detach().numpy()
    assert curves["fractions"][0] == 0 and curves["fractions"][-1] == 1
    np.testing.assert_allclose(curves["deletion"][:, 0], p_full, rtol=1e-5)
    np.testing.assert_allclose(curves["deletion"][:, -1], p_base, rtol=1e-5)
    np.testing.assert_allclose(curves["insertion"][:, 0], p_base, rtol=1e-5)
    np.testing.assert_allclose(curves["insertion"][:, -1], p_full, rtol=1e-5)


class OneLeadSum(nn.Module):
    """Logit = sum of lead LEAD: every removed patch of that lead lowers it by its size."""

    input_leads = (LEAD,)

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return (self.scale * x[:, LEAD].sum(-1, keepdim=True)).repeat(1, 2)


def test_curves_step_through_the_leads_the_model_reads():
    model, x = OneLeadSum().eval(), torch.ones(2, N_LEADS, T)
    noise = np.random.default_rng(1).random((2, N_LEADS, T)).astype(np.float32)
    # default: model.input_leads, so each of 10 steps removes 1 of the lead's 10 patches
    curves = F.perturbation_curves(model, x, noise, 0, steps=10, patch=20, activation=None)
    np.testing.assert_allclose(curves["deletion"], np.tile(np.arange(T, -1, -20), (2, 1)))
    np.testing.assert_allclose(curves["insertion"], np.tile(np.arange(0, T + 1, 20), (2, 1)))
    # over all 12 leads the steps are coarse: the lead's patches go at random fractions
    coarse = F.perturbation_curves(model, x, noise, 0, steps=10, patch=20, activation=None,
                                   leads=range(N_LEADS))
    assert not np.allclose(coarse["deletion"], curves["deletion"])
    for bad in ([], [12], [3, 3]):
        with pytest.raises(ValueError, match="leads"):
            F.perturbation_curves(model, x, noise, 0, leads=bad)


def test_true_attribution_beats_random(setup):
    model, x, truth, noise = setup
    good = F.perturbation_curves(model, x, truth, 0, steps=10, patch=20)
    rand = F.perturbation_curves(model, x, noise, 0, steps=10, patch=20)
    auc = lambda c, k: F.curve_auc(c["fractions"], c[k])  # noqa: E731
    # the true map removes the evidence at the first step; random order, on average, halfway
    assert auc(good, "deletion").mean() < auc(rand, "deletion").mean() - 0.1
    assert auc(good, "insertion").mean() > auc(rand, "insertion").mean() + 0.1
    assert (auc(good, "deletion") <= auc(rand, "deletion")).all()


def test_patch_scores_and_auc():
    a = np.arange(10, dtype=float).reshape(1, 1, 10)
    np.testing.assert_array_equal(F.patch_scores(a, 4), [[[6, 22, 17]]])
    assert F.curve_auc([0, 0.5, 1], [[1, 1, 1]])[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="NaN"):
        F.patch_scores(np.full((1, 1, 4), np.nan), 2)


def test_bootstrap_interval_brackets_the_mean():
    v = np.random.default_rng(1).normal(0.3, 0.1, 50)
    m, lo, hi = F.bootstrap_mean_ci(v)
    assert lo < m < hi and m == pytest.approx(v.mean())
    with pytest.raises(ValueError, match="NaN"):
        F.bootstrap_mean_ci([0.1, np.nan])


def test_evaluate_and_summarize(setup):
    model, x, _, _ = setup
    frame = F.evaluate_methods(model, x, ["integrated_gradients", "random"], steps=5,
                               patch=20, explain_kwargs={"n_steps": 8})
    assert set(frame.columns) >= {"method", "deletion_auc", "insertion_auc", "seconds"}
    assert len(frame) == 2 * len(x) and (frame.target == 0).all()
    table = F.summarize(frame, n_boot=200)
    ig = table.loc[("PatchModel", "integrated_gradients")]
    rnd = table.loc[("PatchModel", "random")]
    assert ig.deletion_auc < rnd.deletion_auc and ig.insertion_auc > rnd.insertion_auc
    assert ig.deletion_auc_low <= ig.deletion_auc <= ig.deletion_auc_high


def test_rank_correlation():
    a = np.random.default_rng(0).random((2, 50))
    np.testing.assert_allclose(F.rank_correlation(a, a), 1.0)
    np.testing.assert_allclose(F.rank_correlation(a, -a), 1.0)  # absolute values
    np.testing.assert_allclose(F.rank_correlation(a, 1 - a, absolute=False), -1.0)
    assert F.rank_correlation(a, np.ones_like(a))[0] == 0.0


def test_randomize_weights_leaves_the_original_alone():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    before = [p.detach().clone() for p in model.parameters()]
    rnd = F.randomize_weights(model, seed=3)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert not torch.equal(rnd[0].weight, model[0].weight)
    top_only = F.randomize_weights(model, seed=3, modules=["2"])
    assert torch.equal(top_only[0].weight, model[0].weight)
    assert not torch.equal(top_only[2].weight, model[2].weight)
    with pytest.raises(ValueError, match="unknown"):
        F.randomize_weights(model, modules=["nope"])


def test_randomization_check_flags_a_model_independent_map(setup):
    _, x, _, _ = setup
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv1d(N_LEADS, 4, 5), nn.ReLU(), nn.Flatten(),
                          nn.Linear(4 * (T - 4), 2)).eval()
    table = F.randomization_check(model, x, ["integrated_gradients", "random"], targets=0,
                                  explain_kwargs={"n_steps": 8})
    assert isinstance(table, pd.DataFrame)
    by = table.set_index("method")
    # the random control ignores the model: identical maps, it must fail
    assert by.loc["random", "spearman"] == pytest.approx(1.0)
    assert not by.loc["random", "passes"]
    assert by.loc["integrated_gradients", "spearman"] < by.loc["random", "spearman"]
    stages = F.cascading_randomization(model, x, "integrated_gradients", ["3", "0"],
                                       targets=0, explain_kwargs={"n_steps": 8})
    assert list(stages.stage) == ["none", "3", "0"] and stages.spearman.iloc[0] == 1.0


def test_randomize_weights_is_the_same_in_every_process():
    """Several modules are re-initialised in the order given, not a set's order (which
    depends on PYTHONHASHSEED): the same seed gives the same weights in a new process."""
    import os
    import subprocess
    import sys
    code = ("import torch; from torch import nn; from ecgkit.explain import faithfulness as f;"
            "torch.manual_seed(0); m = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3),"
            " nn.Linear(3, 2)); r = f.randomize_weights(m, 1, ['2', '0', '1']);"
            "print(float(sum(p.sum() for p in r.parameters())))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": str(h)}, check=True).stdout
            for h in (1, 2, 3, 4)}
    assert len(outs) == 1, outs
