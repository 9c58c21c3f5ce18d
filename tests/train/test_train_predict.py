"""Prediction: activations, eval mode, sliding windows, parameter counts."""
import numpy as np
import pytest
import torch
from torch import nn

from ecgkit import train
from train_toys import Tiny, toy_data


def test_sliding_window_predict_is_the_max_over_windows():
    torch.manual_seed(0)
    model = Tiny().eval()
    X, _ = toy_data(5, length=100)
    assert train.window_starts(100, 40, 25) == [0, 25, 50, 60]   # tail covered
    got = train.sliding_window_predict(model, X, 40, 25, reduce="max")
    manual = np.stack([train.predict(model, X[..., s:s + 40]) for s in (0, 25, 50, 60)])
    np.testing.assert_allclose(got, manual.max(0), rtol=1e-6)
    np.testing.assert_allclose(train.sliding_window_predict(model, X, 40, 25, reduce="mean"),
                               manual.mean(0), rtol=1e-5)


def test_predict_activations_and_mode_restored():
    torch.manual_seed(0)
    model = Tiny()
    X, y = toy_data(10)
    p = train.predict(model, (X, y), batch_size=4, activation="softmax")
    assert p.shape == (10, 3) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(1), 1, rtol=1e-5)
    logits = train.predict(model, X, activation=None)
    np.testing.assert_allclose(train.predict(model, X), 1 / (1 + np.exp(-logits)), rtol=1e-5)
    assert model.training
    with pytest.raises(ValueError, match="NaN"):
        train.predict(model, np.full((2, 12, 50), np.nan, np.float32))


def test_activate_and_model_logits():
    logits = torch.tensor([[0.0, 1.0], [2.0, -1.0]])
    torch.testing.assert_close(train.activate(logits, "sigmoid"), torch.sigmoid(logits))
    torch.testing.assert_close(train.activate(logits, "softmax").sum(1), torch.ones(2))
    assert train.activate(logits, None) is logits
    with pytest.raises(ValueError, match="activation"):
        train.activate(logits, "relu")
    tuple_model = lambda x: (x * 2, "extras")  # noqa: E731  (models such as ProtoECGNet)
    torch.testing.assert_close(train.model_logits(tuple_model, logits), logits * 2)


def test_count_parameters():
    assert train.count_parameters(Tiny()) == sum(p.numel() for p in Tiny().parameters())
    frozen = Tiny()
    frozen.fc.requires_grad_(False)
    assert train.count_parameters(frozen) == train.count_parameters(Tiny()) - 8 * 3 - 3
    assert train.count_parameters(frozen, trainable_only=False) == train.count_parameters(Tiny())
