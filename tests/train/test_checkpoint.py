"""Checkpoints: random states, atomic writes, reading the last one back."""
import random

import numpy as np
import pytest
import torch
from torch import nn

from ecgkit import train
from ecgkit.train import checkpoint


def test_rng_state_round_trip():
    state = checkpoint.rng_state()
    first = (random.random(), np.random.rand(), torch.rand(1))
    checkpoint.set_rng_state(state)
    again = (random.random(), np.random.rand(), torch.rand(1))
    assert first[:2] == again[:2] and torch.equal(first[2], again[2])


def test_atomic_save_and_load_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        train.load_checkpoint(tmp_path)
    model = nn.Linear(3, 2)
    state = checkpoint.cpu_state(model)
    assert all(not v.requires_grad and v.device.type == "cpu" for v in state.values())
    checkpoint.atomic_save({"model": state, "epoch": 4}, tmp_path / train.CHECKPOINT_NAME)
    loaded = train.load_checkpoint(tmp_path)
    assert loaded["epoch"] == 4 and torch.equal(loaded["model"]["weight"], model.weight)
    assert [p.name for p in tmp_path.iterdir()] == [train.CHECKPOINT_NAME]  # no .tmp left
