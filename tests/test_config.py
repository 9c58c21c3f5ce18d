import json
from pathlib import Path

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


# ------------------------------------------------------------------ chapter_cost
TIMES = {"measured": {"date": "2026-05-01", "commit": "1a2b3c4", "machine": "2-core CPU",
                      "profile": "sample"},
         "seconds": {"01_ecg_primer": 9.8, "04_training_engine": 36.2, "07_heartbeats": 200.9},
         "gpu": {}}


def test_chapter_cost_reads_the_recorded_build(tmp_path, monkeypatch):
    path = tmp_path / "chapter_times.json"
    path.write_text(json.dumps(TIMES))
    monkeypatch.setattr(config, "CHAPTER_TIMES", path)
    expected = ("On a 2-core CPU (sample profile) this chapter took about 36 s to run "
                "(build of 2026-05-01, 1a2b3c4); GPU: not measured yet.")
    for chapter in (4, "4", "04", "04_training_engine", "notebooks/04_training_engine.ipynb"):
        assert config.chapter_cost(chapter) == expected
    assert "took about 3.3 min to run" in config.chapter_cost("07_heartbeats")
    assert config.chapter_cost("05") == "Run time of this chapter: not measured yet."
    gpu = {"measured": {"date": "2026-06-01", "machine": "NVIDIA A100", "profile": "full"},
           "seconds": {"04_training_engine": 8.4}}
    path.write_text(json.dumps({**TIMES, "gpu": gpu}))
    assert config.chapter_cost(4) == expected.replace(
        "; GPU: not measured yet.", "; on NVIDIA A100 (full profile, 2026-06-01): about 8 s.")


def test_chapter_cost_never_raises(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "CHAPTER_TIMES", tmp_path / "absent.json")
    assert config.chapter_cost("04") == "Run time of this chapter: not measured yet."
    (tmp_path / "bad.json").write_text("{not json")
    monkeypatch.setattr(config, "CHAPTER_TIMES", tmp_path / "bad.json")
    assert config.chapter_cost(4) == "Run time of this chapter: not measured yet."
    assert config.chapter_times()["seconds"] == {}


def test_the_recorded_chapter_times_are_of_this_book():
    """ecgkit/chapter_times.json (package data) names notebooks of the book that exist
    (the chapters and the appendix), with the build they were measured in."""
    assert config.CHAPTER_TIMES.name == "chapter_times.json"
    times = config.chapter_times()
    notebooks = {p.stem for p in (Path(__file__).resolve().parents[1] / "notebooks")
                 .glob("*.ipynb")}
    assert set(times["seconds"]) <= notebooks
    if times["seconds"]:
        assert {"date", "commit", "machine", "profile"} <= set(times["measured"])
        assert all(s > 0 for s in times["seconds"].values())


def test_full_profile_in_colab_without_a_gpu_says_what_to_do(monkeypatch):
    monkeypatch.delenv("ECGKIT_PROFILE", raising=False)
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert not config.in_colab()
    assert config.get_profile("full").name == "full"   # outside Colab: as asked
    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab-test")
    assert config.in_colab()
    with pytest.raises(config.ProfileError, match="Change runtime type") as err:
        config.get_profile("full")
    message = str(err.value)
    assert 'PROFILE = "sample"' in message and "~540 MB" in message
    # a notebook shows these lines instead of a traceback (IPython's _render_traceback_)
    lines = message.splitlines()
    assert err.value._render_traceback_() == [f"ProfileError: {lines[0]}", *lines[1:]]
    assert config.get_profile("sample").name == "sample"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert config.get_profile("full").name == "full"


def test_checkpoint_dir_is_a_fresh_local_folder_outside_colab(monkeypatch, capsys):
    monkeypatch.delenv("COLAB_RELEASE_TAG", raising=False)
    a, b = config.checkpoint_dir(False, "ch4"), config.checkpoint_dir(name="ch4")
    assert a.is_dir() and b.is_dir() and a != b and a.name.startswith("ecgkit-ch4-")
    assert capsys.readouterr().out == ""
    assert config.checkpoint_dir(True, "ch4").is_dir()
    assert "Colab only" in capsys.readouterr().out


def test_checkpoint_dir_on_google_drive_in_colab(monkeypatch, tmp_path):
    mounts = []

    class FakeDrive:
        @staticmethod
        def mount(where):
            mounts.append(where)
            (tmp_path / "MyDrive").mkdir()

    monkeypatch.setenv("COLAB_RELEASE_TAG", "release-colab-test")
    monkeypatch.setattr(config, "DRIVE_MOUNT", tmp_path)
    monkeypatch.setattr(config, "colab_drive", FakeDrive)
    folder = config.checkpoint_dir(True, "ch4")
    assert folder == tmp_path / "MyDrive" / "ecgkit-checkpoints" / "ch4" and folder.is_dir()
    assert config.checkpoint_dir(True, "ch4") == folder and mounts == [str(tmp_path)]
    assert config.checkpoint_dir(False, "ch4") != folder   # DRIVE = False: local, as before


def test_code_fingerprint_follows_every_file_of_a_folder(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.py").write_text("y = 2\n")
    before = config.code_fingerprint(tmp_path)
    assert config.code_fingerprint(tmp_path) == before       # stable
    (tmp_path / "sub" / "b.py").write_text("y = 3\n")         # a learner's edit
    assert config.code_fingerprint(tmp_path) != before
    assert config.code_fingerprint(tmp_path / "a.py") != config.code_fingerprint(tmp_path)


def test_training_code_fingerprint_covers_the_models():
    import ecgkit.models
    from ecgkit import train
    assert len(train.training_code_fingerprint()) == 12
    assert train.training_code_fingerprint() != train.training_code_fingerprint(ecgkit.models)
