import pytest
import torch

from ecgkit import config


def test_environment_variable_overrides_the_notebook(monkeypatch):
    monkeypatch.setenv("ECGKIT_PROFILE", "smoke")
    assert config.get_profile("full").name == "smoke"
    monkeypatch.delenv("ECGKIT_PROFILE")
    assert config.get_profile("full").name == "full"
    assert config.get_profile().name == "sample"


def test_unknown_profile(monkeypatch):
    monkeypatch.delenv("ECGKIT_PROFILE", raising=False)
    with pytest.raises(ValueError, match="unknown profile 'fast'"):
        config.get_profile("fast")


def test_profile_budgets_grow():
    smoke, sample, full = (config._PROFILES[n] for n in config.PROFILES)
    assert smoke.epochs <= sample.epochs <= full.epochs
    assert smoke.max_records is not None and full.max_records is None
    assert smoke.with_(epochs=3).epochs == 3 and smoke.epochs == 1


def test_device_choice():
    assert config.get_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="no CUDA GPU"):
            config.get_device("cuda")
        assert config.get_device().type in ("cpu", "mps")


def test_seeding_repeats():
    config.seed_everything(3)
    a = torch.rand(3)
    config.seed_everything(3)
    assert torch.equal(a, torch.rand(3))


def test_as_profile_takes_a_profile_or_a_name(monkeypatch):
    monkeypatch.delenv("ECGKIT_PROFILE", raising=False)
    smoke = config.get_profile("smoke")
    assert config.as_profile(smoke) is smoke
    assert config.as_profile(smoke.with_(epochs=3)).epochs == 3
    assert config.as_profile("full").name == "full"
    assert config.as_profile(None).name == "sample"
