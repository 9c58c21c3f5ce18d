"""1D models of the course, and a registry to build them by name.

========================  ==============================================================
name                      model
========================  ==============================================================
``"cnn1d"``               :class:`CNN1D`, a plain 1D CNN on the raw signal (source 002)
``"explainable"``         :class:`ExplainableECGNet`, lead-wise encoder + temporal and
                          lead attention (source 001)
``"resnet1d_wang"``       :class:`ResNet1dWang`, the PTB-XL benchmark ResNet
========================  ==============================================================

All take ``(N, n_leads, T)`` signals and return logits ``(N, n_classes)``.
"""
from __future__ import annotations

from torch import nn

from ecgkit.models.cnn1d import CNN1D
from ecgkit.models.explainable import ExplainableECGNet
from ecgkit.models.resnet1d import ResNet1dWang
from ecgkit.models.protoecgnet import ProtoECGNet, ResNet18_1d
from ecgkit.models.images import CascadedDenseNet, ScalogramCNN
from ecgkit.models.fft_transformer import FFTTransformer

__all__ = ["CNN1D", "ExplainableECGNet", "ResNet1dWang", "MODELS", "get_model"]

MODELS = {
    "cnn1d": CNN1D,
    "explainable": ExplainableECGNet,
    "resnet1d_wang": ResNet1dWang,
    "resnet18_1d": ResNet18_1d,      # plain 1D ResNet-18 (source 003 baseline)
    "protoecgnet": ProtoECGNet,      # returns (logits, prototype similarities) (source 003)
    # images (N, n_leads, H, W) and spectra (N, n_leads, K) (sources 000 and 002)
    "cascaded_densenet": CascadedDenseNet,   # DenseNet-style 2D CNN on RPM images (000)
    "scalogram_cnn": ScalogramCNN,           # 2D CNN on wavelet scalograms (002)
    "fft_transformer": FFTTransformer,       # 1D CNN + Transformer on FFT spectra (002)
}


def get_model(name: str, n_classes: int, n_leads: int = 12, **kwargs) -> nn.Module:
    """Build the model registered as ``name`` (see ``MODELS``); extra kwargs go to it."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(MODELS)}")
    if n_classes < 1:
        raise ValueError(f"n_classes must be >= 1, got {n_classes}")
    return MODELS[name](n_classes=n_classes, n_leads=n_leads, **kwargs)

from ecgkit.models.cnnlstm import CNNLSTM  # noqa: E402  heartbeats (N, 1-2, L + n_rr) (source 004)
MODELS["cnnlstm"] = CNNLSTM
