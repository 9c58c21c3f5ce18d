"""Models made of models: the mean-probability ensemble and the registered RPM DenseNet.

(SignalToImageModel's explanations are tested in tests/explain/.)
"""
import numpy as np
import pytest
import torch

from ecgkit import transforms
from ecgkit.models import (CNNLSTM, CascadedDenseNet, MeanProbabilityEnsemble,
                           SignalToImageModel, get_model)


def test_mean_probability_ensemble_averages_probabilities():
    """softmax of the ensemble's output is the members' mean probability."""
    torch.manual_seed(0)
    members = [CNNLSTM(n_rr=5, rr_path="additive").eval() for _ in range(3)]
    x = torch.randn(4, 1, 126 + 5).abs() + 0.5
    ens = MeanProbabilityEnsemble(members).eval()
    with torch.no_grad():
        expected = torch.stack([torch.softmax(m(x), 1) for m in members]).mean(0)
        got = torch.softmax(ens(x), 1)
    assert torch.allclose(got, expected, atol=1e-5)
    assert not torch.allclose(got, torch.softmax(members[0](x), 1), atol=1e-3)
    with pytest.raises(ValueError, match="at least one"):
        MeanProbabilityEnsemble([])


def test_rpm_densenet_is_a_densenet_on_the_rpm_of_lead_ii():
    """get_model("rpm_densenet") builds what the app's bundles hold: a CascadedDenseNet on
    the 64 x 64 RPM of lead II, taking 12-lead signals."""
    torch.manual_seed(0)
    model = get_model("rpm_densenet", n_classes=5, growth=8).eval()
    torch.manual_seed(0)
    by_hand = SignalToImageModel(CascadedDenseNet(5, 1, growth=8), lead=1, image_size=64,
                                 transform="rpm", n_leads=12).eval()
    assert isinstance(model, SignalToImageModel) and isinstance(model.image_model, CascadedDenseNet)
    assert (model.lead, model.image_size, model.transform, model.input_leads) == (1, 64, "rpm", (1,))
    x = torch.randn(3, 12, 1000)
    with torch.no_grad():
        assert torch.equal(model(x), by_hand(x))
        out = model(x)
    assert out.shape == (3, 5)
    image = model.to_image(x)
    assert image.shape == (3, 1, 64, 64)
    np.testing.assert_allclose(image[:, 0].numpy(),
                               transforms.relative_position_matrix(x[:, 1].numpy(), image_size=64),
                               rtol=1e-6, atol=1e-6)
    small = get_model("rpm_densenet", n_classes=2, n_leads=3, image_size=32, lead=2)
    assert (small.n_leads, small.lead, small.image_size) == (3, 2, 32)


def test_signal_to_image_model_checks_its_input():
    model = get_model("rpm_densenet", n_classes=2)
    flat = model.to_image(torch.zeros(1, 12, 200))
    assert torch.equal(flat, torch.full((1, 1, 64, 64), 0.5))   # a flat lead: "no change"
    assert torch.equal(model.flat_image(), flat)
    with pytest.raises(ValueError, match="expected input"):
        model(torch.randn(2, 11, 200))
    with pytest.raises(ValueError, match="NaN"):
        model(torch.full((1, 12, 200), float("nan")))
    with pytest.raises(ValueError, match="lead"):
        SignalToImageModel(CascadedDenseNet(2, 1), lead=12)
    with pytest.raises(ValueError, match="transform"):
        SignalToImageModel(CascadedDenseNet(2, 1), transform="mtf")
