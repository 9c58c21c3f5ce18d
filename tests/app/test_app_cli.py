"""The command line ``python -m ecgkit.predict`` (ecgkit.app.cli) on PTB-XL and MIT-BIH.

The 12-lead model is test_bundle.make_bundle's tiny untrained one; the heartbeat model
test_beat_bundle.make_beat_bundle's small one (trained once per session).
"""
import json
import runpy
import shutil
import sys

import pytest

from ecgkit.app import beat_bundle as bb, cli
from ecgkit.app.report import DISCLAIMER
from test_beat_bundle import make_beat_bundle
from test_bundle import make_bundle


@pytest.fixture(scope="module")
def bundle_file(tmp_path_factory, data_root):
    return make_bundle(tmp_path_factory.mktemp("bundle") / "tiny.pt")


@pytest.fixture(scope="module")
def beat_bundle_file(tmp_path_factory, data_root):
    return make_beat_bundle(tmp_path_factory)


def test_cli(bundle_file, capsys, data_root):
    wfdb_path = data_root / "ptb-xl" / "records100" / "00000" / "00017_lr.hea"
    assert cli.main([str(wfdb_path), "--model", str(bundle_file)]) == 0
    out = capsys.readouterr().out
    assert "ECG report - 00017_lr" in out and DISCLAIMER in out
    assert cli.main(["mitdb:100", "--model", str(bundle_file)]) == 2
    assert "needs the 12 leads" in capsys.readouterr().err
    assert cli.main(["ptbxl:17", "--model", str(bundle_file.with_name("none.pt"))]) == 2
    assert "train-bundle" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["train-bundle", "train-beat-bundle"])
def test_the_training_subcommands_have_their_own_options(command, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main([command, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert f"python -m ecgkit.predict {command}" in out and "--profile" in out


# --------------------------------------------------------------------------- heartbeats
@pytest.fixture
def default_beat_bundle(beat_bundle_file, monkeypatch, tmp_path):
    """The test bundle where the CLI looks by default (smoke profile, temp cache)."""
    monkeypatch.setenv("ECGKIT_CACHE", str(tmp_path))
    monkeypatch.setenv("ECGKIT_PROFILE", "smoke")
    target = bb.beat_bundle_path()
    target.parent.mkdir(parents=True)
    shutil.copy(beat_bundle_file, target)
    return target


def test_cli_reports_on_a_mitbih_record(default_beat_bundle, capsys):
    assert cli.main(["mitdb:100"]) == 0
    out = capsys.readouterr().out
    assert "Heartbeat report for MIT-BIH 100" in out and "Beats analysed: 22" in out
    assert DISCLAIMER in out and "DS2" in out
    assert cli.main(["mitdb:100@60", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["kind"] == "heartbeats" and sum(payload["counts"].values()) > 2000


def test_python_m_ecgkit_predict_runs_the_cli(default_beat_bundle, monkeypatch, capsys):
    """``python -m ecgkit.predict`` (the thin ecgkit/predict.py) runs
    :func:`ecgkit.app.cli.main` and exits with its status."""
    monkeypatch.setattr(sys, "argv", ["ecgkit.predict", "mitdb:100@60", "--json"])
    with pytest.raises(SystemExit) as stop:
        runpy.run_module("ecgkit.predict", run_name="__main__")
    assert stop.value.code == 0
    assert json.loads(capsys.readouterr().out)["record"] == "MIT-BIH 100"


def test_cli_without_a_beat_bundle_says_how_to_make_one(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ECGKIT_CACHE", str(tmp_path))
    assert cli.main(["mitdb:100"]) == 2
    assert "train-beat-bundle" in capsys.readouterr().err


def test_cli_refuses_a_12_lead_bundle_for_a_2_lead_record(tmp_path, capsys, data_root,
                                                         beat_bundle_file):
    path = make_bundle(tmp_path / "tiny.pt")
    assert cli.main(["mitdb:100", "--model", str(path)]) == 2
    err = capsys.readouterr().err
    assert "12 leads" in err and "heartbeat" in err
    # an explicit beat bundle works
    assert cli.main(["mitdb:119", "--model", str(beat_bundle_file)]) == 0
    assert "DS1" in capsys.readouterr().out
