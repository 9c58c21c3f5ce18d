"""The heartbeat bundle (ecgkit.app.beat_bundle): what it holds, where it is cached.

The bundle is trained once per session on a 12-record MIT-BIH table (DS1 records 101,
106, 108, 109, 112, 114 train) with a small budget (about 15 s), into the session's temp
folder; every test here, in test_beat_analysis.py, test_app_cli.py and
test_streamlit_app.py reuses it (``make_beat_bundle``).
"""
from dataclasses import replace

import numpy as np
import pytest
import torch

from ecgkit import config, data
from ecgkit.app import beat_bundle as bb
from ecgkit.experiments.mitbih import RECIPES, MitbihRecipe
from ecgkit.data.beat_table import BeatSpec
from ecgkit.signal.beats import RR_FEATURES
from test_bundle import make_bundle


def smoke_profile():
    # explicit, so that an ECGKIT_PROFILE in the environment does not change the budget
    return config.Profile("smoke", max_records=48, max_mitbih_records=12, epochs=1,
                          batch_size=16)


def make_beat_bundle(tmp_path_factory):
    """Train (once per session, ~15 s) a small beat bundle on the first 6 DS1 records."""
    path = tmp_path_factory.getbasetemp() / "beat-bundle" / "cnnlstm_beats-test.pt"
    if not path.is_file():
        recipe = MitbihRecipe(epochs=3, samples_per_epoch=3000, batch_size=64,
                              max_train_beats=6000)
        bb.train_beat_bundle(smoke_profile(), path=path, recipe=recipe, verbose=False)
    return path


@pytest.fixture(scope="module")
def bundle_file(tmp_path_factory, data_root):
    return make_beat_bundle(tmp_path_factory)


@pytest.fixture(scope="module")
def bundle(bundle_file):
    return bb.load_beat_bundle(bundle_file)


def test_bundle_holds_what_inference_needs(bundle, bundle_file, tmp_path):
    assert bundle.classes == data.AAMI_CLASSES
    assert bundle.spec == BeatSpec()          # the table's window and filter
    # the recipe's inputs: the beat minus the record's median beat, one channel, + RR
    assert bundle.rr and bundle.relative_to_median and not bundle.median_beat
    assert bundle.normalize == "zscore" and bundle.model.n_leads == 1
    assert tuple(bundle.rr_features) == RR_FEATURES
    assert set(bundle.train_records) <= set(data.DS1)
    assert not set(bundle.train_records) & set(data.DS2)
    payload = torch.load(bundle_file, weights_only=True)   # no code in the file
    assert payload["kind"] == bb.BEAT_BUNDLE_KIND and "state_dict" in payload
    # saving again and loading gives the same predictions
    copy = bb.save_beat_bundle(bundle.model, bundle.spec, tmp_path / "copy.pt",
                               median_beat=bundle.median_beat,
                               relative_to_median=bundle.relative_to_median,
                               train_records=bundle.train_records, info=bundle.info)
    again = bb.load_beat_bundle(copy)
    assert again.relative_to_median and not again.median_beat
    X = np.random.default_rng(0).normal(size=(4, 1, bundle.window + 5)).astype(np.float32)
    np.testing.assert_allclose(bundle.predict_proba(X), again.predict_proba(X),
                               rtol=1e-5, atol=1e-6)
    assert bb.is_beat_bundle(bundle_file) and not bb.is_beat_bundle(tmp_path / "absent.pt")
    with pytest.raises(FileNotFoundError, match="train-beat-bundle"):
        bb.load_beat_bundle(tmp_path / "absent.pt")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(ValueError, match="not a model bundle"):
        bb.load_beat_bundle(tmp_path / "junk.pt")


def test_a_12_lead_bundle_is_not_a_beat_bundle(tmp_path, data_root):
    path = make_bundle(tmp_path / "tiny.pt")
    assert not bb.is_beat_bundle(path)
    with pytest.raises(ValueError, match="12-lead"):
        bb.load_beat_bundle(path)


def test_bundle_path_keys_on_the_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("ECGKIT_CACHE", str(tmp_path))
    a = bb.beat_bundle_path(smoke_profile())
    assert a.parent == tmp_path / "bundles" and a.name.startswith("cnnlstm_beats-smoke-")
    assert bb.beat_bundle_path(smoke_profile(), seed=1) != a
    assert bb.beat_bundle_path(smoke_profile(), recipe=RECIPES["sample"]) != a


def test_a_bundle_holds_one_network():
    """The full benchmark averages three networks; a bundle trained for the full profile
    keeps one, and an ensemble recipe is refused before any training."""
    assert RECIPES["full"].n_models > 1
    assert bb.bundle_recipe(config.get_profile("full")).n_models == 1
    with pytest.raises(ValueError, match="one network"):
        bb.train_beat_bundle(smoke_profile(), recipe=replace(RECIPES["smoke"], n_models=2))
