"""The networks of the course, one module each, and a registry to build them by name.

``get_model(name, n_classes, n_leads=12, **kwargs)`` builds any model of ``MODELS``:

========================  ==============================================================
name                      model (input -> logits ``(N, n_classes)``)
========================  ==============================================================
``"cnn1d"``               :class:`CNN1D`, a plain 1D CNN on the raw signal
                          ``(N, 12, T)`` (source 002)
``"explainable"``         :class:`ExplainableECGNet`, lead-wise encoder + temporal and
                          lead attention, ``(N, 12, T)`` (source 001)
``"resnet1d_wang"``       :class:`ResNet1dWang`, the PTB-XL benchmark ResNet,
                          ``(N, 12, T)``
``"resnet18_1d"``         :class:`ResNet18_1d`, a plain 1D ResNet-18, ``(N, 12, T)``
                          (source 003 baseline)
``"protoecgnet"``         :class:`ProtoECGNet`, prototypes on a ResNet-18, ``(N, 12, T)``
                          -> ``(logits, prototype similarities)`` (source 003)
``"cascaded_densenet"``   :class:`CascadedDenseNet`, DenseNet-style 2D CNN on images
                          such as RPM ``(N, n_leads, 64, 64)`` (source 000)
``"scalogram_cnn"``       :class:`ScalogramCNN`, 2D CNN on wavelet scalograms
                          ``(N, n_leads, F, W)`` (source 002)
``"fft_transformer"``     :class:`FFTTransformer`, 1D CNN + Transformer on FFT spectra
                          ``(N, 12, K)`` (source 002)
``"cnnlstm"``             :class:`CNNLSTM`, heartbeats ``(N, 1-2, L + n_rr)`` (source 004)
``"rpm_densenet"``        :func:`rpm_densenet`, ``CascadedDenseNet`` on the RPM image of
                          lead II in a :class:`SignalToImageModel`, ``(N, 12, T)``
========================  ==============================================================

A new model joins with ``@register_model("name")`` on its class (:mod:`.registry`);
:class:`MeanProbabilityEnsemble` averages trained networks (:mod:`.wrappers`).
"""
from __future__ import annotations

from ecgkit.models.cnn1d import CNN1D
from ecgkit.models.cnnlstm import CNNLSTM
from ecgkit.models.explainable import ExplainableECGNet
from ecgkit.models.fft_transformer import FFTTransformer
from ecgkit.models.images import CascadedDenseNet, ScalogramCNN
from ecgkit.models.protoecgnet import ProtoECGNet, ResNet18_1d
from ecgkit.models.registry import MODELS, get_model, register_model
from ecgkit.models.resnet1d import ResNet1dWang
from ecgkit.models.wrappers import MeanProbabilityEnsemble, SignalToImageModel, rpm_densenet

__all__ = [
    "CNN1D", "ExplainableECGNet", "ResNet1dWang", "ResNet18_1d", "ProtoECGNet",
    "CascadedDenseNet", "ScalogramCNN", "FFTTransformer", "CNNLSTM",
    "SignalToImageModel", "MeanProbabilityEnsemble", "rpm_densenet",
    "MODELS", "register_model", "get_model",
]
