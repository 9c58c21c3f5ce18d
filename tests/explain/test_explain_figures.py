"""ecgkit.explain.figures: attributions drawn on ECG paper (Agg backend, nothing shown)."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ecgkit import explain  # noqa: E402


def test_plot_attribution_on_paper():
    rng = np.random.default_rng(0)
    signal = rng.normal(0, 0.3, (12, 1000))
    fig = explain.plot_attribution_on_paper(signal, rng.normal(size=(12, 1000)), 100.0,
                                            title="test")
    assert fig.axes and fig.axes[0].get_title(loc="left") == "test"
    with pytest.raises(ValueError, match="shape|\\(L, T\\)"):
        explain.plot_attribution_on_paper(signal, np.zeros((12, 999)), 100.0)
