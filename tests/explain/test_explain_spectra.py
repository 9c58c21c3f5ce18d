"""ecgkit.explain.spectra: occlusion by frequency band on a model whose answer is known."""
import numpy as np
import pytest
import torch
from torch import nn

from ecgkit import explain


def test_band_occlusion_finds_the_band_a_model_reads():
    """A model that only reads the bins between 10 and 12 Hz is moved by that band alone."""
    freqs = np.arange(401) * 0.1

    class BandReader(nn.Module):
        def __init__(self):
            super().__init__()
            self.mask = torch.tensor(((freqs >= 10) & (freqs < 12)).astype(np.float32))
            self.scale = nn.Parameter(torch.tensor(0.1))   # predict() reads the device here

        def forward(self, x):
            s = self.scale * (x * self.mask).sum(dim=(1, 2)) - 2.0
            return torch.stack([s, -s], dim=1)

    x = torch.rand(8, 2, 401)
    centres, effect = explain.band_occlusion(BandReader(), x, freqs, band_hz=2.0)
    assert effect.shape == (len(centres), 2)
    hot = centres[np.argmax(effect[:, 0])]
    assert hot == pytest.approx(11.0)
    assert np.all(effect[np.abs(centres - 11.0) > 1.5] == 0)
    with pytest.raises(ValueError, match="freqs"):
        explain.band_occlusion(BandReader(), x, freqs[:-1])
