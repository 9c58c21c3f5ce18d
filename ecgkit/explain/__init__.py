"""Explanations of ECG models, mapped back onto the ECG.

Image models (chapter 9) see an ECG as an image whose axes are segments of time (RPM,
recurrence plot, GAF: both axes; scalogram: the columns). An attribution on the image is
only useful to a reader once it is back on the trace, so this module has three kinds of
functions:

- attributions on the model input: :func:`gradcam` (captum ``LayerGradCam``, upsampled to
  the image) and :func:`shap_gradient` (SHAP ``GradientExplainer``, expected gradients);
- the back-projection :func:`image_map_to_time`: an ``(i, j)`` heat map over PAA
  segments becomes one value per time sample;
- :func:`plot_on_trace`, which draws such a time map under the ECG;
- :func:`band_occlusion` for spectrum models (chapter 10): which frequency bands move the
  predictions.

Functions are small and take a model, inputs and a target class; models stay in the
mode they were in.
"""
from __future__ import annotations

import contextlib
from typing import Sequence

import numpy as np
import torch
from torch import nn

from ecgkit.transforms import paa_bounds

__all__ = ["gradcam", "shap_gradient", "image_map_to_time", "band_occlusion", "plot_on_trace"]


# --------------------------------------------------------------------------- helpers
def _as_input(x, name: str = "x", ndim: int | None = None) -> torch.Tensor:
    t = x if torch.is_tensor(x) else torch.as_tensor(np.asarray(x))
    if not t.is_floating_point():
        raise ValueError(f"{name} must hold floating-point values, got {t.dtype}")
    if ndim is not None and t.dim() != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions (N, ...), got shape "
                         f"{tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} contains NaN or inf")
    return t.float()


def _targets(target, n: int, n_classes: int) -> torch.Tensor:
    """One class index per example, validated."""
    t = torch.as_tensor(target, dtype=torch.long).reshape(-1)
    if t.numel() == 1:
        t = t.expand(n)
    if t.numel() != n:
        raise ValueError(f"target must be one class or one per example ({n}), got {t.numel()}")
    if (t < 0).any() or (t >= n_classes).any():
        raise ValueError(f"target classes must lie in 0..{n_classes - 1}, got {t.tolist()}")
    return t


@contextlib.contextmanager
def _eval_mode(model: nn.Module):
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def _device_of(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


# --------------------------------------------------------------------------- attributions
def gradcam(model: nn.Module, layer: nn.Module, x, target, relu: bool = True,
            upsample: bool = True) -> np.ndarray:
    """Grad-CAM heat maps (Selvaraju et al. 2017) of a 2D CNN, via captum's LayerGradCam.

    The feature maps ``A_k`` of ``layer`` are weighted by the spatial mean of the
    gradient of the target logit, ``w_k = mean(d y_c / d A_k)``, summed, and (``relu``)
    clipped at 0: where the maps push the class score up.

    Parameters
    ----------
    model : 2D CNN returning logits ``(N, C)``; e.g. ``CascadedDenseNet``.
    layer : the module whose output maps are weighed (``model.gradcam_layer``).
    x : images ``(N, channels, H, W)``.
    target : class index, or one per example.
    relu : keep only positive evidence (the usual Grad-CAM).
    upsample : bilinearly resize the map from the layer's resolution to ``(H, W)``.

    Returns
    -------
    float32 ``(N, H, W)`` (or ``(N, h, w)``, the layer's resolution, without upsampling).
    """
    from captum.attr import LayerAttribution, LayerGradCam

    x = _as_input(x, ndim=4)
    with _eval_mode(model):
        device = _device_of(model)
        with torch.no_grad():
            n_classes = model(x[:1].to(device)).shape[1]
        tgt = _targets(target, len(x), n_classes)
        cam = LayerGradCam(model, layer).attribute(x.to(device), target=tgt.tolist(),
                                                   relu_attributions=relu)
        if upsample:
            cam = LayerAttribution.interpolate(cam, tuple(x.shape[-2:]), "bilinear")
    return cam.sum(dim=1).detach().cpu().numpy().astype(np.float32)


def shap_gradient(model: nn.Module, background, x, target, nsamples: int = 200,
                  seed: int = 0) -> np.ndarray:
    """SHAP values by expected gradients (``shap.GradientExplainer``).

    Integrated gradients averaged over reference inputs drawn from ``background`` and
    random points on the path to them: attributions that add up (approximately) to the
    model output minus its mean output over the background.

    Parameters
    ----------
    model : returns logits ``(N, C)``; the explained output is the target logit.
    background : reference inputs ``(B, ...)``, e.g. 32-64 training images.
    x : inputs to explain ``(N, ...)``, same trailing shape.
    target : class index, or one per example.
    nsamples : gradient samples per input (more: less noise, slower).
    seed : for the sampling.

    Returns
    -------
    float32, the shape of ``x``: one attribution per input value for the target class.
    """
    import shap

    x = _as_input(x)
    background = _as_input(background, "background")
    if background.shape[1:] != x.shape[1:]:
        raise ValueError(f"background {tuple(background.shape)} and x {tuple(x.shape)} "
                         "differ in shape after the batch axis")
    if nsamples < 1:
        raise ValueError(f"nsamples must be >= 1, got {nsamples}")
    with _eval_mode(model):
        device = _device_of(model)
        with torch.no_grad():
            n_classes = model(x[:1].to(device)).shape[1]
        tgt = _targets(target, len(x), n_classes).numpy()
        explainer = shap.GradientExplainer(model, background.to(device))
        values = explainer.shap_values(x.to(device), nsamples=nsamples, rseed=seed)
    # shap returns (N, ..., C) arrays (>= 0.45) or a list of C arrays (older versions)
    values = np.stack(values, axis=-1) if isinstance(values, list) else np.asarray(values)
    if values.shape[:-1] != tuple(x.shape):
        values = values.reshape(*x.shape, -1)
    return values[np.arange(len(x)), ..., tgt].astype(np.float32)


# --------------------------------------------------------------------------- back-projection
def image_map_to_time(heatmap, n_samples: int, axes: str = "both") -> np.ndarray:
    """Project a heat map over an image of PAA segments back onto the time axis.

    Image transforms such as the relative position matrix index both image axes by the
    same PAA segments of the signal (:func:`ecgkit.transforms.paa_bounds`): pixel
    ``(i, j)`` relates segment ``i`` to segment ``j``. The importance of segment ``k`` is
    then the mean of row ``k`` and column ``k`` (``axes="both"``); for a scalogram only
    the columns are time (rows are frequencies), so it is the mean of column ``k``
    (``axes="columns"``). Every sample of segment ``k`` gets that value.

    Parameters
    ----------
    heatmap : array ``(S, S)`` / ``(N, S, S)`` for ``"both"``, or ``(F, W)`` /
        ``(N, F, W)`` for ``"columns"``.
    n_samples : length T of the signal the image was made from (W <= T).
    axes : ``"both"`` or ``"columns"``.

    Returns
    -------
    float64 ``(T,)`` or ``(N, T)``.
    """
    h = np.asarray(heatmap, dtype=np.float64)
    if h.ndim not in (2, 3):
        raise ValueError(f"heatmap must be (S, S) or (N, S, S), got shape {h.shape}")
    if not np.isfinite(h).all():
        raise ValueError("heatmap contains NaN or inf")
    if axes == "both":
        if h.shape[-1] != h.shape[-2]:
            raise ValueError(f"axes='both' needs a square map (both axes are time), got "
                             f"{h.shape[-2:]}; use axes='columns' for a scalogram")
        per_segment = (h.mean(axis=-1) + h.mean(axis=-2)) / 2
    elif axes == "columns":
        per_segment = h.mean(axis=-2)
    else:
        raise ValueError(f"axes must be 'both' or 'columns', got {axes!r}")
    width = h.shape[-1]
    if not 1 <= width <= n_samples:
        raise ValueError(f"the map has {width} time segments, more than n_samples={n_samples}")
    start, end = paa_bounds(int(n_samples), width)
    return np.repeat(per_segment, end - start, axis=-1)


# --------------------------------------------------------------------------- spectra
def band_occlusion(model: nn.Module, spectra, freqs, band_hz: float = 2.0, fill=None,
                   batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Occlusion by frequency band for a model on spectra ``(N, leads, K)``.

    Each band of ``band_hz`` Hz is replaced, in every lead, by ``fill`` (default: the
    mean over ``spectra`` of each bin and lead, i.e. "an average record's spectrum
    there"), and the change of the sigmoid outputs is averaged over the records.

    Parameters
    ----------
    model : returns logits ``(N, C)`` from spectra.
    spectra : ``(N, leads, K)`` model inputs (e.g. ``fft_features``).
    freqs : ``(K,)`` frequency of each bin in Hz (``fft_frequencies``).
    band_hz : band width in Hz.
    fill : ``(leads, K)`` replacement values, optional.

    Returns
    -------
    centres : ``(B,)`` band centres in Hz.
    effect : ``(B, C)`` mean absolute change of each class probability when the band is
        occluded (0: the model ignores the band).
    """
    from ecgkit.train import predict

    x = _as_input(spectra, "spectra", ndim=3).numpy()
    freqs = np.asarray(freqs, dtype=np.float64)
    if freqs.shape != (x.shape[-1],):
        raise ValueError(f"freqs must have one value per bin ({x.shape[-1]}), got {freqs.shape}")
    if band_hz <= 0:
        raise ValueError(f"band_hz must be positive, got {band_hz}")
    fill = x.mean(axis=0) if fill is None else np.asarray(fill, dtype=np.float32)
    if fill.shape != x.shape[1:]:
        raise ValueError(f"fill must have shape {x.shape[1:]}, got {fill.shape}")
    edges = np.arange(freqs[0], freqs[-1] + band_hz, band_hz)
    base = predict(model, x, batch_size=batch_size)
    centres, effects = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        in_band = (freqs >= lo) & (freqs < hi)
        if not in_band.any():
            continue
        occluded = x.copy()
        occluded[:, :, in_band] = fill[:, in_band]
        effects.append(np.abs(predict(model, occluded, batch_size=batch_size) - base).mean(0))
        centres.append((lo + hi) / 2)
    return np.asarray(centres), np.asarray(effects)


# --------------------------------------------------------------------------- plotting
def plot_on_trace(signal, fs: float, time_map, ax=None, title: str | None = None,
                  label: str = "attribution", cmap: str = "Reds"):
    """Draw one lead with a time map (e.g. from :func:`image_map_to_time`) under it.

    The map is min-max scaled to [0, 1] (darkest where it is largest, white where it is
    smallest: a relative picture within this record) and shown as coloured bands behind
    the trace. Pass positive evidence (e.g. Grad-CAM, or clipped SHAP values).

    Parameters
    ----------
    signal : ``(T,)`` one lead, at ``fs`` Hz.
    time_map : ``(T,)`` importance per sample.
    ax : matplotlib axes, optional.

    Returns
    -------
    matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    y = np.asarray(signal, dtype=np.float64)
    m = np.asarray(time_map, dtype=np.float64)
    if y.ndim != 1 or m.shape != y.shape:
        raise ValueError(f"signal and time_map must both be (T,), got {y.shape} and {m.shape}")
    if fs <= 0:
        raise ValueError(f"fs must be positive (Hz), got {fs}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 2.6))
    else:
        fig = ax.figure
    t = np.arange(len(y)) / fs
    span = m.max() - m.min()
    weight = (m - m.min()) / span if span > 0 else np.zeros_like(m)
    lo, hi = y.min(), y.max()
    pad = 0.1 * (hi - lo + 1e-9)
    ax.imshow(weight[None, :], aspect="auto", cmap=cmap, vmin=0, vmax=1, alpha=0.6,
              extent=(t[0], t[-1] + 1 / fs, lo - pad, hi + pad), origin="lower")
    ax.plot(t, y, color="black", lw=0.8)
    ax.set_xlim(t[0], t[-1] + 1 / fs)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("amplitude")
    ax.set_title(title or f"{label} on the trace (darker = more)")
    return fig


# =========================================================================== one interface
# ``explain(model, ecg, method=...)``: every method of chapter 12 behind one call, each
# returning an attribution over (lead, time) per class, so that they can be drawn with
# one function (:func:`plot_attribution_on_paper`) and tested for faithfulness with one
# procedure (:mod:`ecgkit.faithfulness`). Models take standardised 12-lead signals
# ``(N, 12, T)``; an image model is wrapped in :class:`SignalToImageModel` so that it
# takes the same input and its image maps come back onto the time axis.

METHODS = ("gradcam", "integrated_gradients", "shap", "deep_shap", "occlusion",
           "attention", "random")
METHOD_LABELS = {
    "gradcam": "Grad-CAM", "integrated_gradients": "Integrated gradients",
    "shap": "SHAP (GradientExplainer)", "deep_shap": "SHAP (DeepExplainer)",
    "occlusion": "Occlusion", "attention": "Attention", "random": "Random (control)",
}


class SignalToImageModel(nn.Module):
    """A 2D CNN on the image of one lead, seen as a model of the 12-lead signal.

    ``forward(x)`` takes standardised signals ``(N, n_leads, T)``, turns lead ``lead``
    into an image with ``transform`` (NumPy, not differentiable) and returns the image
    model's logits ``(N, C)``. Perturbation methods (occlusion, deletion curves) then
    work on the signal as for any 1D model; gradient methods work on the image
    (:meth:`to_image`) and are projected back onto time by :func:`image_map_to_time`.

    Parameters
    ----------
    image_model : 2D CNN taking ``(N, 1, S, S)`` images (e.g. ``CascadedDenseNet``).
    lead : index of the lead that is imaged (1 = lead II in ``ecgkit.data.LEADS``).
    image_size : S.
    transform : ``"rpm"`` (relative position matrix, document 000), ``"gaf"``
        (Gramian angular summation field) or ``"recurrence"``; all index both image
        axes by PAA segments of time.
    n_leads : leads of the input signal, 12.

    A flat signal (all samples equal, e.g. a lead fully deleted by a faithfulness
    test) has no RPM (its scale is 0); it gets the image of "no change", a constant
    0.5 for RPM and 0 for the others, instead of an error.
    """

    _FLAT_VALUE = {"rpm": 0.5, "gaf": 0.0, "recurrence": 0.0}

    def __init__(self, image_model: nn.Module, lead: int = 1, image_size: int = 64,
                 transform: str = "rpm", n_leads: int = 12):
        super().__init__()
        if transform not in self._FLAT_VALUE:
            raise ValueError(f"transform must be one of {sorted(self._FLAT_VALUE)}, got "
                             f"{transform!r}")
        if not 0 <= lead < n_leads:
            raise ValueError(f"lead must be an index in 0..{n_leads - 1}, got {lead}")
        self.image_model = image_model
        self.lead, self.image_size, self.transform = int(lead), int(image_size), transform
        self.n_leads = n_leads
        self.input_leads = (self.lead,)  # the only lead that can matter

    def to_image(self, x) -> torch.Tensor:
        """Images ``(N, 1, S, S)`` float32 of the imaged lead of ``x`` ``(N, n_leads, T)``."""
        from ecgkit import transforms

        x = _as_input(x, ndim=3)
        if x.shape[1] != self.n_leads:
            raise ValueError(f"expected input (N, {self.n_leads}, T), got {tuple(x.shape)}")
        rows = x[:, self.lead].detach().cpu().numpy().astype(np.float64)
        fn = {"rpm": transforms.relative_position_matrix,
              "gaf": transforms.gramian_angular_field,
              "recurrence": transforms.recurrence_plot}[self.transform]
        out = np.full((len(rows), self.image_size, self.image_size),
                      self._FLAT_VALUE[self.transform], dtype=np.float32)
        varying = rows.std(axis=1) > 1e-6
        if varying.any():
            out[varying] = fn(rows[varying], image_size=self.image_size)
        return torch.from_numpy(out[:, None])

    def flat_image(self) -> torch.Tensor:
        """The image of a flat signal ``(1, 1, S, S)``: the baseline of integrated gradients."""
        return torch.full((1, 1, self.image_size, self.image_size),
                          self._FLAT_VALUE[self.transform])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        device = _device_of(self.image_model)
        return self.image_model(self.to_image(x).to(device))


def _input_leads(model: nn.Module, n_leads: int, leads=None) -> tuple[int, ...]:
    """The leads to perturb: ``leads`` if given (checked), else those the model reads
    (``model.input_leads`` where it has one, else all ``n_leads``)."""
    chosen = tuple(getattr(model, "input_leads", range(n_leads)) if leads is None else leads)
    if not chosen or len(set(chosen)) != len(chosen) or not all(0 <= k < n_leads for k in chosen):
        raise ValueError(f"leads must be distinct indices in 0..{n_leads - 1}, got {list(chosen)}")
    return chosen


def _n_classes(model: nn.Module, x: torch.Tensor) -> int:
    with torch.no_grad():
        return int(_logits(model, x[:1].to(_device_of(model))).shape[1])


def _logits(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    out = model(x)
    return out[0] if isinstance(out, (tuple, list)) else out


def _activated(logits: torch.Tensor, activation: str | None) -> torch.Tensor:
    from ecgkit.train import _activate   # one definition of the activations

    return _activate(logits, activation)


def default_gradcam_layer(model: nn.Module) -> nn.Module:
    """The feature layer Grad-CAM weighs for the course's 1D models.

    ``ExplainableECGNet``: the lead-wise encoder (its maps are per lead, so Grad-CAM is
    too); ``CNN1D``: ``features``; ``ResNet1dWang``: ``blocks``; else the last module
    holding a ``Conv1d``. Pass ``layer=`` to :func:`explain` to choose another.
    """
    for name in ("encoder", "features", "blocks"):
        layer = getattr(model, name, None)
        if isinstance(layer, nn.Module):
            return layer
    convs = [m for m in model.modules() if isinstance(m, nn.Conv1d)]
    if not convs:
        raise ValueError(f"{type(model).__name__} has no Conv1d layer for Grad-CAM; "
                         "pass layer=")
    return convs[-1]


def _upsample_time(maps: torch.Tensor, n_samples: int) -> torch.Tensor:
    """``(..., T')`` -> ``(..., T)`` by linear interpolation (Grad-CAM's upsampling)."""
    shape = maps.shape
    flat = maps.reshape(-1, 1, shape[-1]).float()
    out = torch.nn.functional.interpolate(flat, size=n_samples, mode="linear",
                                          align_corners=False)
    return out.reshape(*shape[:-1], n_samples)


def _gradcam_1d(model, x, target, layer, relu) -> np.ndarray:
    from captum.attr import LayerGradCam

    n, leads, t = x.shape
    cam = LayerGradCam(model, layer).attribute(x, target=target.tolist(),
                                               relu_attributions=relu)  # (N or N*L, 1, T')
    cam = cam.detach().sum(dim=1)
    if cam.shape[0] == n * leads:      # a lead-wise encoder: one map per lead
        cam = cam.reshape(n, leads, -1)
    elif cam.shape[0] == n:            # leads mixed in the first layer: one map for all
        cam = cam[:, None, :].expand(n, leads, -1)
    else:
        raise ValueError(f"Grad-CAM layer output has batch {cam.shape[0]}, expected "
                         f"{n} or {n * leads}; pick another layer")
    return _upsample_time(cam, t).cpu().numpy()


def _integrated_gradients(model, x, target, baseline, n_steps, batch_size) -> np.ndarray:
    from captum.attr import IntegratedGradients

    ig = IntegratedGradients(lambda inp: _logits(model, inp))
    if np.isscalar(baseline):
        base = torch.full_like(x, float(baseline))
    else:
        base = _as_input(baseline, "baseline").to(x.device).expand_as(x).contiguous()
    attr = ig.attribute(x, baselines=base, target=target.tolist(), n_steps=n_steps,
                        internal_batch_size=batch_size)
    return attr.detach().cpu().numpy()


def _shap_all(model, x, background, nsamples, seed, deep) -> np.ndarray:
    """SHAP values for every class: ``(N, *x.shape[1:], C)``."""
    import shap

    if background is None:
        raise ValueError("SHAP needs background=: reference inputs (B, ...), e.g. 16-64 "
                         "training ECGs in the model's input units")
    background = _as_input(background, "background").to(x.device)
    if deep:
        explainer = shap.DeepExplainer(model, background)
        name = type(getattr(model, "model", model)).__name__  # through _ClassOutput
        unsupported = ValueError(
            f"SHAP's DeepExplainer does not support {name}: its "
            "attributions do not add up to the model output (an operation DeepLIFT "
            "cannot propagate). Use method='shap' (GradientExplainer).")
        try:
            values = explainer.shap_values(x, check_additivity=True)
        except AssertionError as err:
            raise unsupported from err
        # shap's own check has an absolute tolerance (0.01) that small logits always
        # pass; demand that the sums match the output gap to 10 % as well
        values = np.stack(values, axis=-1) if isinstance(values, list) else np.asarray(values)
        values = values.reshape(*x.shape, -1)
        with torch.no_grad():
            gap = (_logits(model, x) - _logits(model, background).mean(0)).cpu().numpy()
        sums = values.reshape(len(x), -1, values.shape[-1]).sum(1)
        if (np.abs(sums - gap) > 0.1 * np.abs(gap) + 1e-3).any():
            raise unsupported
    else:
        explainer = shap.GradientExplainer(model, background)
        values = explainer.shap_values(x, nsamples=nsamples, rseed=seed)
    values = np.stack(values, axis=-1) if isinstance(values, list) else np.asarray(values)
    if values.shape[:-1] != tuple(x.shape):
        values = values.reshape(*x.shape, -1)
    return values


class _ClassOutput(nn.Module):
    """The logit of one class as a one-output model: ``(N, ...) -> (N, 1)``."""

    def __init__(self, model: nn.Module, k: int):
        super().__init__()
        self.model, self.k = model, int(k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _logits(self.model, x)[:, self.k:self.k + 1]


def _shap_targets(model, x, background, nsamples, seed, deep, targets) -> np.ndarray:
    """SHAP values of each input for its own target class only: ``x.shape``.

    SHAP explains every output of a model; explaining a one-output view of it per target
    class costs ``1 / C`` of that.
    """
    out = np.zeros(tuple(x.shape), dtype=np.float32)
    targets = np.asarray(targets)
    for k in np.unique(targets):
        rows = np.flatnonzero(targets == k)
        values = _shap_all(_ClassOutput(model, k).eval(), x[torch.as_tensor(rows)],
                           background, nsamples, seed, deep)
        out[rows] = values[..., 0]
    return out


def occlusion(model: nn.Module, x, window: int = 50, baseline: float = 0.0,
              leads: Sequence[int] | None = None, activation: str | None = "sigmoid",
              batch_size: int = 128, across_leads: bool = False) -> np.ndarray:
    """Occlusion per lead and time window: how much each class score drops without it.

    Each patch (one lead x ``window`` samples, non-overlapping) is set to ``baseline``
    in turn; the attribution of every sample of the patch is
    ``score(x) - score(x with the patch occluded)``, for all classes at once.
    With ``across_leads=True`` a patch is a time window in *all* leads at once (``L``
    times fewer forward passes; every lead gets the same value): the time profile alone.

    Parameters
    ----------
    model : takes ``(N, L, T)``, returns logits ``(N, C)``.
    x : ``(N, L, T)`` in the model's input units (standardised: 0 is the lead's mean).
    window : patch length in samples (50 = 0.5 s at 100 Hz); ``window >= T`` occludes
        whole leads (source 001's lead occlusion).
    baseline : value written into the patch.
    leads : lead indices to occlude (default those the model reads: all, or
        ``model.input_leads``); the others get 0.
    activation : score = ``"sigmoid"`` probability (default), ``"softmax"`` or logits.

    Returns
    -------
    float32 ``(N, C, L, T)``: positive where removing the patch lowers the score.
    """
    x = _as_input(x, ndim=3)
    n, n_leads, t = x.shape
    if window < 1:
        raise ValueError(f"window must be >= 1 sample, got {window}")
    window = min(int(window), t)
    leads = _input_leads(model, n_leads, leads)
    starts = list(range(0, t, window))
    # a patch is (the leads it covers, its start)
    patches = ([(leads, s) for s in starts] if across_leads else
               [((lead,), s) for lead in leads for s in starts])
    with _eval_mode(model), torch.no_grad():
        device = _device_of(model)
        x = x.to(device)
        ref = _activated(_logits(model, x), activation)                     # (N, C)
        out = torch.zeros(n, ref.shape[1], n_leads, t, device=device)
        for i in range(n):
            for b in range(0, len(patches), batch_size):
                chunk = patches[b:b + batch_size]
                xb = x[i:i + 1].repeat(len(chunk), 1, 1)
                for k, (covered, s) in enumerate(chunk):
                    xb[k, list(covered), s:s + window] = baseline
                drop = ref[i][None] - _activated(_logits(model, xb), activation)  # (P, C)
                for k, (covered, s) in enumerate(chunk):
                    out[i, :, list(covered), s:s + window] = drop[k][:, None, None]
    return out.cpu().numpy().astype(np.float32)


def lead_occlusion(model: nn.Module, x, baseline: float = 0.0,
                   activation: str | None = "sigmoid") -> np.ndarray:
    """Drop of each class score when a whole lead is set to ``baseline`` (source 001).

    ``x``: ``(N, L, T)``. Returns float32 ``(N, C, L)``.
    """
    x = _as_input(x, ndim=3)
    return occlusion(model, x, window=x.shape[-1], baseline=baseline,
                     activation=activation)[..., 0]


def attention_map(model: nn.Module, x) -> np.ndarray:
    """The model's own attention as a map over (lead, time): ``beta_l * alpha_{l,t}``.

    For models whose ``forward(x, return_attention=True)`` returns ``(logits,
    {"temporal": alpha (N, L, T'), "lead": beta (N, L)})`` (``ExplainableECGNet``);
    each attention step covers ``T / T'`` samples (8 at the default strides) and is
    repeated over them. Attention is the same for every class: it says where the model
    looked, not what it concluded. Returns float32 ``(N, L, T)``, summing to 1 per ECG.
    """
    x = _as_input(x, ndim=3)
    with _eval_mode(model), torch.no_grad():
        try:
            out = model(x.to(_device_of(model)), return_attention=True)
        except TypeError as err:
            raise ValueError(f"{type(model).__name__} has no attention to show "
                             "(forward takes no return_attention=)") from err
    _, att = out
    alpha, beta = att["temporal"], att["lead"]                             # (N,L,T'), (N,L)
    t, steps = x.shape[-1], alpha.shape[-1]
    idx = torch.clamp((torch.arange(t) * steps) // t, max=steps - 1).to(alpha.device)
    per_sample = alpha[..., idx] * (steps / t)      # mass of a step shared by its samples
    return (beta[..., None] * per_sample).cpu().numpy().astype(np.float32)


def _image_method(model: SignalToImageModel, x, method, target, background, n_steps,
                  nsamples, seed, batch_size) -> np.ndarray:
    """Gradient methods of an image model, back on the imaged lead's time axis."""
    n, n_leads, t = x.shape
    images = model.to_image(x).to(_device_of(model.image_model))
    net = model.image_model
    if method == "gradcam":
        layer = getattr(net, "gradcam_layer", None)
        if layer is None:
            raise ValueError(f"{type(net).__name__} has no gradcam_layer")
        maps = gradcam(net, layer, images, target.tolist())
    elif method == "integrated_gradients":
        # from the image of a flat signal (what the zero baseline is for 1D models)
        maps = _integrated_gradients(net, images, target, model.flat_image(), n_steps,
                                     batch_size)[:, 0]
    elif method in ("shap", "deep_shap"):
        bg = model.to_image(_as_input(background, "background", ndim=3)) \
            if background is not None else None
        maps = _shap_targets(net, images, bg, nsamples, seed, method == "deep_shap",
                             target.numpy())[:, 0]
    else:
        raise ValueError(f"method {method!r} is not a gradient method")
    out = np.zeros((n, n_leads, t), dtype=np.float32)
    out[:, model.lead] = image_map_to_time(maps, t, axes="both")
    return out


def explain(model: nn.Module, ecg, method: str = "integrated_gradients", target=None, *,
            background=None, baseline: float = 0.0, n_steps: int = 32, nsamples: int = 64,
            window: int = 50, layer: nn.Module | None = None, relu: bool = True,
            seed: int = 0, batch_size: int = 64) -> np.ndarray:
    """Attribution of a model's output to each lead and time sample, by one method.

    Parameters
    ----------
    model : nn.Module taking standardised signals ``(N, L, T)`` (12 leads at 100 Hz in
        the course) and returning logits ``(N, C)``; an image model wrapped in
        :class:`SignalToImageModel`.
    ecg : ``(L, T)`` one ECG or ``(N, L, T)`` a batch, in the model's input units.
    method : one of :data:`METHODS`:

        ``"gradcam"``
            captum ``LayerGradCam`` on ``layer`` (default :func:`default_gradcam_layer`;
            for an image model its ``gradcam_layer``), positive part (``relu``),
            linearly upsampled to the signal. One map for all leads unless the layer
            is lead-wise (``ExplainableECGNet``).
        ``"integrated_gradients"``
            captum ``IntegratedGradients`` from a constant ``baseline`` (0: every lead at
            its training mean) in ``n_steps`` steps; sums to ``logit(x) -
            logit(baseline)``.
        ``"shap"``
            SHAP ``GradientExplainer`` (expected gradients) against ``background``
            (``(B, L, T)`` training ECGs), ``nsamples`` samples per ECG.
        ``"deep_shap"``
            SHAP ``DeepExplainer`` (DeepLIFT with a background); raises ``ValueError``
            for models whose attributions do not add up (unsupported operations).
        ``"occlusion"``
            :func:`occlusion` with ``window`` samples per patch: drop of the class
            probability when a (lead, window) patch is set to ``baseline``.
        ``"attention"``
            :func:`attention_map` (models with attention only); the same for every
            class.
        ``"random"``
            uniform noise: the control every method must beat.
    target : None for every class, else a class index or one per ECG.
    seed : for SHAP's sampling and the random control.

    Returns
    -------
    float32 array. With ``target=None``: ``(C, L, T)`` for one ECG, ``(N, C, L, T)`` for a
    batch; with a target: ``(L, T)`` / ``(N, L, T)``. Larger values = more evidence for
    the class (gradient methods and SHAP are signed; Grad-CAM, attention and occlusion's
    positive part are what the method calls "important").
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    x = _as_input(ecg, "ecg")
    single = x.dim() == 2
    if single:
        x = x[None]
    if x.dim() != 3:
        raise ValueError(f"ecg must be (L, T) or (N, L, T), got shape {tuple(x.shape)}")
    n, n_leads, t = x.shape
    is_image = isinstance(model, SignalToImageModel)
    with _eval_mode(model):
        device = _device_of(model)
        n_classes = _n_classes(model, x)
        targets = None if target is None else _targets(target, n, n_classes)
        x = x.to(device)

        def all_classes(fn) -> np.ndarray:
            """(N, C, L, T) from a per-target function (N,) -> (N, L, T)."""
            return np.stack([fn(torch.full((n,), k, dtype=torch.long))
                             for k in range(n_classes)], axis=1)

        if method == "random":
            rng = np.random.default_rng(seed)
            shape = (n, n_classes, n_leads, t)
            values = rng.random(shape, dtype=np.float32)
            lead_mask = np.zeros(n_leads, dtype=bool)
            lead_mask[list(_input_leads(model, n_leads))] = True
            values[:, :, ~lead_mask] = 0.0
        elif method == "occlusion":
            values = occlusion(model, x, window=window, baseline=baseline,
                               batch_size=batch_size)
        elif method == "attention":
            values = np.repeat(attention_map(model, x)[:, None], n_classes, axis=1)
        elif method in ("shap", "deep_shap") and not is_image:
            if targets is None:
                v = _shap_all(model, x, background, nsamples, seed, method == "deep_shap")
                values = np.moveaxis(v, -1, 1)
            else:
                values = _shap_targets(model, x, background, nsamples, seed,
                                       method == "deep_shap", targets.numpy())
        elif is_image:
            values = (all_classes(lambda tg: _image_method(
                model, x, method, tg, background, n_steps, nsamples, seed, batch_size))
                if targets is None else
                _image_method(model, x, method, targets, background, n_steps, nsamples,
                              seed, batch_size))
        elif method == "gradcam":
            lay = layer if layer is not None else default_gradcam_layer(model)
            fn = lambda tg: _gradcam_1d(model, x, tg.to(device), lay, relu)  # noqa: E731
            values = all_classes(fn) if targets is None else fn(targets)
        else:  # integrated gradients
            fn = lambda tg: _integrated_gradients(  # noqa: E731
                model, x, tg.to(device), baseline, n_steps, batch_size)
            values = all_classes(fn) if targets is None else fn(targets)
    values = np.asarray(values, dtype=np.float32)
    if targets is not None and values.ndim == 4:  # methods that gave every class
        values = values[np.arange(n), targets.numpy()]
    return values[0] if single else values


# --------------------------------------------------------------------------- on paper
def plot_attribution_on_paper(signal, attribution, fs: float = 100.0, leads=None,
                              title: str | None = None, signed: bool | None = None,
                              ax=None, row_mm: float = 20.0, cmap: str | None = None):
    """Draw a 12-lead ECG on ECG paper with an attribution map over it.

    Each lead gets one row over the whole record (25 mm/s, 10 mm/mV): the trace in
    black over a coloured band whose intensity is the attribution of each sample. One
    colour scale serves all leads (the largest absolute value over the whole map), so
    leads can be compared.

    Parameters
    ----------
    signal : ``(L, T)`` in mV (plot the raw or band-passed signal, not the
        standardised input: doctors read millivolts).
    attribution : ``(L, T)``, e.g. one class of :func:`explain`.
    fs : Hz.
    leads : the L lead names (default the 12 of ``ecgkit.data.LEADS``).
    signed : draw negative values in blue and positive in red (default: when the map
        has negative values); unsigned maps use white-to-red.
    row_mm : height of one row in mm of paper (20 mm = +-1 mV).

    Returns
    -------
    matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    from ecgkit.plot import MM_PER_INCH, _draw_paper

    y = np.asarray(signal, dtype=np.float64)
    a = np.asarray(attribution, dtype=np.float64)
    if y.ndim != 2 or a.shape != y.shape:
        raise ValueError(f"signal and attribution must both be (L, T), got {y.shape} and "
                         f"{a.shape}")
    if not (np.isfinite(y).all() and np.isfinite(a).all()):
        raise ValueError("signal or attribution contains NaN or inf")
    if fs <= 0:
        raise ValueError(f"fs must be positive (Hz), got {fs}")
    if leads is None:
        from ecgkit.data import LEADS as leads
    leads = tuple(leads)
    if len(leads) != y.shape[0]:
        raise ValueError(f"{len(leads)} lead names for {y.shape[0]} rows")
    n_leads, t = y.shape
    speed, gain = 25.0, 10.0
    width, height = t / fs * speed, n_leads * row_mm
    if signed is None:
        signed = bool((a < 0).any())
    scale = np.abs(a).max() or 1.0
    weight = a / scale
    cmap = cmap or ("RdBu_r" if signed else "Reds")
    if ax is None:
        margin = 8.0
        fig = plt.figure(figsize=((width + 2 * margin) / MM_PER_INCH,
                                  (height + 2.5 * margin) / MM_PER_INCH))
        ax = fig.add_axes([margin / (width + 2 * margin), margin / (height + 2.5 * margin),
                           width / (width + 2 * margin), height / (height + 2.5 * margin)])
    fig = ax.figure
    _draw_paper(ax, 0.0, width, 0.0, height, (1.0, 1.0), (5.0, 5.0))
    x = np.arange(t) / fs * speed
    for row in range(n_leads):
        top = height - row * row_mm
        ax.imshow(weight[row][None, :], aspect="auto", cmap=cmap,
                  vmin=-1 if signed else 0, vmax=1, alpha=0.55, zorder=1,
                  extent=(0, width, top - row_mm, top), interpolation="nearest")
        baseline = top - row_mm / 2
        ax.plot(x, baseline + gain * np.clip(y[row], -row_mm / gain / 2 * 0.98,
                                             row_mm / gain / 2 * 0.98),
                color="black", lw=0.6, zorder=2)
        ax.text(1.0, top - 2.0, leads[row], fontsize=7, va="top", zorder=3,
                bbox=dict(facecolor="white", edgecolor="none", pad=0.5, alpha=0.8))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.text(width, -1.5, f"{speed:g} mm/s   {gain:g} mm/mV   fs = {fs:g} Hz   "
            f"colour: attribution / max |attribution| (max = {scale:.3g})",
            ha="right", va="top", fontsize=6)
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    return fig


__all__ += ["METHODS", "METHOD_LABELS", "SignalToImageModel", "default_gradcam_layer",
            "occlusion", "lead_occlusion", "attention_map", "explain",
            "plot_attribution_on_paper"]
