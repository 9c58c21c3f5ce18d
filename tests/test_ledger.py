import doctest

import pytest

from ecgkit import ledger


@pytest.fixture(autouse=True)
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGKIT_LEDGER", str(tmp_path))
    return tmp_path


def test_doctest(monkeypatch):
    assert doctest.testmod(ledger).failed == 0


def test_a_chapter_run_again_replaces_its_verdict(folder):
    ledger.claim("004", "96.8 % accuracy", "verified", "0.97 random split", "07_heartbeats",
                 "5. A random split")
    ledger.claim("004", "96.8 % accuracy", "refuted", "0.86 inter-patient", "07_heartbeats",
                 "5. A random split")
    ledger.claim("001", "91.2 % macro-AUROC", "cannot test here", "500 records only",
                 "05_explainable_ecgnet", "4. Training")
    entries = ledger.read()
    assert [e["source"] for e in entries] == ["001", "004"]
    assert entries[1]["status"] == "refuted"


def test_bad_entries_are_refused():
    with pytest.raises(ValueError, match="unknown source"):
        ledger.claim("005", "x", "verified", "", "01_ecg_primer", "1. x")
    with pytest.raises(ValueError, match="status must be"):
        ledger.claim("001", "x", "true", "", "01_ecg_primer", "1. x")


def test_section_link_is_sphinx_section_id():
    entry = {"chapter": "07_heartbeats", "section": "6. Inter- vs intra-patient: the leak"}
    assert ledger.section_link(entry) == "07_heartbeats.html#inter-vs-intra-patient-the-leak"
