"""The parts every benchmark result shares: JSON clean-up, provenance, --profile."""
import json
import math
import os
import re

import numpy as np

from ecgkit.experiments import results


def test_finite_or_none_makes_results_json_ready():
    raw = {"a": np.float32(0.5), "b": [math.nan, np.int64(3)], "c": (np.inf, "x")}
    clean = results.finite_or_none(raw)
    assert clean == {"a": 0.5, "b": [None, 3], "c": [None, "x"]}
    json.dumps(clean, allow_nan=False)


def test_provenance_and_peak_memory():
    assert set(results.provenance()) == {"torch", "python", "cpu_threads"}
    assert results.peak_memory()["peak_rss_mib"] > 0


def test_explicit_profile_hides_the_environment_profile(monkeypatch):
    monkeypatch.setenv("ECGKIT_PROFILE", "full")
    with results.explicit_profile():
        assert "ECGKIT_PROFILE" not in os.environ
    assert os.environ["ECGKIT_PROFILE"] == "full"


def test_git_commit_names_this_checkout_and_none_elsewhere(tmp_path):
    assert re.fullmatch(r"[0-9a-f]{7,}(\+changes)?", results.git_commit())
    assert results.git_commit(tmp_path) is None   # not a checkout
