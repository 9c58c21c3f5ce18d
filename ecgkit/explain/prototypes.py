"""Case-based explanations of a prototype model (ProtoECGNet): "this looks like that".

:func:`explain_ecg` lists the prototypes behind each predicted label of a test ECG, where
each matched and which training segment it was projected onto; :func:`plot_explanation`
and :func:`plot_prototype_gallery` draw them as strips of the ECG.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from ecgkit.data.ptbxl import LEADS
from ecgkit.models import protoecgnet as pe

__all__ = ["prototype_activations", "explain_ecg", "plot_explanation",
           "plot_prototype_gallery", "plot_loss_terms_2d"]


@torch.no_grad()
def prototype_activations(model, x) -> dict:
    """Everything the prototype model computes for one ECG.

    Parameters
    ----------
    model : :class:`~ecgkit.models.protoecgnet.ProtoECGNet`
    x : (n_leads, T) float array, preprocessed as the model's training inputs.

    Returns
    -------
    dict with ``probabilities`` (C,), ``logits`` (C,), ``similarities`` (P,) (max over
    time), ``similarity_map`` (P, W) and ``best_start`` (P,) (latent step of each
    prototype's best match), all NumPy.
    """
    x = torch.as_tensor(np.asarray(x, dtype=np.float32))
    if x.dim() != 2 or x.shape[0] != model.n_leads:
        raise ValueError(f"x must be one ECG ({model.n_leads}, T), got {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise ValueError("x contains NaN or inf")
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        sim_map = model.similarity_map(x[None].to(device))[0]          # (P, W)
        sims = sim_map.amax(dim=-1)
        logits = model.last_layer(sims)
    finally:
        model.train(was_training)
    return {"logits": logits.cpu().numpy(), "probabilities": torch.sigmoid(logits).cpu().numpy(),
            "similarities": sims.cpu().numpy(), "similarity_map": sim_map.cpu().numpy(),
            "best_start": sim_map.argmax(dim=-1).cpu().numpy()}


def explain_ecg(model, x, projection, classes, top_k: int = 3, threshold: float = 0.5,
                labels=None) -> pd.DataFrame:
    """The prototypes behind each predicted label of one ECG.

    Parameters
    ----------
    model : ProtoECGNet after projection (stage 2 or 3).
    x : (n_leads, T) the test ECG, preprocessed as for the model.
    projection : :class:`~ecgkit.models.protoecgnet.Projection` of that model.
    classes : the C class names.
    top_k : prototypes per label, ranked by contribution = similarity x weight.
    threshold : labels with probability >= threshold are explained; if none reaches it,
        the most probable label is (the table's ``predicted`` column says which case).
    labels : explicit label names to explain instead.

    Returns
    -------
    DataFrame, one row per (label, prototype): ``label``, ``probability``, ``predicted``,
    ``rank``, ``prototype``, ``prototype_class``, ``similarity``, ``weight``,
    ``contribution``, ``test_start``/``test_stop`` (samples of the matching test
    segment), ``train_ecg_index``, ``train_ecg_id``, ``train_start``/``train_stop``
    (the training segment the prototype equals).
    """
    classes = list(classes)
    if len(classes) != model.n_classes:
        raise ValueError(f"{len(classes)} class names for a model with {model.n_classes}")
    if top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")
    act = prototype_activations(model, x)
    probs = act["probabilities"]
    if labels is None:
        chosen = [c for c in range(len(classes)) if probs[c] >= threshold]
        if not chosen:
            chosen = [int(np.argmax(probs))]
    else:
        unknown = [l for l in labels if l not in classes]
        if unknown:
            raise ValueError(f"unknown labels {unknown}; classes are {classes}")
        chosen = [classes.index(l) for l in labels]
    weight = model.last_layer.weight.detach().cpu().numpy()            # (C, P)
    pclass = model.prototype_class.cpu().numpy()
    n_samples = np.asarray(x).shape[-1]
    table = projection.table
    rows = []
    for c in chosen:
        contribution = act["similarities"] * weight[c]
        for rank, p in enumerate(np.argsort(-contribution)[:top_k], start=1):
            src = table.loc[p]
            start, stop = model.latent_span(int(act["best_start"][p]), n_samples)
            rows.append({
                "label": classes[c], "probability": float(probs[c]),
                "predicted": bool(probs[c] >= threshold), "rank": rank, "prototype": int(p),
                "prototype_class": classes[pclass[p]],
                "similarity": float(act["similarities"][p]), "weight": float(weight[c, p]),
                "contribution": float(contribution[p]), "test_start": start,
                "test_stop": stop, "projected": bool(src["projected"]),
                "train_ecg_index": int(src["ecg_index"]), "train_ecg_id": src["ecg_id"],
                "train_start": int(src["sample_start"]), "train_stop": int(src["sample_stop"])})
    return pd.DataFrame(rows)


def _strip(ax, signal_1d, fs, span, color, title, context):
    """Draw ``signal_1d`` around ``span`` (samples) with the span shaded."""
    start, stop = span
    lo, hi = max(0, start - context), min(len(signal_1d), stop + context)
    t = np.arange(lo, hi) / fs
    ax.plot(t, signal_1d[lo:hi], color="0.55", lw=0.8)
    ax.plot(np.arange(start, stop) / fs, signal_1d[start:stop], color=color, lw=1.2)
    ax.axvspan(start / fs, stop / fs, color=color, alpha=0.12)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("time (s)", fontsize=8)
    ax.tick_params(labelsize=7)


def plot_explanation(explanation: pd.DataFrame, x_display, X_train_display, fs: float = 100,
                     lead: str = "II", context_s: float = 1.0, title: str | None = None):
    """"This looks like that": one row per prototype of :func:`explain_ecg`'s table.

    Left: the training ECG segment the prototype was projected onto; right: the segment
    of the test ECG where the prototype matched best, with the similarity.

    Parameters
    ----------
    explanation : DataFrame of :func:`explain_ecg`.
    x_display : (12, T) the test ECG as it should be shown (e.g. filtered, in mV).
    X_train_display : (N, 12, T) the training ECGs, same scale (rows as in the projection).
    fs : sampling rate in Hz. lead : lead to draw. context_s : seconds shown around a span.
    """
    if explanation.empty:
        raise ValueError("empty explanation: nothing to plot")
    if lead not in LEADS:
        raise ValueError(f"unknown lead {lead!r}; leads are {LEADS}")
    li = LEADS.index(lead)
    x_display = np.asarray(x_display)
    context = int(round(context_s * fs))
    n = len(explanation)
    fig, axes = plt.subplots(n, 2, figsize=(11, 1.9 * n + 0.6), squeeze=False,
                             sharey="row")
    for i, (_, r) in enumerate(explanation.iterrows()):
        if r["projected"]:
            train = np.asarray(X_train_display[int(r["train_ecg_index"])])[li]
            _strip(axes[i, 0], train, fs, (int(r["train_start"]), int(r["train_stop"])),
                   "tab:blue", f"prototype {r['prototype']} ({r['prototype_class']}): "
                   f"training ecg_id {r['train_ecg_id']}", context)
        else:
            axes[i, 0].text(0.5, 0.5, "not projected (no training ECG of its class)",
                            ha="center", va="center", transform=axes[i, 0].transAxes)
            axes[i, 0].set_axis_off()
        _strip(axes[i, 1], x_display[li], fs, (int(r["test_start"]), int(r["test_stop"])),
               "tab:red", f"{r['label']} (p={r['probability']:.2f}): similarity "
               f"{r['similarity']:.2f} x weight {r['weight']:.2f}", context)
        axes[i, 0].set_ylabel(f"lead {lead} (mV)", fontsize=8)
    fig.suptitle(title or "This test ECG (right) looks like these training ECGs (left)",
                 fontsize=11)
    fig.tight_layout()
    return fig


def plot_prototype_gallery(projection, X_train_display, fs: float = 100, lead: str = "II",
                           context_s: float = 0.5, max_per_class: int | None = None):
    """Every projected prototype as the training segment it equals (rows: classes).

    ``X_train_display``: (N, 12, T) training ECGs as they should be shown, rows as in the
    projection. Classes whose prototypes could not be projected are listed in the title.
    """
    if lead not in LEADS:
        raise ValueError(f"unknown lead {lead!r}; leads are {LEADS}")
    li = LEADS.index(lead)
    table = projection.table
    done = table[table["projected"]]
    if done.empty:
        raise ValueError("no prototype was projected: nothing to draw")
    classes = list(dict.fromkeys(done["class"]))
    missing = [c for c in dict.fromkeys(table["class"]) if c not in classes]
    per_class = done.groupby("class", sort=False).size().max()
    if max_per_class is not None:
        per_class = min(per_class, max_per_class)
    context = int(round(context_s * fs))
    fig, axes = plt.subplots(len(classes), per_class,
                             figsize=(2.6 * per_class, 1.5 * len(classes) + 0.8),
                             squeeze=False, sharey=True)
    for i, cls in enumerate(classes):
        rows = done[done["class"] == cls].head(per_class)
        for j in range(per_class):
            ax = axes[i, j]
            if j >= len(rows):
                ax.set_axis_off()
                continue
            p, r = rows.index[j], rows.iloc[j]
            sig = np.asarray(X_train_display[int(r["ecg_index"])])[li]
            _strip(ax, sig, fs, (int(r["sample_start"]), int(r["sample_stop"])), "tab:blue",
                   f"{cls} #{p}: ecg_id {r['ecg_id']}", context)
            if j == 0:
                ax.set_ylabel(f"{cls}\nlead {lead} (mV)", fontsize=8)
    extra = f"; not projected (no training ECG): {', '.join(map(str, missing))}" if missing else ""
    fig.suptitle(f"Prototype gallery: each prototype is a real training segment{extra}",
                 fontsize=10)
    # fixed spacing: tight_layout costs seconds on a grid of this size
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.06, top=1 - 0.8 / fig.get_figheight(),
                        hspace=0.9, wspace=0.12)
    return fig


def plot_loss_terms_2d():
    """What each prototype-loss term does, drawn in a 2-D toy latent space.

    Latent vectors and prototypes are 2-D unit-length arrows (one latent step, ``D = 2``);
    each panel evaluates the real loss function of :mod:`ecgkit.models.protoecgnet` on
    them and draws the direction in which gradient descent moves them (minus the
    gradient; arrows show the direction only), so the picture is computed, not
    drawn by hand. Returns the figure.
    """
    def unit(deg):
        rad = np.deg2rad(np.asarray(deg, dtype=np.float64))
        return torch.tensor(np.stack([np.cos(rad), np.sin(rad)], -1), dtype=torch.float32)

    colors = ["tab:blue", "tab:orange", "tab:green"]
    fig, axes = plt.subplots(1, 5, figsize=(16, 3.6))
    for ax in axes[:4]:
        ax.add_patch(plt.Circle((0, 0), 1, fill=False, color="0.85"))
        ax.set_xlim(-1.5, 1.5); ax.set_ylim(-1.5, 1.5); ax.set_aspect("equal")
        ax.set_xticks([]); ax.set_yticks([])

    def arrows(ax, points, grads, color, length=0.45):
        # direction only: every arrow gets the same length
        for (x, y), (gx, gy) in zip(points.tolist(), (-grads).tolist()):
            norm = float(np.hypot(gx, gy))
            if norm < 1e-6:
                continue
            ax.annotate("", xy=(x + length * gx / norm, y + length * gy / norm), xytext=(x, y),
                        arrowprops=dict(arrowstyle="->", color=color, lw=2))

    pc = torch.tensor([0, 0, 1, 1])                    # prototypes 0, 1: class A; 2, 3: B
    protos = unit([20, 70, 160, 220])
    y = torch.tensor([[1.0, 0.0]])                      # the ECG has label A only
    for ax, name, fn in [(axes[0], "clustering", pe.clustering_loss),
                         (axes[1], "separation", pe.separation_loss)]:
        z = unit([120]).requires_grad_(True)
        sims = pe.cosine_similarity_map(z[:, :, None], protos[:, :, None])[:, :, 0]
        fn(sims, y, pc).backward()
        for p, c in zip(protos.tolist(), pc.tolist()):
            ax.plot(*p, "s", color=colors[c], ms=9)
        ax.plot(*z.detach()[0].tolist(), "o", color="k", ms=8)
        arrows(ax, z.detach(), z.grad, "k")
        ax.set_title(f"{name}: the ECG (dot, label A)\nmoves towards A ({colors[0][4:]})"
                     if name == "clustering" else
                     f"{name}: the ECG moves away\nfrom the nearest B prototype", fontsize=9)
    # diversity: three crowded prototypes spread out
    crowd = unit([65, 90, 115]).requires_grad_(True)
    pe.diversity_loss(crowd[:, :, None]).backward()
    axes[2].plot(*crowd.detach().T.tolist(), "s", color=colors[0], ms=9)
    arrows(axes[2], crowd.detach(), crowd.grad, colors[0])
    axes[2].set_title("diversity: crowded prototypes\nspread apart", fontsize=9)
    # contrastive: A and B co-occur, C does not
    pcc = torch.tensor([0, 1, 2])
    jac = torch.tensor([[1.0, 0.8, 0.0], [0.8, 1.0, 0.0], [0.0, 0.0, 1.0]])
    three = unit([30, 150, 305]).requires_grad_(True)
    pe.contrastive_loss(three[:, :, None], pcc, jac).backward()
    for i, (x, y_) in enumerate(three.detach().tolist()):
        axes[3].plot(x, y_, "s", color=colors[i], ms=9)
        axes[3].text(1.15 * x, 1.15 * y_, "ABC"[i], ha="center", va="center")
    arrows(axes[3], three.detach(), three.grad, "k")
    axes[3].set_title("contrastive: A and B co-occur (pulled\ntogether), C does not (pushed)",
                      fontsize=9)
    # L1 on the last layer: which weights it shrinks
    weight = torch.tensor([[1.0, 1.0, -0.5, -0.5], [-0.5, -0.5, 1.0, 1.0]])
    mask = weight.clone().requires_grad_(True)
    pe.last_layer_l1(mask, pc).backward()
    axes[4].imshow(mask.grad.abs().numpy(), cmap="Reds", vmin=0, vmax=1.5)
    for (i, j), w in np.ndenumerate(weight.numpy()):
        axes[4].text(j, i, f"{w:+.1f}", ha="center", va="center")
    axes[4].set_xticks(range(4), ["A1", "A2", "B1", "B2"])
    axes[4].set_yticks(range(2), ["logit A", "logit B"])
    axes[4].set_xlabel("prototype")
    axes[4].set_title("L1 on the last layer: shrinks the\nwrong-class weights (red)", fontsize=9)
    fig.tight_layout()
    return fig
