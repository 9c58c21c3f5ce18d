"""The image models (ecgkit.models.images): counts, dense connectivity, Grad-CAM layers,
input checks, and that ecgkit.train.fit can fit them on real RPM images."""
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from ecgkit import data, signal, train, transforms
from ecgkit.models import CascadedDenseNet, ScalogramCNN, get_model
from ecgkit.models.images import DenseBlock, DenseLayer
from ecgkit.train import count_parameters


def test_parameter_counts():
    assert count_parameters(CascadedDenseNet(5, n_leads=1)) == 40_135
    assert count_parameters(ScalogramCNN(5, n_leads=1)) == 60_727


def test_dense_layers_see_every_earlier_map():
    torch.manual_seed(0)
    layer = DenseLayer(8, growth=4).eval()
    x = torch.randn(2, 8, 16, 16)
    out = layer(x)
    assert out.shape == (2, 12, 16, 16)
    assert torch.equal(out[:, :8], x)               # the input passes on unchanged
    block = DenseBlock(8, n_layers=3, growth=4).eval()
    out = block(x)
    assert out.shape == (2, 8 + 3 * 4, 16, 16) and block.out_channels == 20
    assert torch.equal(out[:, :8], x)
    # the last layer's convolution reads all 8 + 2 * 4 maps made before it
    assert block[-1].conv.in_channels == 16


def test_gradcam_layers_keep_spatial_maps():
    maps = {}
    model = CascadedDenseNet(5, n_leads=1).eval()
    model.gradcam_layer.register_forward_hook(lambda m, i, o: maps.setdefault("dense", o))
    model(torch.randn(1, 1, 64, 64))
    scal = ScalogramCNN(5, n_leads=1).eval()
    scal.gradcam_layer.register_forward_hook(lambda m, i, o: maps.setdefault("scal", o))
    scal(torch.randn(1, 1, 32, 64))
    assert maps["dense"].shape[-2:] == (8, 8)          # 64 / 8: one cell per 1.25 s of 10 s
    assert maps["scal"].shape[-2:] == (4, 8)
    assert isinstance(model.gradcam_layer, nn.ReLU)


@pytest.mark.parametrize("model, bad", [
    (CascadedDenseNet(5, n_leads=1), torch.randn(2, 64, 64)),
    (CascadedDenseNet(5, n_leads=1), torch.randn(2, 12, 64, 64)),
    (ScalogramCNN(5, n_leads=1), torch.randn(2, 1, 1000)),
])
def test_models_reject_wrong_input_shapes(model, bad):
    with pytest.raises(ValueError, match="expected|bins"):
        model(bad)


def test_fit_learns_real_rpm_images(data_root):
    """A few epochs of ecgkit.train.fit on Lead-II RPM images of real records lower the
    training loss (the model and the engine work together)."""
    db = data.load_ptbxl_metadata()
    ids = data.available_ptbxl_records(db)[:48]
    X = signal.bandpass(data.load_ptbxl_signals(ids, db=db, progress=False), 100)
    labels = data.ptbxl_labels(db, data.load_scp_statements(), "superdiagnostic").loc[ids]
    images = transforms.relative_position_matrix(X[:, data.LEADS.index("II")][:, None], 64)
    y = labels.to_numpy(np.float32)
    torch.manual_seed(0)
    model = get_model("cascaded_densenet", n_classes=5, n_leads=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = train.fit(model, (images, y), (images[:16], y[:16]),
                            loss_fn=nn.BCEWithLogitsLoss(), epochs=6, batch_size=16, lr=3e-3,
                            scheduler=None, patience=None, progress=False, verbose=False,
                            device="cpu")
    losses = history["loss"]
    assert np.isfinite(losses).all()
    assert losses[-1] < 0.85 * losses[0]
