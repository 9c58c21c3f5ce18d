"""ecgkit.explain on images: back-projection onto the time axis, Grad-CAM and SHAP on
constructed cases whose answer is known."""
import numpy as np
import pytest
import torch
from torch import nn

from ecgkit import explain
from ecgkit.models import CascadedDenseNet, ScalogramCNN
from ecgkit.transforms import paa_bounds


def test_heat_at_known_pixel_lands_on_its_time_samples():
    n_samples, size, i, j = 1000, 64, 10, 40
    heat = np.zeros((size, size))
    heat[i, j] = 1.0
    time_map = explain.image_map_to_time(heat, n_samples)
    start, end = paa_bounds(n_samples, size)
    hot = np.zeros(n_samples, dtype=bool)
    hot[start[i]:end[i]] = hot[start[j]:end[j]] = True
    assert time_map.shape == (n_samples,)
    assert np.all(time_map[hot] == pytest.approx(1 / (2 * size)))   # row mean + column mean
    assert np.all(time_map[~hot] == 0)
    # the RPM pixel (i, j) relates samples ~ 150 and ~ 630 at 100 Hz
    assert 1.5 <= start[i] / 100 < 1.7 and 6.2 <= start[j] / 100 < 6.4


def test_columns_mode_for_scalograms_and_batches():
    heat = np.zeros((2, 32, 64))
    heat[0, 5, 20] = 3.0           # a frequency row, time column 20
    heat[1, :, 63] = 1.0           # the last column at every frequency
    time_map = explain.image_map_to_time(heat, 1000, axes="columns")
    start, end = paa_bounds(1000, 64)
    assert time_map.shape == (2, 1000)
    assert set(np.flatnonzero(time_map[0])) == set(range(start[20], end[20]))
    assert np.all(time_map[1, start[63]:] == 1.0) and time_map[1, :start[63]].max() == 0


@pytest.mark.parametrize("heat, kwargs, message", [
    (np.zeros((32, 64)), {}, "square"),
    (np.zeros(64), {}, "heatmap"),
    (np.full((8, 8), np.nan), {}, "NaN"),
    (np.zeros((8, 8)), {"axes": "rows"}, "axes"),
])
def test_back_projection_rejects_bad_input(heat, kwargs, message):
    with pytest.raises(ValueError, match=message):
        explain.image_map_to_time(heat, 100, **kwargs)


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


def test_band_occlusion_finds_the_band_a_model_reads():
    """A model that only reads the bins between 10 and 12 Hz is moved by that band alone."""
    freqs = np.arange(401) * 0.1

    class BandReader(nn.Module):
        def __init__(self):
            super().__init__()
            self.mask = torch.tensor(((freqs >= 10) & (freqs < 12)).astype(np.float32))
            self.scale = nn.Parameter(torch.tensor(0.1))   # predict() reads the device here

        def forward(self, x):
            s = self.scale * (x * self.mask).sum(dim=(1, 2)) - 2.0
            return torch.stack([s, -s], dim=1)

    x = torch.rand(8, 2, 401)
    centres, effect = explain.band_occlusion(BandReader(), x, freqs, band_hz=2.0)
    assert effect.shape == (len(centres), 2)
    hot = centres[np.argmax(effect[:, 0])]
    assert hot == pytest.approx(11.0)
    assert np.all(effect[np.abs(centres - 11.0) > 1.5] == 0)
    with pytest.raises(ValueError, match="freqs"):
        explain.band_occlusion(BandReader(), x, freqs[:-1])
