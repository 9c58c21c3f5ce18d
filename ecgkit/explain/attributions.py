"""Attribution methods for ECG models and :func:`explain`, one call over all of them.

Each method says how much each input value (lead x time sample, or image pixel) moved a
class score: Grad-CAM, integrated gradients, SHAP, occlusion, attention and a random
control (:data:`METHODS`); models stay in the mode they were in.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from ecgkit.explain.images import image_model_attribution
from ecgkit.models import SignalToImageModel
from ecgkit.train import activate, model_logits

__all__ = ["gradcam", "shap_gradient", "occlusion", "lead_occlusion", "attention_map",
           "METHODS", "METHOD_LABELS", "explain", "default_gradcam_layer",
           "eval_mode", "input_leads", "as_input"]


# --------------------------------------------------------------------------- helpers
def as_input(x, name: str = "x", ndim: int | None = None) -> torch.Tensor:
    """``x`` (array or tensor) as a finite float32 tensor, with ``ndim`` dimensions if
    given; else ValueError naming ``name``."""
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
    """One class index per example, validated: int64 ``(n,)`` in ``0..n_classes - 1``."""
    t = torch.as_tensor(target, dtype=torch.long).reshape(-1)
    if t.numel() == 1:
        t = t.expand(n)
    if t.numel() != n:
        raise ValueError(f"target must be one class or one per example ({n}), got {t.numel()}")
    if (t < 0).any() or (t >= n_classes).any():
        raise ValueError(f"target classes must lie in 0..{n_classes - 1}, got {t.tolist()}")
    return t


@contextlib.contextmanager
def eval_mode(model: nn.Module):
    """Context in which ``model`` is in eval mode; its previous mode is restored after."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def _device_of(model: nn.Module) -> torch.device:
    """The device of the model's (first) parameters."""
    return next(model.parameters()).device


def input_leads(model: nn.Module, n_leads: int, leads=None) -> tuple[int, ...]:
    """The leads to perturb: ``leads`` if given (checked), else those the model reads
    (``model.input_leads`` where it has one, else all ``n_leads``)."""
    chosen = tuple(getattr(model, "input_leads", range(n_leads)) if leads is None else leads)
    if not chosen or len(set(chosen)) != len(chosen) or not all(0 <= k < n_leads for k in chosen):
        raise ValueError(f"leads must be distinct indices in 0..{n_leads - 1}, got {list(chosen)}")
    return chosen


def _n_classes(model: nn.Module, x: torch.Tensor) -> int:
    """Number C of classes: the width of the model's output for the first input."""
    with torch.no_grad():
        return int(model_logits(model, x[:1].to(_device_of(model))).shape[1])


# --------------------------------------------------------------------------- image models
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

    x = as_input(x, ndim=4)
    with eval_mode(model):
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

    x = as_input(x)
    background = as_input(background, "background")
    if background.shape[1:] != x.shape[1:]:
        raise ValueError(f"background {tuple(background.shape)} and x {tuple(x.shape)} "
                         "differ in shape after the batch axis")
    if nsamples < 1:
        raise ValueError(f"nsamples must be >= 1, got {nsamples}")
    with eval_mode(model):
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


# --------------------------------------------------------------------------- signal models
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

    ig = IntegratedGradients(lambda inp: model_logits(model, inp))
    if np.isscalar(baseline):
        base = torch.full_like(x, float(baseline))
    else:
        base = as_input(baseline, "baseline").to(x.device).expand_as(x).contiguous()
    attr = ig.attribute(x, baselines=base, target=target.tolist(), n_steps=n_steps,
                        internal_batch_size=batch_size)
    return attr.detach().cpu().numpy()


def _shap_all(model, x, background, nsamples, seed, deep) -> np.ndarray:
    """SHAP values for every class: ``(N, *x.shape[1:], C)``."""
    import shap

    if background is None:
        raise ValueError("SHAP needs background=: reference inputs (B, ...), e.g. 16-64 "
                         "training ECGs in the model's input units")
    background = as_input(background, "background").to(x.device)
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
            gap = (model_logits(model, x) - model_logits(model, background).mean(0)).cpu().numpy()
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
        return model_logits(self.model, x)[:, self.k:self.k + 1]


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


# --------------------------------------------------------------------------- perturbation
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
    x = as_input(x, ndim=3)
    n, n_leads, t = x.shape
    if window < 1:
        raise ValueError(f"window must be >= 1 sample, got {window}")
    window = min(int(window), t)
    leads = input_leads(model, n_leads, leads)
    starts = list(range(0, t, window))
    # a patch is (the leads it covers, its start)
    patches = ([(leads, s) for s in starts] if across_leads else
               [((lead,), s) for lead in leads for s in starts])
    with eval_mode(model), torch.no_grad():
        device = _device_of(model)
        x = x.to(device)
        ref = activate(model_logits(model, x), activation)  # (N, C)
        out = torch.zeros(n, ref.shape[1], n_leads, t, device=device)
        for i in range(n):
            for b in range(0, len(patches), batch_size):
                chunk = patches[b:b + batch_size]
                xb = x[i:i + 1].repeat(len(chunk), 1, 1)
                for k, (covered, s) in enumerate(chunk):
                    xb[k, list(covered), s:s + window] = baseline
                drop = ref[i][None] - activate(model_logits(model, xb), activation)  # (P, C)
                for k, (covered, s) in enumerate(chunk):
                    out[i, :, list(covered), s:s + window] = drop[k][:, None, None]
    return out.cpu().numpy().astype(np.float32)


def lead_occlusion(model: nn.Module, x, baseline: float = 0.0,
                   activation: str | None = "sigmoid") -> np.ndarray:
    """Drop of each class score when a whole lead is set to ``baseline`` (source 001).

    ``x``: ``(N, L, T)``. Returns float32 ``(N, C, L)``.
    """
    x = as_input(x, ndim=3)
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
    x = as_input(x, ndim=3)
    with eval_mode(model), torch.no_grad():
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


# =========================================================================== one interface
# Every method of chapter 12 behind one call, each giving an attribution over (lead, time)
# per class, so that one function draws them (ecgkit.explain.plot_attribution_on_paper)
# and one procedure tests their faithfulness (ecgkit.explain.faithfulness).

METHOD_LABELS = {
    "gradcam": "Grad-CAM", "integrated_gradients": "Integrated gradients",
    "shap": "SHAP (GradientExplainer)", "deep_shap": "SHAP (DeepExplainer)",
    "occlusion": "Occlusion", "attention": "Attention", "random": "Random (control)",
}


@dataclass
class _Call:
    """One :func:`explain` call, as each method of :data:`METHODS` receives it."""

    model: nn.Module
    x: torch.Tensor                  # (N, L, T) on the model's device
    targets: torch.Tensor | None     # (N,) class per ECG; None: every class
    n_classes: int
    background: object
    baseline: float
    n_steps: int
    nsamples: int
    window: int
    layer: nn.Module | None
    relu: bool
    seed: int
    batch_size: int

    def per_class(self, fn: Callable[[torch.Tensor], np.ndarray]) -> np.ndarray:
        """``fn(targets (N,)) -> (N, L, T)`` for the targets, or ``(N, C, L, T)`` stacked
        over every class when there are none."""
        if self.targets is not None:
            return fn(self.targets)
        n = len(self.x)
        return np.stack([fn(torch.full((n,), k, dtype=torch.long))
                         for k in range(self.n_classes)], axis=1)


def _image_method(call: _Call, method: str, target: torch.Tensor) -> np.ndarray:
    """Gradient method of an image model, back on the imaged lead's time axis."""
    wrapper = call.model

    def image_maps(net: nn.Module, images: torch.Tensor) -> np.ndarray:
        if method == "gradcam":
            layer = getattr(net, "gradcam_layer", None)
            if layer is None:
                raise ValueError(f"{type(net).__name__} has no gradcam_layer")
            return gradcam(net, layer, images, target.tolist())
        if method == "integrated_gradients":
            # from the image of a flat signal (what the zero baseline is for 1D models)
            return _integrated_gradients(net, images, target, wrapper.flat_image(),
                                         call.n_steps, call.batch_size)[:, 0]
        bg = wrapper.to_image(as_input(call.background, "background", ndim=3)) \
            if call.background is not None else None
        return _shap_targets(net, images, bg, call.nsamples, call.seed,
                             method == "deep_shap", target.numpy())[:, 0]

    return image_model_attribution(wrapper, call.x, image_maps)


def _gradcam_method(call: _Call) -> np.ndarray:
    """Grad-CAM of the feature layer (``call.layer`` or the default), on (lead, time)."""
    if isinstance(call.model, SignalToImageModel):
        return call.per_class(lambda tg: _image_method(call, "gradcam", tg))
    layer = call.layer if call.layer is not None else default_gradcam_layer(call.model)
    return call.per_class(lambda tg: _gradcam_1d(call.model, call.x, tg.to(call.x.device),
                                                 layer, call.relu))


def _integrated_gradients_method(call: _Call) -> np.ndarray:
    """Integrated gradients from ``call.baseline`` (image models: a flat signal's image)."""
    if isinstance(call.model, SignalToImageModel):
        return call.per_class(lambda tg: _image_method(call, "integrated_gradients", tg))
    return call.per_class(lambda tg: _integrated_gradients(
        call.model, call.x, tg.to(call.x.device), call.baseline, call.n_steps,
        call.batch_size))


def _shap_method(call: _Call, deep: bool = False) -> np.ndarray:
    """SHAP against ``call.background``: expected gradients, or DeepLIFT when ``deep``."""
    if isinstance(call.model, SignalToImageModel):
        name = "deep_shap" if deep else "shap"
        return call.per_class(lambda tg: _image_method(call, name, tg))
    if call.targets is None:
        values = _shap_all(call.model, call.x, call.background, call.nsamples, call.seed,
                           deep)
        return np.moveaxis(values, -1, 1)
    return _shap_targets(call.model, call.x, call.background, call.nsamples, call.seed,
                         deep, call.targets.numpy())


def _deep_shap_method(call: _Call) -> np.ndarray:
    """SHAP's DeepExplainer (DeepLIFT with a background)."""
    return _shap_method(call, deep=True)


def _occlusion_method(call: _Call) -> np.ndarray:
    """Drop of each class probability when a (lead, window) patch is occluded."""
    return occlusion(call.model, call.x, window=call.window, baseline=call.baseline,
                     batch_size=call.batch_size)


def _attention_method(call: _Call) -> np.ndarray:
    """The model's own attention, the same map for every class."""
    return np.repeat(attention_map(call.model, call.x)[:, None], call.n_classes, axis=1)


def _random_method(call: _Call) -> np.ndarray:
    """Uniform noise on the leads the model reads (0 elsewhere): the control."""
    n, n_leads, t = call.x.shape
    values = np.random.default_rng(call.seed).random((n, call.n_classes, n_leads, t),
                                                      dtype=np.float32)
    lead_mask = np.zeros(n_leads, dtype=bool)
    lead_mask[list(input_leads(call.model, n_leads))] = True
    values[:, :, ~lead_mask] = 0.0
    return values


# name -> method; each gives (N, L, T) for call.targets or (N, C, L, T) for every class
METHODS: dict[str, Callable[[_Call], np.ndarray]] = {
    "gradcam": _gradcam_method,
    "integrated_gradients": _integrated_gradients_method,
    "shap": _shap_method,
    "deep_shap": _deep_shap_method,
    "occlusion": _occlusion_method,
    "attention": _attention_method,
    "random": _random_method,
}


def explain(model: nn.Module, ecg, method: str = "integrated_gradients", target=None, *,
            background=None, baseline: float = 0.0, n_steps: int = 32, nsamples: int = 64,
            window: int = 50, layer: nn.Module | None = None, relu: bool = True,
            seed: int = 0, batch_size: int = 64) -> np.ndarray:
    """Attribution of a model's output to each lead and time sample, by one method.

    Parameters
    ----------
    model : nn.Module taking standardised signals ``(N, L, T)`` (12 leads at 100 Hz in
        the course) and returning logits ``(N, C)``; an image model wrapped in
        :class:`ecgkit.models.SignalToImageModel`.
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
        raise ValueError(f"unknown method {method!r}; choose one of {tuple(METHODS)}")
    x = as_input(ecg, "ecg")
    single = x.dim() == 2
    if single:
        x = x[None]
    if x.dim() != 3:
        raise ValueError(f"ecg must be (L, T) or (N, L, T), got shape {tuple(x.shape)}")
    with eval_mode(model):
        device = _device_of(model)
        n_classes = _n_classes(model, x)
        targets = None if target is None else _targets(target, len(x), n_classes)
        call = _Call(model, x.to(device), targets, n_classes, background, baseline, n_steps,
                     nsamples, window, layer, relu, seed, batch_size)
        values = METHODS[method](call)
    values = np.asarray(values, dtype=np.float32)
    if targets is not None and values.ndim == 4:  # methods that gave every class
        values = values[np.arange(len(x)), targets.numpy()]
    return values[0] if single else values
