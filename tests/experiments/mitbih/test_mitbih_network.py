"""Training the CNN-LSTM of the MIT-BIH benchmark: augmentation, epochs, averages."""
from dataclasses import replace

import numpy as np
import pytest
import torch

from ecgkit.data import beat_table
from ecgkit.experiments.mitbih import RECIPES, BeatAugment, epoch_used, train_cnnlstm
from ecgkit.models import MeanProbabilityEnsemble
from ecgkit.data.beat_table import BeatSpec


def test_beat_augment_changes_beats_not_the_median_channel():
    x = torch.randn(16, 2, 84 + 5)
    x[:, 1, -5:] = 0
    out = BeatAugment(n_rr=5, strength=1.0, seed=0)(x)
    assert out.shape == x.shape and not torch.equal(out[:, 0], x[:, 0])
    assert torch.equal(out[:, 1], x[:, 1])
    assert torch.equal(BeatAugment(5, 0.0)(x), x)


@pytest.fixture(scope="module")
def small_beat_inputs(data_root):
    """Inputs of two DS1 records (101, 119: N, S, V beats), train / validation halves."""
    table = beat_table.build_beat_table(("101", "119"), BeatSpec(), cache=False)
    X = beat_table.model_inputs(table, relative_to_median=True, median_beat=False)
    y = table.y()
    idx = np.random.default_rng(0).permutation(len(y))
    return X, y, np.sort(idx[: len(y) // 2]), np.sort(idx[len(y) // 2:])


def test_last_epoch_or_best_epoch(small_beat_inputs):
    """select_epoch=False returns the weights of the last epoch, True those of the best."""
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


def test_train_cnnlstm_ensemble_member0_is_the_single_network(data_root):
    """n_models=2 returns an ensemble whose first member is the n_models=1 network of the
    same seed (same split, same start); a bad n_models fails before training."""
    table = beat_table.build_beat_table(("101", "119"), BeatSpec(), cache=False)
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


def test_cache_returns_the_trained_networks_and_keys_on_every_input(small_beat_inputs,
                                                                    tmp_path, monkeypatch):
    """cache=True: the second call loads the same weights and history without training;
    another seed, or other rows, is another entry."""
    monkeypatch.setenv("ECGKIT_CACHE", str(tmp_path))
    X, y, tr, va = small_beat_inputs
    recipe = replace(RECIPES["smoke"], epochs=2, samples_per_epoch=128, n_models=2)
    first, hist, secs = train_cnnlstm(X, y, tr, va, recipe, seed=1, device="cpu",
                                      verbose=False, cache=True)
    files = list((tmp_path / "bench").glob("cnnlstm_*.pt"))
    assert len(files) == 1
    again, hist2, secs2 = train_cnnlstm(X, y, tr, va, recipe, seed=1, device="cpu",
                                        verbose=False, cache=True)
    assert isinstance(again, MeanProbabilityEnsemble) and secs2 == secs
    assert hist2.records == hist.records and hist2.best_epoch == hist.best_epoch
    for a, b in zip(first.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)
    train_cnnlstm(X, y, tr, va, recipe, seed=2, device="cpu", verbose=False, cache=True)
    train_cnnlstm(X, y, tr[1:], va, recipe, seed=1, device="cpu", verbose=False, cache=True)
    assert len(list((tmp_path / "bench").glob("cnnlstm_*.pt"))) == 3
