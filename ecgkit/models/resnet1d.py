"""``resnet1d_wang``: the 1D ResNet of the PTB-XL benchmark (Strodthoff et al. 2021).

With its building blocks :class:`BasicBlock1d` and :class:`ConcatPool1d` (also used by
the other 1D networks).
"""
from __future__ import annotations

import torch
from torch import nn

from ecgkit.models.registry import register_model

__all__ = ["ResNet1dWang", "BasicBlock1d", "ConcatPool1d"]


class BasicBlock1d(nn.Module):
    """``Conv(k0, stride) BN ReLU Conv(k1) BN`` + shortcut, then ReLU.

    ``(N, in_channels, T) -> (N, channels, ceil(T / stride))``; no convolution bias
    (each is followed by BatchNorm).
    """

    def __init__(self, in_channels: int, channels: int, kernel_sizes=(5, 3), stride: int = 1):
        super().__init__()
        k0, k1 = kernel_sizes
        self.conv1 = nn.Conv1d(in_channels, channels, k0, stride=stride,
                               padding=(k0 - 1) // 2, bias=False)
        self.bn1 = nn.BatchNorm1d(channels)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv1d(channels, channels, k1, padding=(k1 - 1) // 2, bias=False)
        self.bn2 = nn.BatchNorm1d(channels)
        if stride != 1 or in_channels != channels:
            self.shortcut = nn.Sequential(
                nn.Conv1d(in_channels, channels, 1, stride=stride, bias=False),
                nn.BatchNorm1d(channels))
        else:
            self.shortcut = nn.Identity()
        self.relu2 = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x)))))
        return self.relu2(out + self.shortcut(x))


class ConcatPool1d(nn.Module):
    """Global max and average pooling over time, concatenated: ``(N, D, T) -> (N, 2D)``."""

    def __init__(self):
        super().__init__()
        self.max = nn.AdaptiveMaxPool1d(1)
        self.avg = nn.AdaptiveAvgPool1d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.max(x), self.avg(x)], dim=1).flatten(1)


@register_model("resnet1d_wang")
class ResNet1dWang(nn.Module):
    """The benchmark ``resnet1d_wang``; input ``(N, n_leads, T)``, output logits ``(N, C)``.

    Parameters
    ----------
    n_classes : int
    n_leads : int
        Input channels, 12.
    filters : int
        Channels of the stem and of every block, 128.
    kernel_sizes : (int, int)
        Kernels of the two convolutions of a block, (5, 3).
    stem_kernel : int
        Kernel of the stem convolution, 7.
    head_hidden : int
        Width of the hidden head layer, 128.
    head_dropout : float
        Dropout before the last linear layer (half of it before the first), 0.5.

    Notes
    -----
    The benchmark's best single model on the superdiagnostic task (0.930 test macro-AUROC,
    published, on full data). It adapts the time-series ResNet of Wang, Yan & Oates (2017):

    * stem: ``Conv1d(n_leads, 128, k=7, stride 1, no bias) -> BN -> ReLU`` (no pooling);
    * three basic residual blocks of 128 filters, kernels (5, 3): the first keeps the length,
      the second and third halve it (stride 2 in the first convolution, 1x1 conv + BN on
      the shortcut);
    * head ("concat pooling"): adaptive max and average pooling over time, concatenated
      (256), then ``BN -> Dropout(0.25) -> Linear(256, 128) -> ReLU -> BN -> Dropout(0.5) ->
      Linear(128, C)``.

    Written from the description of the benchmark repository (helme/ecg_ptbxl_benchmarking,
    ``resnet1d_wang`` with its default ``kernel_size=5``, ``lin_ftrs_head=[128]``,
    ``ps_head=0.5``), with Kaiming-normal initialisation of convolutions and linear layers as
    there. Every ReLU is its own ``nn.ReLU`` module so that SHAP DeepExplainer can hook it.
    The global pooling makes the network length-agnostic: it is trained on 2.5 s crops and
    evaluated on sliding windows (see :func:`ecgkit.train.sliding_window_predict`).
    """

    def __init__(self, n_classes: int, n_leads: int = 12, filters: int = 128,
                 kernel_sizes=(5, 3), stem_kernel: int = 7, head_hidden: int = 128,
                 head_dropout: float = 0.5):
        super().__init__()
        self.n_leads = n_leads
        self.stem = nn.Sequential(
            nn.Conv1d(n_leads, filters, stem_kernel, padding=(stem_kernel - 1) // 2, bias=False),
            nn.BatchNorm1d(filters), nn.ReLU())
        self.blocks = nn.Sequential(
            BasicBlock1d(filters, filters, kernel_sizes, stride=1),
            BasicBlock1d(filters, filters, kernel_sizes, stride=2),
            BasicBlock1d(filters, filters, kernel_sizes, stride=2))
        self.head = nn.Sequential(
            ConcatPool1d(),
            nn.BatchNorm1d(2 * filters), nn.Dropout(head_dropout / 2),
            nn.Linear(2 * filters, head_hidden), nn.ReLU(),
            nn.BatchNorm1d(head_hidden), nn.Dropout(head_dropout),
            nn.Linear(head_hidden, n_classes))
        self.apply(_init_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[1] != self.n_leads:
            raise ValueError(f"expected input (N, {self.n_leads}, T), got {tuple(x.shape)}")
        return self.head(self.blocks(self.stem(x)))


def _init_weights(m: nn.Module) -> None:
    if isinstance(m, (nn.Conv1d, nn.Linear)):
        nn.init.kaiming_normal_(m.weight)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.BatchNorm1d):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)
