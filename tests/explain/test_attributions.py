"""ecgkit.explain.attributions: the unified interface over attribution methods (chapter 12)
and the image attributions Grad-CAM and SHAP (chapter 9).

The maths is checked on tiny models and random tensors, where the right answer is known:
a linear model that reads only one patch of one lead must be explained by that patch.
"""
import numpy as np
import pytest
import torch
from torch import nn

from ecgkit import explain
from ecgkit.models import CNN1D, CascadedDenseNet, ExplainableECGNet, ScalogramCNN

N_LEADS, T = 12, 200
LEAD, START, STOP = 3, 80, 120  # the only samples the linear model reads


class PatchModel(nn.Module):
    """Linear logits that depend only on lead 3, samples 80-119 (class 0: +, class 1: -)."""

    def __init__(self):
        super().__init__()
        w = torch.zeros(2, N_LEADS, T)
        w[0, LEAD, START:STOP] = 1.0
        w[1, LEAD, START:STOP] = -1.0
        self.w = nn.Parameter(w)

    def forward(self, x):
        return torch.einsum("nlt,clt->nc", x, self.w)


@pytest.fixture(scope="module")
def x():
    torch.manual_seed(0)
    return torch.randn(3, N_LEADS, T)


@pytest.fixture(scope="module")
def tiny_cnn():
    torch.manual_seed(0)
    return CNN1D(n_classes=3, channels=(4, 4, 4, 4)).eval()


@pytest.fixture(scope="module")
def tiny_attention():
    torch.manual_seed(0)
    return ExplainableECGNet(n_classes=3, channels=(4, 8, 8)).eval()


def test_integrated_gradients_completeness(tiny_cnn, x):
    attr = explain.explain(tiny_cnn, x[:2], "integrated_gradients", target=1, n_steps=64)
    with torch.no_grad():
        gap = (tiny_cnn(x[:2])[:, 1] - tiny_cnn(torch.zeros_like(x[:2]))[:, 1]).numpy()
    assert attr.shape == (2, N_LEADS, T)
    np.testing.assert_allclose(attr.reshape(2, -1).sum(1), gap, rtol=0.05, atol=1e-3)


@pytest.mark.parametrize("method", ["integrated_gradients", "occlusion", "shap"])
def test_methods_find_the_only_patch_that_matters(method, x):
    model = PatchModel()
    attr = explain.explain(model, x[:1], method, target=0,
                           background=torch.zeros(2, N_LEADS, T), window=40, nsamples=8)
    inside = np.abs(attr[:, LEAD, START:STOP]).sum()
    assert inside > 0
    assert np.isclose(np.abs(attr).sum(), inside, rtol=1e-4)


def test_shapes_for_every_class_and_single_ecg(tiny_attention, x):
    for method in ("gradcam", "integrated_gradients", "occlusion", "attention", "random"):
        all_classes = explain.explain(tiny_attention, x[:2], method, n_steps=4, window=100)
        one = explain.explain(tiny_attention, x[0], method, target=2, n_steps=4, window=100)
        assert all_classes.shape == (2, 3, N_LEADS, T), method
        assert one.shape == (N_LEADS, T), method
        assert all_classes.dtype == np.float32 and np.isfinite(all_classes).all()
        np.testing.assert_allclose(one, all_classes[0, 2], rtol=1e-4, atol=1e-6,
                                   err_msg=method) if method != "random" else None


def test_shap_per_target_on_a_linear_model(x):
    # expected gradients of a linear model against a zero background are exactly w * x
    model = PatchModel()
    background = torch.zeros(2, N_LEADS, T)
    one = explain.explain(model, x[:2], "shap", target=[0, 1], background=background,
                          nsamples=4)
    expected = (model.w[[0, 1]] * x[:2]).detach().numpy()
    np.testing.assert_allclose(one, expected, rtol=1e-5, atol=1e-6)


def test_attention_map_sums_to_one_and_is_class_independent(tiny_attention, x):
    maps = explain.attention_map(tiny_attention, x)
    np.testing.assert_allclose(maps.sum(axis=(1, 2)), 1.0, rtol=1e-4)
    per_class = explain.explain(tiny_attention, x, "attention")
    np.testing.assert_array_equal(per_class[:, 0], per_class[:, 2])


def test_gradcam_is_per_lead_only_for_a_leadwise_encoder(tiny_attention, tiny_cnn, x):
    leadwise = explain.explain(tiny_attention, x, "gradcam", target=0, relu=False)
    mixed = explain.explain(tiny_cnn, x, "gradcam", target=0)
    assert not np.allclose(leadwise[:, 0], leadwise[:, 1])
    np.testing.assert_array_equal(mixed[:, 0], mixed[:, 5])
    assert (mixed >= 0).all()  # the ReLU of Grad-CAM


def test_occlusion_measures_the_probability_drop():
    model = PatchModel()
    x = torch.zeros(1, N_LEADS, T)
    x[0, LEAD, START:STOP] = 0.05  # logit 2 for class 0
    occ = explain.occlusion(model, x, window=T)  # whole leads
    assert occ.shape == (1, 2, N_LEADS, T)
    expected = torch.sigmoid(torch.tensor(2.0)).item() - 0.5
    assert occ[0, 0, LEAD, 0] == pytest.approx(expected, abs=1e-5)
    assert np.abs(np.delete(occ[0, 0], LEAD, axis=0)).max() == 0
    lead_drop = explain.lead_occlusion(model, x)
    assert lead_drop.shape == (1, 2, N_LEADS)
    across = explain.occlusion(model, x, window=40, across_leads=True)
    assert np.allclose(across[0, 0, 0], across[0, 0, LEAD])


def test_deep_shap_adds_up_on_a_supported_cnn(x):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv1d(N_LEADS, 4, 5), nn.ReLU(), nn.Flatten(),
                          nn.Linear(4 * (T - 4), 2)).eval()
    background = torch.randn(4, N_LEADS, T)
    attr = explain.explain(model, x[:1], "deep_shap", target=0, background=background)
    with torch.no_grad():
        gap = model(x[:1])[0, 0] - model(background)[:, 0].mean()
    assert attr.sum() == pytest.approx(gap.item(), rel=0.01, abs=1e-4)


def test_bad_requests_raise_clear_errors(tiny_cnn, x):
    with pytest.raises(ValueError, match="unknown method"):
        explain.explain(tiny_cnn, x, "lime")
    with pytest.raises(ValueError, match="no attention"):
        explain.explain(tiny_cnn, x, "attention")
    with pytest.raises(ValueError, match="background"):
        explain.explain(tiny_cnn, x, "shap")
    bad = x.clone()
    bad[0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        explain.explain(tiny_cnn, bad, "gradcam")
    with pytest.raises(ValueError, match="target"):
        explain.explain(tiny_cnn, x, "gradcam", target=7)


def _brightness_model():
    """logit 0 = mean of ReLU(x), logit 1 = its negative: Grad-CAM of class 0 is the image."""
    conv = nn.Conv2d(1, 1, 1, bias=False)
    head = nn.Linear(1, 2, bias=False)
    with torch.no_grad():
        conv.weight.fill_(1.0)
        head.weight.copy_(torch.tensor([[1.0], [-1.0]]))
    relu = nn.ReLU()
    model = nn.Sequential(conv, relu, nn.AdaptiveAvgPool2d(1), nn.Flatten(), head)
    return model, relu


def test_gradcam_finds_the_region_that_drives_the_class():
    model, layer = _brightness_model()
    x = torch.zeros(2, 1, 32, 32)
    x[0, 0, 4:8, 20:24] = 1.0
    x[1, 0, 25:29, 2:6] = 1.0
    cam = explain.gradcam(model, layer, x, target=0)
    assert cam.shape == (2, 32, 32) and cam.dtype == np.float32
    for k, (r, c) in enumerate([(5, 21), (26, 3)]):
        peak = np.unravel_index(np.argmax(cam[k]), cam[k].shape)
        assert abs(peak[0] - r) <= 2 and abs(peak[1] - c) <= 2
    # class 1 is driven down by brightness: no positive evidence anywhere
    assert np.all(explain.gradcam(model, layer, x, target=1) == 0)
    with pytest.raises(ValueError, match="target"):
        explain.gradcam(model, layer, x, target=2)


def test_gradcam_on_the_image_models_keeps_their_mode():
    torch.manual_seed(0)
    for model, x in [(CascadedDenseNet(5, n_leads=1), torch.rand(3, 1, 64, 64)),
                     (ScalogramCNN(5, n_leads=1), torch.rand(3, 1, 32, 64))]:
        model.train()
        cam = explain.gradcam(model, model.gradcam_layer, x, target=[0, 1, 4])
        assert cam.shape == (3, *x.shape[-2:]) and np.isfinite(cam).all() and cam.min() >= 0
        assert model.training


def test_shap_gradient_of_a_linear_model_is_weight_times_offset():
    # expected gradients of f(x) = w.x + b is w * (x - reference), exactly, for every
    # sampled point between reference and x; with one reference there is nothing random
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3, bias=True))
    background = torch.randn(1, 1, 4, 4)
    x = torch.randn(2, 1, 4, 4)
    values = explain.shap_gradient(model, background, x, target=[2, 0], nsamples=50)
    w = model[1].weight.detach()
    for k, c in enumerate([2, 0]):
        expected = (w[c].reshape(1, 4, 4) * (x[k] - background.mean(0))).numpy()
        np.testing.assert_allclose(values[k], expected, atol=1e-5)
        # and they add up to the change of the explained logit
        change = (model(x[k:k + 1]) - model(background))[0, c].item()
        assert values[k].sum() == pytest.approx(change, abs=1e-4)
