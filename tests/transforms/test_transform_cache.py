"""ecgkit.transforms.cache: the image cache."""
import numpy as np
import pytest

from ecgkit import transforms as tr


def _random_walks(n=6, t=1000, seed=0):
    # maths checks only: the transforms' formulas do not depend on the signal being an ECG
    return np.cumsum(np.random.default_rng(seed).standard_normal((n, t)), axis=1)


# --------------------------------------------------------------------------- cache
def test_cached_transform_reuses_the_file(monkeypatch):
    x = _random_walks(3, 200)
    calls = []

    def counting(X, **kw):
        calls.append(kw)
        return tr.relative_position_matrix(X, **kw)

    monkeypatch.setitem(tr.TRANSFORMS, "rpm", counting)
    first = tr.cached_transform("rpm", x, ids=[1, 2, 3], image_size=16)
    second = tr.cached_transform("rpm", x, ids=[1, 2, 3], image_size=16)
    assert len(calls) == 1
    np.testing.assert_array_equal(first, second)
    tr.cached_transform("rpm", x, ids=[1, 2, 3], image_size=8)        # other parameters
    tr.cached_transform("rpm", x + 1e-3 * np.arange(200), ids=[1, 2, 3], image_size=16)
    assert len(calls) == 3
    files = list(tr.image_cache_dir().glob("rpm_*"))
    assert len(files) >= 3 and not any("tmp" in f.name for f in files)
    with pytest.raises(ValueError, match="ids"):
        tr.cached_transform("rpm", x, ids=[1, 2], image_size=16)
    with pytest.raises(ValueError, match="unknown transform"):
        tr.cached_transform("wavelet", x)
