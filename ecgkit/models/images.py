"""2D CNNs on ECG images: the cascaded dense network of document 000, a scalogram CNN (002).

Both take images ``(N, n_leads, H, W)`` and return logits ``(N, n_classes)``; both start
with a ``BatchNorm2d`` on the input (no separate scaling step) and expose
``gradcam_layer``; every ReLU is its own module, used once (captum and SHAP hook them).
"""
from __future__ import annotations

import torch
from torch import nn

from ecgkit.models.registry import register_model

__all__ = ["DenseLayer", "DenseBlock", "Transition", "CascadedDenseNet", "ScalogramCNN"]


def _check_images(x: torch.Tensor, n_leads: int) -> None:
    if x.dim() != 4 or x.shape[1] != n_leads:
        raise ValueError(f"expected images (N, {n_leads}, H, W), got {tuple(x.shape)}")


class DenseLayer(nn.Module):
    """``BN -> ReLU -> Conv3x3`` producing ``growth`` new maps, concatenated to its input.

    Input ``(N, C, H, W)`` -> ``(N, C + growth, H, W)``: each layer sees every map made
    before it in the block (the "cascade").
    """

    def __init__(self, in_channels: int, growth: int, dropout: float = 0.0):
        super().__init__()
        self.norm = nn.BatchNorm2d(in_channels)
        self.relu = nn.ReLU()
        self.conv = nn.Conv2d(in_channels, growth, 3, padding=1, bias=False)
        self.drop = nn.Dropout2d(dropout) if dropout > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.drop(self.conv(self.relu(self.norm(x))))], dim=1)


class DenseBlock(nn.Sequential):
    """``n_layers`` :class:`DenseLayer` s: ``(N, C, H, W) -> (N, C + n_layers * growth, H, W)``."""

    def __init__(self, in_channels: int, n_layers: int, growth: int, dropout: float = 0.0):
        super().__init__(*[DenseLayer(in_channels + k * growth, growth, dropout)
                           for k in range(n_layers)])
        self.out_channels = in_channels + n_layers * growth


class Transition(nn.Sequential):
    """``BN -> ReLU -> Conv1x1 -> AvgPool2``: compress the channels, halve H and W."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__(nn.BatchNorm2d(in_channels), nn.ReLU(),
                         nn.Conv2d(in_channels, out_channels, 1, bias=False),
                         nn.AvgPool2d(2))


@register_model("cascaded_densenet")
class CascadedDenseNet(nn.Module):
    """A small DenseNet-style 2D CNN: document 000's "cascaded dense network".

    Document 000 names the model but gives no architecture; "cascaded dense" is read here
    as DenseNet (Huang et al. 2017): dense blocks whose layers each see all earlier
    feature maps of the block, joined by transition layers that compress and downsample.

    Layout for a 64 x 64 image: a stem as in DenseNet, scaled down
    (``Conv5x5(stride 2) -> BN -> ReLU -> MaxPool2``: ``stem_channels`` maps at 16 x 16);
    dense block 1 (``block_layers[0]`` layers, each adding ``growth`` maps); a transition
    (channels x ``compression``, 8 x 8); dense block 2; ... ; ``BN -> ReLU``
    (:attr:`gradcam_layer`: 8 x 8 maps with the default two blocks, one cell per 1.25 s
    of a 10 s record along each axis); global average pooling; dropout; linear.
    40,135 parameters with the defaults, one input channel and 5 classes.

    Parameters
    ----------
    n_classes : int
    n_leads : int
        Input channels (1 for a Lead-II image, 12 for one image per lead).
    growth : int
        Maps each dense layer adds.
    block_layers : tuple of int
        Layers per dense block; a transition sits between consecutive blocks.
    stem_channels : int
    compression : float in (0, 1]
        Channel factor of the transitions.
    dropout : float
        Dropout before the linear layer.

    Input ``(N, n_leads, H, W)`` with H, W divisible by ``4 * 2 ** (len(block_layers) - 1)``
    (64 x 64 and 32 x 32 work); output logits ``(N, n_classes)``.
    Images have one channel per lead, e.g. the Lead-II relative position matrix
    ``(N, 1, 64, 64)`` or 12 stacked ones. The input ``BatchNorm2d`` takes images in any
    units (RPM in [0, 1], log scalogram magnitudes); :attr:`gradcam_layer` is the module
    whose output feature maps Grad-CAM weighs (see ``ecgkit.explain.gradcam``).
    """

    def __init__(self, n_classes: int = 5, n_leads: int = 1, growth: int = 12,
                 block_layers=(4, 4), stem_channels: int = 16, compression: float = 0.5,
                 dropout: float = 0.2):
        super().__init__()
        if not 0 < compression <= 1:
            raise ValueError(f"compression must be in (0, 1], got {compression}")
        if len(block_layers) < 1:
            raise ValueError("block_layers needs at least one dense block")
        self.n_leads = n_leads
        self.input_norm = nn.BatchNorm2d(n_leads)
        # DenseNet's stem, scaled down: strided convolution, then pooling (64 -> 16)
        self.stem = nn.Sequential(
            nn.Conv2d(n_leads, stem_channels, 5, stride=2, padding=2, bias=False),
            nn.BatchNorm2d(stem_channels), nn.ReLU(), nn.MaxPool2d(2))
        layers, channels = [], stem_channels
        for k, n_layers in enumerate(block_layers):
            block = DenseBlock(channels, n_layers, growth)
            layers.append(block)
            channels = block.out_channels
            if k < len(block_layers) - 1:
                reduced = max(1, int(channels * compression))
                layers.append(Transition(channels, reduced))
                channels = reduced
        self.features = nn.Sequential(*layers)
        self.final_norm = nn.BatchNorm2d(channels)
        self.final_relu = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(channels, n_classes))
        self.out_channels = channels

    @property
    def gradcam_layer(self) -> nn.Module:
        """The last feature maps (after the final ReLU), for Grad-CAM."""
        return self.final_relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x, self.n_leads)
        h = self.final_relu(self.final_norm(self.features(self.stem(self.input_norm(x)))))
        return self.head(self.pool(h))


@register_model("scalogram_cnn")
class ScalogramCNN(nn.Module):
    """A plain 2D CNN on wavelet scalograms (frequency x time images), document 002.

    Document 002 only says "a 2D CNN on wavelet scalograms"; this is the conventional
    small version: three stages ``Conv3x3 -> BN -> ReLU -> MaxPool2`` with
    ``channels`` maps, a fourth ``Conv3x3 -> BN -> ReLU`` (:attr:`gradcam_layer`; for a
    32 x 64 scalogram its maps are 4 x 8, rows = frequency bands, columns = time),
    global average pooling, dropout and a linear layer. 60,727 parameters for one input
    channel and 5 classes with the defaults.

    Input ``(N, n_leads, F, W)`` (F frequencies low to high, W time columns; F and W
    divisible by 8); output logits ``(N, n_classes)``.
    """

    def __init__(self, n_classes: int = 5, n_leads: int = 1, channels=(16, 32, 64, 64),
                 dropout: float = 0.3):
        super().__init__()
        if len(channels) < 2:
            raise ValueError("channels needs at least two stages")
        self.n_leads = n_leads
        self.input_norm = nn.BatchNorm2d(n_leads)
        layers, in_ch = [], n_leads
        for k, out_ch in enumerate(channels[:-1]):
            layers += [nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False),
                       nn.BatchNorm2d(out_ch), nn.ReLU(), nn.MaxPool2d(2)]
            in_ch = out_ch
        self.features = nn.Sequential(*layers)
        self.last_conv = nn.Conv2d(in_ch, channels[-1], 3, padding=1, bias=False)
        self.last_norm = nn.BatchNorm2d(channels[-1])
        self.last_relu = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout),
                                  nn.Linear(channels[-1], n_classes))

    @property
    def gradcam_layer(self) -> nn.Module:
        """The last feature maps (after the last ReLU), for Grad-CAM."""
        return self.last_relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x, self.n_leads)
        h = self.features(self.input_norm(x))
        h = self.last_relu(self.last_norm(self.last_conv(h)))
        return self.head(self.pool(h))
