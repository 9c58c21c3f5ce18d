"""Class weights, BCE pos_weight and the class-balancing sampler."""
import numpy as np
import pytest
import torch

from ecgkit import train


def test_class_and_pos_weights():
    labels = np.array([0] * 6 + [1] * 3 + [2] * 1)
    np.testing.assert_allclose(train.class_weights(labels), [10 / 18, 10 / 9, 10 / 3], rtol=1e-6)
    np.testing.assert_allclose(train.class_weights(labels, "sqrt") ** 2,
                               train.class_weights(labels), rtol=1e-6)
    y = np.array([[1, 0], [1, 0], [0, 1], [0, 0]])
    np.testing.assert_allclose(train.pos_weight(y), [1.0, 3.0])
    np.testing.assert_allclose(train.pos_weight(y, "sqrt"), [1.0, np.sqrt(3)], rtol=1e-6)
    with pytest.warns(UserWarning, match="no positive"):
        assert train.pos_weight(np.array([[1, 0], [0, 0]]))[1] == 1.0
    with pytest.warns(UserWarning, match="no example"):
        assert train.class_weights(np.array([0, 0, 2]))[1] == 0.0


def test_weighted_sampler_balances_classes():
    labels = np.array([0] * 90 + [1] * 10)
    sampler = train.make_weighted_sampler(labels, num_samples=4000,
                                          generator=torch.Generator().manual_seed(0))
    drawn = labels[list(sampler)]
    assert abs(drawn.mean() - 0.5) < 0.05
