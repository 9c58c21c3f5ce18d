"""ecgkit.explain.prototypes: ProtoECGNet's "this looks like that" explanations."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from ecgkit.explain.prototypes import (explain_ecg, plot_explanation,  # noqa: E402
                                       plot_prototype_gallery, prototype_activations)
from ecgkit.models import protoecgnet as pe  # noqa: E402


# ----------------------------------------------------------------------------- model
def tiny_model(n_classes=3, k=2, length=2, seed=0):
    torch.manual_seed(seed)
    return pe.ProtoECGNet(n_classes, n_leads=12, width=4, prototypes_per_class=k,
                          prototype_length=length, latent_dim=8)


# ----------------------------------------------------------------------------- explanations
def test_explanation_ranks_prototypes_by_contribution_and_plots():
    model = tiny_model()
    torch.manual_seed(4)
    X = torch.randn(6, 12, 256)
    y = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 1], [1, 0, 1], [0, 1, 0]], np.float32)
    proj = pe.project_prototypes(model, X.numpy(), y, classes=["A", "B", "C"])
    x = X[2].numpy()
    act = prototype_activations(model, x)
    assert act["similarity_map"].shape == (6, 8 - 2 + 1)
    table = explain_ecg(model, x, proj, ["A", "B", "C"], top_k=2, labels=["A", "B"])
    assert list(table.label) == ["A", "A", "B", "B"]
    for _, group in table.groupby("label"):
        assert group.contribution.is_monotonic_decreasing
    row = table.iloc[0]
    assert np.isclose(row.contribution, row.similarity * row.weight)
    assert 0 <= row.test_start < row.test_stop <= 256
    # the source recorded for each prototype is the projection's
    assert (table.train_ecg_index.values == proj.table.loc[table.prototype, "ecg_index"].values).all()
    auto = explain_ecg(model, x, proj, ["A", "B", "C"], top_k=1, threshold=1.1)
    assert len(auto) == 1 and not auto.predicted.iloc[0]  # nothing above threshold: top label
    fig = plot_explanation(table, X[2].numpy(), X.numpy(), fs=100)
    assert len(fig.axes) == 8
    gallery = plot_prototype_gallery(proj, X.numpy(), fs=100)
    assert len(gallery.axes) == 6
    with pytest.raises(ValueError, match="class names"):
        explain_ecg(model, x, proj, ["A", "B"])
