"""ProtoECGNet's rhythm branch: case-based reasoning with learnable prototypes (source 003).

The model (:class:`ProtoECGNet`, on the :class:`ResNet18_1d` backbone), its loss terms
combined by :class:`PrototypeLoss`, and its three training stages: :func:`set_stage`
``"joint"``, :func:`project_prototypes`, :func:`set_stage` ``"last_layer"``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from ecgkit.models.registry import register_model
from ecgkit.models.resnet1d import BasicBlock1d

__all__ = [
    "ResNet18_1d", "PrototypeLayer", "ProtoECGNet", "cosine_similarity_map",
    "classification_loss", "clustering_loss", "separation_loss", "diversity_loss",
    "contrastive_loss", "last_layer_l1", "PrototypeLoss", "REFERENCE_LOSS_WEIGHTS",
    "jaccard_cooccurrence", "rarest_label", "set_stage", "trainable_parameter_names",
    "project_prototypes", "Projection",
]

# Loss weights: the defaults of the ProtoECGNet reference code (Sethi et al. 2025, MLHC;
# github.com/bbj-lab/protoecgnet, src/main.py: lam_clst, lam_sep, lam_div, lam_cnrst, l1).
REFERENCE_LOSS_WEIGHTS = {"clustering": 0.004, "separation": 0.0004, "diversity": 250.0,
                          "contrastive": 300.0, "l1": 1e-4}


# ============================================================================ backbone
@register_model("resnet18_1d")
class ResNet18_1d(nn.Module):
    """1D ResNet-18: input ``(N, n_leads, T)``, logits ``(N, n_classes)``.

    Stem ``Conv(k=7, stride 2) BN ReLU MaxPool(3, stride 2)``, then four stages of two
    basic blocks (kernels 3, 3) with ``width, 2w, 4w, 8w`` channels, the last three
    halving the length; global average pooling and one linear layer. The time axis
    shrinks 32-fold (1000 samples at 100 Hz -> 32 latent steps). ``width=64`` is the
    standard ResNet-18 (about 3.9 M parameters for 12 leads); smaller widths are for CPU.
    """

    stride = 32  # input samples per latent step

    def __init__(self, n_classes: int, n_leads: int = 12, width: int = 64):
        super().__init__()
        if width < 1:
            raise ValueError(f"width must be >= 1, got {width}")
        self.n_leads = n_leads
        self.width = width
        self.out_channels = 8 * width
        self.stem = nn.Sequential(
            nn.Conv1d(n_leads, width, 7, stride=2, padding=3, bias=False),
            nn.BatchNorm1d(width), nn.ReLU(), nn.MaxPool1d(3, stride=2, padding=1))
        blocks, c_in = [], width
        for i, c_out in enumerate((width, 2 * width, 4 * width, 8 * width)):
            stride = 1 if i == 0 else 2
            blocks += [BasicBlock1d(c_in, c_out, (3, 3), stride=stride),
                       BasicBlock1d(c_out, c_out, (3, 3), stride=1)]
            c_in = c_out
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(self.out_channels, n_classes)
        self.apply(_init_weights)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Latent feature map ``(N, 8 * width, ceil(T / 32))``."""
        if x.dim() != 3 or x.shape[1] != self.n_leads:
            raise ValueError(f"expected input (N, {self.n_leads}, T), got {tuple(x.shape)}")
        return self.blocks(self.stem(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.features(x)).flatten(1))


def _init_weights(m: nn.Module) -> None:
    if isinstance(m, nn.Conv1d):
        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    elif isinstance(m, nn.BatchNorm1d):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


# ============================================================================ prototypes
def cosine_similarity_map(z: torch.Tensor, prototypes: torch.Tensor,
                          eps: float = 1e-6) -> torch.Tensor:
    """Cosine similarity of every prototype to every latent window.

    Parameters
    ----------
    z : (N, D, T') latent feature map.
    prototypes : (P, D, L) prototypes, each a segment of ``L`` latent steps.

    Returns
    -------
    (N, P, T' - L + 1): entry ``[n, p, t]`` is the cosine of the angle between prototype
    ``p`` and the window ``z[n, :, t:t + L]``, both flattened to ``D * L`` numbers.
    """
    if z.dim() != 3 or prototypes.dim() != 3 or z.shape[1] != prototypes.shape[1]:
        raise ValueError(f"need z (N, D, T') and prototypes (P, D, L) with equal D, got "
                         f"{tuple(z.shape)} and {tuple(prototypes.shape)}")
    length = prototypes.shape[-1]
    if z.shape[-1] < length:
        raise ValueError(f"latent length {z.shape[-1]} is shorter than the prototype "
                         f"length {length}; use longer inputs or shorter prototypes")
    # float32 even under mixed precision: squared norms summed over D * L overflow float16
    with torch.autocast(device_type=z.device.type, enabled=False):
        z, prototypes = z.float(), prototypes.float()
        dot = F.conv1d(z, prototypes)                                    # (N, P, W)
        window_sq = F.conv1d(z.pow(2).sum(1, keepdim=True),
                             z.new_ones(1, 1, length))                   # (N, 1, W)
        proto_norm = prototypes.flatten(1).norm(dim=1)                   # (P,)
        return dot / (window_sq.clamp_min(0).sqrt()
                      * proto_norm[None, :, None]).clamp_min(eps)


class PrototypeLayer(nn.Module):
    """``prototypes_per_class`` learnable latent segments per class.

    ``prototypes``: parameter ``(P, latent_dim, length)`` with ``P = n_classes * K``;
    prototype ``p`` belongs to class ``p // K`` (buffer ``prototype_class``, ``(P,)``).
    ``forward(z)`` returns the similarity map ``(N, P, T' - length + 1)``.
    """

    def __init__(self, n_classes: int, prototypes_per_class: int, latent_dim: int,
                 length: int):
        super().__init__()
        if prototypes_per_class < 1 or length < 1:
            raise ValueError("prototypes_per_class and length must be >= 1")
        self.n_classes, self.per_class, self.length = n_classes, prototypes_per_class, length
        n_protos = n_classes * prototypes_per_class
        # Gaussian init: in D * L dimensions random prototypes start nearly orthogonal.
        self.prototypes = nn.Parameter(torch.randn(n_protos, latent_dim, length))
        self.register_buffer("prototype_class",
                             torch.arange(n_classes).repeat_interleave(prototypes_per_class))

    @property
    def n_prototypes(self) -> int:
        return self.prototypes.shape[0]

    def identity(self) -> torch.Tensor:
        """One-hot class membership ``(P, C)``."""
        return F.one_hot(self.prototype_class, self.n_classes).to(self.prototypes.dtype)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return cosine_similarity_map(z, self.prototypes)


@register_model("protoecgnet")
class ProtoECGNet(nn.Module):
    """ProtoECGNet rhythm branch; input ``(N, n_leads, T)``, output ``(logits, similarities)``.

    Parameters
    ----------
    n_classes : int
    n_leads : int
        12.
    width : int
        Base width of the ResNet-18 backbone (64 = standard; 16 runs on a laptop CPU).
    prototypes_per_class : int
        ``K``, 5 in the reference code.
    prototype_length : int
        Latent steps per prototype; one latent step is 32 input samples (0.32 s at
        100 Hz). The reference code's 32 steps span the whole 10 s record (global
        prototypes); shorter ones make the "where" of an explanation visible.
    latent_dim : int
        Channels of the latent space the prototypes live in.

    Outputs of ``forward``: ``logits`` ``(N, C)`` and ``similarities`` ``(N, P)`` (max
    over time of the cosine similarity map).

    Notes
    -----
    After Sethi et al. (2025), "ProtoECGNet: Case-Based Interpretable Deep Learning for
    Multi-Label ECG Classification with Contrastive Learning", as simplified by source
    document 003 (rhythm branch only, 16 labels, 12 x 1000 input at 100 Hz).

    1. a 1D ResNet-18 backbone (:class:`ResNet18_1d` without its head): ``(N, 12, T)`` ->
       ``(N, 8 * width, T / 32)``;
    2. an add-on of two 1x1 convolutions to the latent space ``(N, latent_dim, T')``;
    3. a prototype layer (:class:`PrototypeLayer`): ``K`` learnable prototypes per class,
       each a latent *segment* ``(latent_dim, prototype_length)``; the cosine similarity of
       each prototype to every latent window of that length, max-pooled over time ->
       ``(N, P)`` similarities in [-1, 1];
    4. a last linear layer (no bias) from similarities to logits, initialised as in
       ProtoPNet (+1 from a class's own prototypes, -0.5 from the others).

    :func:`ecgkit.train.fit` and :func:`ecgkit.train.predict` use the logits,
    :class:`PrototypeLoss` the similarities. Training in three stages: (1) ``"joint"``:
    backbone, add-on and prototypes with the composite loss, last layer fixed; (2)
    projection: each prototype is replaced by the most similar latent segment of a training
    ECG of its class, remembering which ECG and which time span; (3) ``"last_layer"``: only
    the last layer, everything else frozen (BatchNorm statistics included). Loss terms:
    :func:`classification_loss`, :func:`clustering_loss`, :func:`separation_loss`,
    :func:`diversity_loss`, :func:`contrastive_loss`, :func:`last_layer_l1`.
    """

    def __init__(self, n_classes: int, n_leads: int = 12, width: int = 64,
                 prototypes_per_class: int = 5, prototype_length: int = 8,
                 latent_dim: int = 128):
        super().__init__()
        self.n_classes, self.n_leads = n_classes, n_leads
        backbone = ResNet18_1d(n_classes, n_leads, width)
        self.stem, self.blocks = backbone.stem, backbone.blocks  # the head is not used
        self.stride = ResNet18_1d.stride
        self.add_on = nn.Sequential(
            nn.Conv1d(backbone.out_channels, latent_dim, 1), nn.ReLU(),
            nn.Conv1d(latent_dim, latent_dim, 1))
        self.prototype_layer = PrototypeLayer(n_classes, prototypes_per_class, latent_dim,
                                              prototype_length)
        self.last_layer = nn.Linear(self.prototype_layer.n_prototypes, n_classes, bias=False)
        self.reset_last_layer()

    # --- bookkeeping
    @property
    def prototype_class(self) -> torch.Tensor:
        """Class index of each prototype, ``(P,)``."""
        return self.prototype_layer.prototype_class

    @property
    def prototype_length(self) -> int:
        return self.prototype_layer.length

    @torch.no_grad()
    def reset_last_layer(self, wrong_class_weight: float = -0.5) -> None:
        """ProtoPNet's initial last layer: 1 from own prototypes, ``wrong_class_weight``
        from the others."""
        identity = self.prototype_layer.identity().T                     # (C, P)
        self.last_layer.weight.copy_(identity + wrong_class_weight * (1 - identity))

    # --- forward
    def latent(self, x: torch.Tensor) -> torch.Tensor:
        """Latent feature map ``(N, latent_dim, ceil(T / 32))`` the prototypes compare to."""
        if x.dim() != 3 or x.shape[1] != self.n_leads:
            raise ValueError(f"expected input (N, {self.n_leads}, T), got {tuple(x.shape)}")
        return self.add_on(self.blocks(self.stem(x)))

    def similarity_map(self, x: torch.Tensor) -> torch.Tensor:
        """Cosine similarity of each prototype at each latent position ``(N, P, W)``."""
        return self.prototype_layer(self.latent(x))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        similarities = self.similarity_map(x).amax(dim=-1)              # (N, P)
        return self.last_layer(similarities), similarities

    def latent_span(self, start: int, n_samples: int) -> tuple[int, int]:
        """Input samples ``[begin, end)`` under latent steps ``start .. start + L``.

        The footprint of the window at the backbone's stride (32 samples a step), not
        the full receptive field, which is wider.
        """
        return (min(start * self.stride, n_samples),
                min((start + self.prototype_length) * self.stride, n_samples))

    def train(self, mode: bool = True) -> "ProtoECGNet":
        """Like ``nn.Module.train``, but BatchNorm layers whose parameters are all frozen
        stay in eval mode, so that stage 3 does not move their running statistics."""
        super().train(mode)
        if mode:
            for m in self.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    params = list(m.parameters())
                    if params and not any(p.requires_grad for p in params):
                        m.eval()
        return self


# ============================================================================ losses
def _check_sims(similarities: torch.Tensor, y: torch.Tensor, prototype_class: torch.Tensor):
    if similarities.dim() != 2 or y.dim() != 2 or len(similarities) != len(y):
        raise ValueError(f"need similarities (N, P) and y (N, C), got "
                         f"{tuple(similarities.shape)} and {tuple(y.shape)}")
    if prototype_class.shape != (similarities.shape[1],):
        raise ValueError(f"prototype_class must have shape ({similarities.shape[1]},)")
    if int(prototype_class.max()) >= y.shape[1]:
        raise ValueError("prototype_class names a class beyond y's columns")


def classification_loss(logits: torch.Tensor, y: torch.Tensor,
                        pos_weight: torch.Tensor | None = None) -> torch.Tensor:
    """Multi-label binary cross-entropy on logits ``(N, C)``; ``pos_weight`` ``(C,)``
    weighs the positives of each class (e.g. :func:`ecgkit.train.pos_weight`)."""
    return F.binary_cross_entropy_with_logits(logits, y.float(), pos_weight=pos_weight)


def clustering_loss(similarities: torch.Tensor, y: torch.Tensor,
                    prototype_class: torch.Tensor) -> torch.Tensor:
    """Pull each ECG close to at least one prototype of each of its labels.

    Minus the mean, over (ECG, positive label) pairs, of the highest similarity between
    the ECG and a prototype of that label. ``similarities`` ``(N, P)``, ``y`` ``(N, C)``
    0/1, ``prototype_class`` ``(P,)``. Lies in [-1, 1]; 0 for a batch without positives.
    """
    _check_sims(similarities, y, prototype_class)
    own = F.one_hot(prototype_class, y.shape[1]).T.bool()               # (C, P)
    masked = similarities[:, None, :].masked_fill(~own[None], float("-inf"))
    best = masked.amax(dim=-1)                                           # (N, C)
    positive = y.bool() & own.any(dim=1)[None]
    if not positive.any():
        return similarities.sum() * 0.0  # keeps the graph (and device) without a value
    return -best[positive].mean()


def separation_loss(similarities: torch.Tensor, y: torch.Tensor,
                    prototype_class: torch.Tensor) -> torch.Tensor:
    """Push each ECG away from the prototypes of labels it does not have.

    The mean over ECGs of the highest similarity to a prototype of an absent label
    (ECGs that carry every label are left out). Lies in [-1, 1]; lower is better.
    """
    _check_sims(similarities, y, prototype_class)
    wrong = ~y.bool()[:, prototype_class]                                # (N, P)
    has_wrong = wrong.any(dim=1)
    if not has_wrong.any():
        return similarities.sum() * 0.0
    best = similarities.masked_fill(~wrong, float("-inf")).amax(dim=1)
    return best[has_wrong].mean()


def _unit_rows(prototypes: torch.Tensor) -> torch.Tensor:
    return F.normalize(prototypes.flatten(1), dim=1)


def diversity_loss(prototypes: torch.Tensor) -> torch.Tensor:
    """Keep prototypes from duplicating one another (orthogonality).

    ``||S - I||_F^2 / P^2`` with ``S`` the ``(P, P)`` cosine similarities of the
    flattened prototypes ``(P, D, L)``: 0 when they are mutually orthogonal, near 1 when
    all coincide. As in the reference code.
    """
    if prototypes.dim() < 2:
        raise ValueError(f"prototypes must be (P, ...), got {tuple(prototypes.shape)}")
    unit = _unit_rows(prototypes)
    gram = unit @ unit.T
    eye = torch.eye(len(unit), device=unit.device, dtype=unit.dtype)
    return (gram - eye).pow(2).sum() / len(unit) ** 2


def contrastive_loss(prototypes: torch.Tensor, prototype_class: torch.Tensor,
                     cooccurrence: torch.Tensor) -> torch.Tensor:
    """Pull prototypes of co-occurring labels together, push the others apart.

    For prototypes ``i != j`` of *different* classes ``a, b``, with cosine ``s_ij``:
    ``mean_w(s, 1 - J_ab) - mean_w(s, J_ab)``, weighted means with the label
    co-occurrence ``J`` ``(C, C)`` in [0, 1] (e.g. :func:`jaccard_cooccurrence` of the
    training labels). Pairs of the same class are left to :func:`diversity_loss`.
    Lies in [-2, 2]; lower when co-occurring labels share directions.
    """
    n_classes = cooccurrence.shape[0]
    if cooccurrence.shape != (n_classes, n_classes):
        raise ValueError(f"cooccurrence must be square (C, C), got {tuple(cooccurrence.shape)}")
    if int(prototype_class.max()) >= n_classes or len(prototype_class) != len(prototypes):
        raise ValueError("prototype_class must give a class < C for each prototype")
    unit = _unit_rows(prototypes)
    sims = unit @ unit.T
    other = (prototype_class[:, None] != prototype_class[None, :]).to(sims.dtype)
    j = cooccurrence.to(sims.dtype)[prototype_class][:, prototype_class]  # (P, P)
    w_pos, w_neg = j * other, (1 - j) * other
    pull = (sims * w_pos).sum() / w_pos.sum() if w_pos.sum() > 0 else sims.sum() * 0.0
    push = (sims * w_neg).sum() / w_neg.sum() if w_neg.sum() > 0 else sims.sum() * 0.0
    return push - pull


def last_layer_l1(weight: torch.Tensor, prototype_class: torch.Tensor,
                  off_class_only: bool = True) -> torch.Tensor:
    """L1 norm of the last layer ``(C, P)``; by default (as ProtoPNet) only of the
    connections from a prototype to classes other than its own, so that each class
    is explained by its own prototypes."""
    if weight.dim() != 2 or weight.shape[1] != len(prototype_class):
        raise ValueError(f"weight must be (C, P={len(prototype_class)}), got {tuple(weight.shape)}")
    if not off_class_only:
        return weight.abs().sum()
    own = F.one_hot(prototype_class, weight.shape[0]).T.to(weight.dtype)
    return (weight * (1 - own)).abs().sum()


def jaccard_cooccurrence(y) -> torch.Tensor:
    """Label co-occurrence ``(C, C)`` as Jaccard index ``|a and b| / |a or b|``.

    ``y``: 0/1 labels ``(N, C)`` of the **training** split (computing it on test labels
    would leak them into the loss). Classes never present give 0 rows (1 on the diagonal).
    """
    y = np.asarray(y)
    if y.ndim != 2 or not np.isin(y, (0, 1)).all():
        raise ValueError("y must be a 0/1 matrix (N, C)")
    y = y.astype(np.float64)
    both = y.T @ y
    count = np.diag(both)
    union = count[:, None] + count[None, :] - both
    jac = np.divide(both, union, out=np.zeros_like(both), where=union > 0)
    np.fill_diagonal(jac, 1.0)
    return torch.tensor(jac, dtype=torch.float32)


class PrototypeLoss(nn.Module):
    """The composite loss: BCE + clustering + separation + diversity + contrastive + L1.

    ``loss(logits, y, model=model, extras=(similarities,))`` is what
    :func:`ecgkit.train.fit` calls in training (this class sets ``needs_model``);
    without a model (fit's validation pass) only the classification term is computed,
    so the validation loss is the plain weighted BCE.

    Parameters
    ----------
    pos_weight : (C,) tensor, optional
        For the BCE term.
    cooccurrence : (C, C) tensor, optional
        Label co-occurrence of the training labels; required when ``contrastive > 0``.
    clustering, separation, diversity, contrastive, l1 : float
        Weights; defaults :data:`REFERENCE_LOSS_WEIGHTS` (the reference code's).
    """

    needs_model = True

    def __init__(self, pos_weight=None, cooccurrence=None, *,
                 clustering: float = REFERENCE_LOSS_WEIGHTS["clustering"],
                 separation: float = REFERENCE_LOSS_WEIGHTS["separation"],
                 diversity: float = REFERENCE_LOSS_WEIGHTS["diversity"],
                 contrastive: float = REFERENCE_LOSS_WEIGHTS["contrastive"],
                 l1: float = REFERENCE_LOSS_WEIGHTS["l1"]):
        super().__init__()
        if contrastive > 0 and cooccurrence is None:
            raise ValueError("contrastive > 0 needs the training label co-occurrence matrix")
        self.register_buffer("pos_weight", None if pos_weight is None
                             else torch.as_tensor(pos_weight, dtype=torch.float32))
        self.register_buffer("cooccurrence", None if cooccurrence is None
                             else torch.as_tensor(cooccurrence, dtype=torch.float32))
        self.weights = {"clustering": clustering, "separation": separation,
                        "diversity": diversity, "contrastive": contrastive, "l1": l1}

    def terms(self, logits, y, similarities, model) -> dict:
        """Each term, weighted, as a dict of scalar tensors (their sum is the loss)."""
        pc = model.prototype_class
        protos = model.prototype_layer.prototypes
        w = self.weights
        out = {"bce": classification_loss(logits, y, self.pos_weight)}
        if w["clustering"]:
            out["clustering"] = w["clustering"] * clustering_loss(similarities, y, pc)
        if w["separation"]:
            out["separation"] = w["separation"] * separation_loss(similarities, y, pc)
        if w["diversity"]:
            out["diversity"] = w["diversity"] * diversity_loss(protos)
        if w["contrastive"]:
            out["contrastive"] = w["contrastive"] * contrastive_loss(protos, pc,
                                                                     self.cooccurrence)
        if w["l1"]:
            out["l1"] = w["l1"] * last_layer_l1(model.last_layer.weight, pc)
        return out

    def forward(self, logits, y, model=None, extras=()):
        if model is None:
            return classification_loss(logits, y, self.pos_weight)
        if not extras:
            raise ValueError("PrototypeLoss needs the model's similarities (its second output)")
        return sum(self.terms(logits, y.float(), extras[0].float(), model).values())


# ============================================================================ sampling
def rarest_label(y) -> np.ndarray:
    """For each ECG ``(N, C)`` 0/1, the index of its rarest positive label ``(N,)``.

    Turns multi-label data into groups for :func:`ecgkit.train.make_weighted_sampler`
    (inverse-frequency sampling: an ECG with a rare label is drawn as often as the
    rare label needs). ECGs without any label raise ``ValueError``.
    """
    y = np.asarray(y)
    if y.ndim != 2:
        raise ValueError(f"y must be (N, C), got shape {y.shape}")
    if (y.sum(1) == 0).any():
        raise ValueError(f"{int((y.sum(1) == 0).sum())} ECGs have no label")
    counts = y.sum(0)
    rarity = np.where(y > 0, counts[None, :], np.inf)
    return np.argmin(rarity, axis=1).astype(np.int64)


# ============================================================================ stages
STAGES = ("joint", "last_layer", "all")


def set_stage(model: ProtoECGNet, stage: str) -> ProtoECGNet:
    """Choose which parameters train: ``"joint"`` (stage 1: everything but the last
    layer), ``"last_layer"`` (stage 3: only the last layer; frozen BatchNorm layers also
    keep their statistics, see :meth:`ProtoECGNet.train`), ``"all"``."""
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}, got {stage!r}")
    for name, p in model.named_parameters():
        is_last = name.startswith("last_layer.")
        p.requires_grad_(stage == "all" or (is_last if stage == "last_layer" else not is_last))
    return model


def trainable_parameter_names(model: nn.Module) -> list[str]:
    """Names of the parameters that currently require gradients."""
    return [n for n, p in model.named_parameters() if p.requires_grad]


@dataclass
class Projection:
    """Where each prototype came from after :func:`project_prototypes`.

    ``table``: one row per prototype with ``prototype``, ``class``, ``projected`` (False
    when no training ECG has the class: the prototype is left as it was),
    ``ecg_index`` (row of the training array), ``ecg_id``, ``latent_start``,
    ``latent_stop``, ``sample_start``, ``sample_stop`` (input samples, see
    :meth:`ProtoECGNet.latent_span`) and ``similarity`` (cosine before the update; 1 after).
    """

    table: pd.DataFrame

    def source(self, prototype: int) -> pd.Series:
        return self.table.loc[prototype]


@torch.no_grad()
def project_prototypes(model: ProtoECGNet, X, y, ids=None, classes=None,
                       batch_size: int = 64, device=None) -> Projection:
    """Stage 2: replace each prototype by its nearest real latent segment of its class.

    For prototype ``p`` of class ``c``, search every latent window of every training ECG
    labelled ``c``; the window with the highest cosine similarity replaces ``p`` exactly
    (the model runs in eval mode). Prototypes of classes without a training ECG are left
    unchanged and marked ``projected=False``.

    Parameters
    ----------
    X : (N, n_leads, T) float array, the training inputs (preprocessed as for training).
    y : (N, C) 0/1 training labels.
    ids : (N,) ``ecg_id`` of each row, optional (recorded in the table).
    classes : names of the C classes, optional.
    """
    X = torch.as_tensor(np.asarray(X, dtype=np.float32))
    y = np.asarray(y)
    if X.dim() != 3 or len(X) != len(y) or y.ndim != 2 or y.shape[1] != model.n_classes:
        raise ValueError(f"need X (N, leads, T) and y (N, {model.n_classes}) with equal N, "
                         f"got {tuple(X.shape)} and {y.shape}")
    if not torch.isfinite(X).all():
        raise ValueError("X contains NaN or inf")
    device = torch.device(device) if device is not None else next(model.parameters()).device
    was_training = model.training
    model.eval()
    protos = model.prototype_layer.prototypes
    pc = model.prototype_class.cpu().numpy()
    n_p, length = protos.shape[0], model.prototype_length
    best_sim = torch.full((n_p,), -float("inf"))
    best_seg = protos.detach().clone().cpu()
    best_where = np.full((n_p, 2), -1, dtype=np.int64)                  # (ecg row, start)
    eligible = torch.as_tensor(y[:, pc].astype(bool))                   # (N, P)
    try:
        for lo in range(0, len(X), batch_size):
            z = model.latent(X[lo:lo + batch_size].to(device))             # (B, D, T')
            sims = cosine_similarity_map(z, protos).cpu()                   # (B, P, W)
            sims = sims.masked_fill(~eligible[lo:lo + batch_size, :, None], -float("inf"))
            flat = sims.permute(1, 0, 2).reshape(n_p, -1)                   # (P, B * W)
            value, arg = flat.max(dim=1)
            better = value > best_sim
            if better.any():
                b, t = arg // sims.shape[-1], arg % sims.shape[-1]
                z = z.cpu()
                for p in torch.nonzero(better).flatten().tolist():
                    best_sim[p] = value[p]
                    best_seg[p] = z[b[p], :, t[p]:t[p] + length]
                    best_where[p] = (lo + int(b[p]), int(t[p]))
        done = torch.isfinite(best_sim)
        protos.data[done.to(protos.device)] = best_seg[done].to(protos.device, protos.dtype)
    finally:
        model.train(was_training)
    n_samples = X.shape[-1]
    rows = []
    for p in range(n_p):
        row, start = best_where[p]
        ok = bool(done[p])
        span = model.latent_span(int(start), n_samples) if ok else (-1, -1)
        rows.append({
            "prototype": p, "class": classes[pc[p]] if classes is not None else int(pc[p]),
            "projected": ok, "ecg_index": int(row) if ok else -1,
            "ecg_id": (ids[row] if ids is not None else row) if ok else -1,
            "latent_start": int(start) if ok else -1,
            "latent_stop": int(start) + length if ok else -1,
            "sample_start": span[0], "sample_stop": span[1],
            "similarity": float(best_sim[p]) if ok else float("nan")})
    return Projection(pd.DataFrame(rows).set_index("prototype"))
