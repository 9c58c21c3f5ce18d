"""Models made of other models: an image CNN seen as a signal model, and an ensemble.

:class:`SignalToImageModel` lets every signal tool (``train.predict``, explanations,
faithfulness tests) take an image model; ``"rpm_densenet"`` registers the app's one;
:class:`MeanProbabilityEnsemble` averages several trained networks' probabilities.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ecgkit import transforms
from ecgkit.models.images import CascadedDenseNet
from ecgkit.models.registry import register_model

__all__ = ["SignalToImageModel", "MeanProbabilityEnsemble", "rpm_densenet"]


def _as_signals(x, n_leads: int) -> torch.Tensor:
    """``x`` as a finite float32 tensor ``(N, n_leads, T)``, or a ValueError saying why not."""
    t = x if torch.is_tensor(x) else torch.as_tensor(np.asarray(x))
    if not t.is_floating_point():
        raise ValueError(f"x must hold floating-point values, got {t.dtype}")
    if t.dim() != 3:
        raise ValueError(f"x must have 3 dimensions (N, ...), got shape {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError("x contains NaN or inf")
    if t.shape[1] != n_leads:
        raise ValueError(f"expected input (N, {n_leads}, T), got {tuple(t.shape)}")
    return t.float()


class SignalToImageModel(nn.Module):
    """A 2D CNN on the image of one lead, seen as a model of the 12-lead signal.

    ``forward(x)`` takes standardised signals ``(N, n_leads, T)``, turns lead ``lead``
    into an image with ``transform`` (NumPy, not differentiable) and returns the image
    model's logits ``(N, C)``. Perturbation methods (occlusion, deletion curves) then
    work on the signal as for any 1D model; gradient methods work on the image
    (:meth:`to_image`) and are projected back onto time by
    ``ecgkit.explain.image_map_to_time``.

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
        x = _as_signals(x, self.n_leads)
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
        device = next(self.image_model.parameters()).device
        return self.image_model(self.to_image(x).to(device))


@register_model("rpm_densenet")
def rpm_densenet(n_classes: int, n_leads: int = 12, image_size: int = 64, lead: int = 1,
                 **kwargs) -> SignalToImageModel:
    """:class:`~ecgkit.models.images.CascadedDenseNet` on the RPM image of one lead.

    The app's image model: input signals ``(N, n_leads, T)``, logits ``(N, n_classes)``.

    Parameters
    ----------
    n_classes, n_leads : int
    image_size : int
        Side S of the ``S x S`` relative position matrix, 64.
    lead : int
        The imaged lead, 1 (lead II).
    **kwargs :
        Passed on to ``CascadedDenseNet`` (``growth``, ``block_layers``, ...).
    """
    return SignalToImageModel(CascadedDenseNet(n_classes, 1, **kwargs), lead=int(lead),
                              image_size=int(image_size), transform="rpm", n_leads=n_leads)


class MeanProbabilityEnsemble(nn.Module):
    """Members' mean softmax probability, returned as log-probabilities ``(N, C)``.

    Networks trained alike from different random starts make different mistakes on beats
    far from their training data (a new patient's): averaging their probabilities keeps
    what they agree on. ``softmax`` of the output is the members' mean probability, so
    the output can be read as logits and the ensemble used like one network (e.g. by
    ``ecgkit.train.predict``).

    Parameters
    ----------
    members : iterable of nn.Module
        At least one; all return ``(N, C)`` logits for the same input.
    """

    def __init__(self, members):
        super().__init__()
        members = list(members)
        if not members:
            raise ValueError("an ensemble needs at least one member")
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # log of the mean probability, computed in log space (no underflow for
        # confident members)
        log_probs = torch.stack([torch.log_softmax(m(x).float(), dim=1) for m in self.members])
        return torch.logsumexp(log_probs, dim=0) - math.log(len(self.members))
