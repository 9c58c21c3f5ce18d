"""ecgkit.data.ptbxl.clean_report: the letters of PTB-XL's German reports."""
import pytest

from ecgkit.data.ptbxl import clean_report, load_ptbxl_metadata


@pytest.mark.parametrize("raw, clean", [
    ("sinusrhythmus unbestÄtigter bericht", "sinusrhythmus unbestätigter bericht"),
    ("vorhofflattern 2:1 Überleitung", "vorhofflattern 2:1 überleitung"),
    ("supraventrikulÄre extrasystole(n)", "supraventrikuläre extrasystole(n)"),
    ("st-t fÖrÄndring sÅsom vid ischemi", "st-t förändring såsom vid ischemi"),
    ("vorhofflimmern mÃ¶glich, lÃ¤nger", "vorhofflimmern möglich, länger"),   # UTF-8 read as Latin-1
])
def test_clean_report_repairs_the_letters(raw, clean):
    assert clean_report(raw) == clean


@pytest.mark.parametrize("text", [
    "sinusrhythmus normales ekg", "sinus rhythm. normal ecg. Edit: NORM 100",
    "Edit: RAO, zusätzlich IRBBB", "schlechte Qualität V2,V3,V5", "ÄÖÜ", "",
])
def test_clean_report_keeps_clean_text(text):
    assert clean_report(text) == text


def test_clean_report_passes_a_missing_report_through():
    nan = float("nan")
    assert clean_report(nan) is nan and clean_report(None) is None


def test_the_real_reports_lose_their_upper_case_umlauts(data_root):
    path = data_root / "ptb-xl" / "ptbxl_database.csv"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    reports = load_ptbxl_metadata(path.parent)["report"]
    # the file itself holds them (ecgkit reads it as UTF-8 correctly) ...
    assert reports.str.contains("unbestÄtigter").any()
    cleaned = reports.map(clean_report)
    # ... and cleaning leaves none inside a lower-case word
    assert not cleaned.str.contains("[a-zäöüå][ÄÖÜÅ]", regex=True).any()
    assert cleaned.str.contains("unbestätigter").sum() == reports.str.contains(
        "unbestÄtigter").sum()
