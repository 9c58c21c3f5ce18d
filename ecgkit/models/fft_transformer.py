"""FFTTransformer: a 1D CNN + Transformer encoder on FFT amplitude spectra (document 002)."""
from __future__ import annotations

import math

import torch
from torch import nn

from ecgkit.models.registry import register_model

__all__ = ["FFTTransformer", "sinusoidal_positions"]


def sinusoidal_positions(n_positions: int, d_model: int) -> torch.Tensor:
    """The sine/cosine positional encoding of Vaswani et al. (2017): ``(n_positions, d_model)``."""
    position = torch.arange(n_positions, dtype=torch.float32)[:, None]
    div = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32)
                    * (-math.log(10000.0) / d_model))
    enc = torch.zeros(n_positions, d_model)
    enc[:, 0::2] = torch.sin(position * div)
    enc[:, 1::2] = torch.cos(position * div[: d_model // 2])
    return enc


@register_model("fft_transformer")
class FFTTransformer(nn.Module):
    """Input ``(N, n_leads, K)`` spectra (any K >= 4), output logits ``(N, n_classes)``.

    Parameters
    ----------
    n_classes : int
    n_leads : int
        Input channels: one spectrum per lead (12).
    d_model : int
        Token width (divisible by ``n_heads``).
    n_heads, n_layers : int
        Attention heads per layer, encoder layers.
    dim_feedforward : int
    dropout : float

    Notes
    -----
    Input: ``(N, n_leads, K)`` features from ``ecgkit.transforms.fft_features`` - for each
    lead the log amplitude spectrum of the 10 s record, K frequency bins 0.1 Hz apart
    (K = 401 up to 40 Hz at 100 Hz sampling). The spectrum is read like a sequence along
    the frequency axis:

    1. **CNN front end**: three ``Conv1d(stride 2) -> BN -> ReLU`` stages mix the leads and
       neighbouring bins into ``d_model`` features per token; K = 401 bins become 51
       tokens, one per 0.8 Hz.
    2. **Positional encoding**: sinusoidal in the token index, so that the encoder knows
       which frequency a token stands for (the spectrum has no translation invariance:
       1 Hz is the heart rate, 30 Hz is QRS detail).
    3. **Transformer encoder**: ``n_layers`` pre-norm layers with ``n_heads`` heads; every
       band can attend to every other (harmonics of the heart rate are far apart in bins).
    4. **Head**: mean over tokens, LayerNorm, dropout, linear -> logits.

    Document 002 gives no sizes; these are small on purpose (30,461 parameters with the
    defaults, 12 leads and 5 classes). It reported that this model did not reach its 1D CNN
    on raw signals; chapter 10 measures why the amplitude spectrum alone is a weaker view
    (it keeps the heart rate but has lost the phase: where the waves are, in what order).
    """

    def __init__(self, n_classes: int = 5, n_leads: int = 12, d_model: int = 32,
                 n_heads: int = 4, n_layers: int = 2, dim_feedforward: int = 64,
                 dropout: float = 0.1):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model {d_model} must be divisible by n_heads {n_heads}")
        self.n_leads = n_leads
        self.d_model = d_model
        self.input_norm = nn.BatchNorm1d(n_leads)
        self.frontend = nn.Sequential(
            nn.Conv1d(n_leads, d_model, 7, stride=2, padding=3, bias=False),
            nn.BatchNorm1d(d_model), nn.ReLU(),
            nn.Conv1d(d_model, d_model, 5, stride=2, padding=2, bias=False),
            nn.BatchNorm1d(d_model), nn.ReLU(),
            nn.Conv1d(d_model, d_model, 5, stride=2, padding=2, bias=False),
            nn.BatchNorm1d(d_model), nn.ReLU())
        layer = nn.TransformerEncoderLayer(d_model, n_heads, dim_feedforward, dropout,
                                           batch_first=True, norm_first=True)
        # nested tensors only speed up padded batches; ours are dense
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.LayerNorm(d_model), nn.Dropout(dropout),
                                  nn.Linear(d_model, n_classes))

    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        """Encoded tokens ``(N, n_tokens, d_model)`` (before pooling), for inspection."""
        if x.dim() != 3 or x.shape[1] != self.n_leads:
            raise ValueError(f"expected spectra (N, {self.n_leads}, K), got {tuple(x.shape)}")
        if x.shape[-1] < 4:
            raise ValueError(f"need at least 4 frequency bins, got {x.shape[-1]}")
        h = self.frontend(self.input_norm(x)).transpose(1, 2)      # (N, tokens, d_model)
        h = h + sinusoidal_positions(h.shape[1], self.d_model).to(h.device, h.dtype)
        return self.encoder(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.tokens(x).mean(dim=1))
