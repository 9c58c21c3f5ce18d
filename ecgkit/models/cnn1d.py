"""A plain 1D CNN on the raw 12-lead signal (the time-domain model of source 002)."""
from __future__ import annotations

import torch
from torch import nn

from ecgkit.models.registry import register_model
from ecgkit.models.resnet1d import ConcatPool1d

__all__ = ["CNN1D"]


@register_model("cnn1d")
class CNN1D(nn.Module):
    """Input ``(N, n_leads, T)`` (any T >= 8), output logits ``(N, n_classes)``.

    Source 002 gives no architecture beyond "a 1D CNN on time-domain data"; this is the
    small, conventional version the course uses as the baseline: four convolution stages
    ``Conv -> BN -> ReLU (-> MaxPool/2)`` with 32, 64, 128, 128 channels and kernels
    7, 5, 5, 3 samples (70, 50, 50, 30 ms at 100 Hz), then global max + average pooling,
    dropout and one linear layer. About 105 k parameters for 5 classes.

    Parameters
    ----------
    n_classes : int
    n_leads : int
        Input channels, 12.
    channels : tuple of int
        Output channels of the four convolution stages.
    kernel_sizes : tuple of int
        Kernels of the four stages, in samples.
    dropout : float
        Dropout before the linear layer.
    """

    def __init__(self, n_classes: int, n_leads: int = 12, channels=(32, 64, 128, 128),
                 kernel_sizes=(7, 5, 5, 3), dropout: float = 0.3):
        super().__init__()
        if len(channels) != len(kernel_sizes):
            raise ValueError("channels and kernel_sizes need the same length")
        self.n_leads = n_leads
        layers, in_ch = [], n_leads
        for i, (out_ch, k) in enumerate(zip(channels, kernel_sizes)):
            layers += [nn.Conv1d(in_ch, out_ch, k, padding=k // 2, bias=False),
                       nn.BatchNorm1d(out_ch), nn.ReLU()]
            if i < len(channels) - 1:  # the last stage keeps its resolution for pooling
                layers.append(nn.MaxPool1d(2))
            in_ch = out_ch
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(ConcatPool1d(), nn.Dropout(dropout),
                                  nn.Linear(2 * in_ch, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[1] != self.n_leads:
            raise ValueError(f"expected input (N, {self.n_leads}, T), got {tuple(x.shape)}")
        return self.head(self.features(x))
