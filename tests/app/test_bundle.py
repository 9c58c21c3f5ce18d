"""The 12-lead bundle (ecgkit.app.bundle) on real PTB-XL records.

The model is a tiny untrained ExplainableECGNet: what is tested is the file format and
the preprocessing, not the medicine. ``make_bundle`` is shared with the other app tests.
"""
import numpy as np
import pytest
import torch

from ecgkit import data, models, signal as ecgsignal
from ecgkit.app import bundle as bundles
from ecgkit.data import io


def make_bundle(path):
    torch.manual_seed(0)
    model = models.get_model("explainable", 5, channels=(4, 8, 8)).eval()
    X = np.stack([io.ptbxl_record(i).signal for i in range(1, 9)])
    scaler = ecgsignal.LeadStandardizer().fit(ecgsignal.bandpass(X, fs=100))
    return bundles.save_bundle(model, "explainable", data.SUPERCLASSES, [0.5] * 5, scaler,
                               path, model_kwargs={"channels": [4, 8, 8]},
                               info={"trained_on": "nothing (test)"})


@pytest.fixture(scope="module")
def bundle_file(tmp_path_factory, data_root):
    return make_bundle(tmp_path_factory.mktemp("bundle") / "tiny.pt")


@pytest.fixture(scope="module")
def bundle(bundle_file):
    return bundles.load_bundle(bundle_file)


def test_bundle_round_trip_keeps_predictions(bundle, bundle_file, tmp_path):
    x = io.ptbxl_record(17).signal
    again = bundles.load_bundle(bundles.save_bundle(
        bundle.model, bundle.model_name, bundle.classes, bundle.thresholds, bundle.scaler,
        tmp_path / "copy.pt", model_kwargs=bundle.model_kwargs))
    np.testing.assert_allclose(bundle.predict_proba(x), again.predict_proba(x), rtol=1e-6)
    assert bundle.classes == data.SUPERCLASSES and bundle.thresholds.shape == (5,)
    with pytest.raises(FileNotFoundError, match="train-bundle"):
        bundles.load_bundle(tmp_path / "absent.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a bundle")
    with pytest.raises(ValueError, match="not a model bundle"):
        bundles.load_bundle(tmp_path / "junk.pt")


def test_preprocessing_is_the_ptbxl_band_pass_then_the_scaler(bundle):
    """The bundle's input is what the course's PTB-XL models are trained on."""
    x = io.ptbxl_record(17).signal
    expected = bundle.scaler.transform(ecgsignal.bandpass(x.astype(np.float32)[None], fs=100))
    got = bundle.preprocess(x)
    assert got.dtype == np.float32 and got.shape == (1, 12, 1000)
    np.testing.assert_allclose(got, expected.astype(np.float32), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="expected"):
        bundle.preprocess(x[:6])


def test_an_rpm_densenet_bundle_is_built_by_the_model_registry(bundle, tmp_path):
    """The BUNDLE_CONFIGS image model loads through ecgkit.models.get_model."""
    kwargs = bundles.BUNDLE_CONFIGS["rpm_densenet"]["kwargs"]
    torch.manual_seed(0)
    model = models.get_model("rpm_densenet", 5, 12, **kwargs).eval()
    path = bundles.save_bundle(model, "rpm_densenet", data.SUPERCLASSES, [0.5] * 5,
                               bundle.scaler, tmp_path / "rpm.pt", model_kwargs=kwargs)
    again = bundles.load_bundle(path)
    x = io.ptbxl_record(17).signal
    np.testing.assert_allclose(again.predict_proba(x)[0],
                               bundles.Bundle(model, "rpm_densenet", kwargs, data.SUPERCLASSES,
                                              np.full(5, 0.5), bundle.scaler)
                               .predict_proba(x)[0], rtol=1e-5, atol=1e-6)


def test_bundle_path_keys_on_the_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("ECGKIT_CACHE", str(tmp_path))
    monkeypatch.delenv("ECGKIT_PROFILE", raising=False)
    a = bundles.bundle_path("explainable", "smoke")
    assert a.parent == tmp_path / "bundles" and a.name.startswith("explainable-smoke-")
    assert bundles.bundle_path("explainable", "smoke", seed=1) != a
    assert bundles.bundle_path("explainable", "smoke", epochs=3) != a
    # an edit of the code that trains (here: its fingerprint) is a new key: no stale weights
    monkeypatch.setattr(bundles.train, "training_code_fingerprint", lambda *m: "edited")
    assert bundles.bundle_path("explainable", "smoke") != a
    with pytest.raises(ValueError, match="unknown bundle"):
        bundles.bundle_path("nope")
