"""ecgkit.explain.images: back-projection onto the time axis, and an image model explained
on the one lead it reads."""
import numpy as np
import pytest
import torch

from ecgkit import explain
from ecgkit.models import CascadedDenseNet, SignalToImageModel
from ecgkit.transforms import paa_bounds

N_LEADS, T = 12, 200


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


def test_image_model_is_explained_on_its_lead_only():
    torch.manual_seed(0)
    model = SignalToImageModel(CascadedDenseNet(3, 1, block_layers=(2,)),
                               lead=1, image_size=16).eval()
    x = torch.randn(2, N_LEADS, T)
    flat = torch.zeros(1, N_LEADS, T)  # a deleted signal: no RPM exists, no crash either
    assert torch.isfinite(model(flat)).all()
    for method in ("gradcam", "integrated_gradients", "occlusion"):
        attr = explain.explain(model, x, method, target=0, n_steps=4, window=50)
        others = np.delete(attr, 1, axis=1)
        assert np.abs(attr[:, 1]).sum() > 0, method
        assert np.abs(others).max() == 0, method
