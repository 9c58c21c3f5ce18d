"""ecgkit.data.store: where the data lives, and what to do when it is not there."""
import pytest

from ecgkit import data


def test_data_not_found_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGKIT_DATA", str(tmp_path))
    with pytest.raises(data.DataNotFoundError, match="ECGKIT_DATA"):
        data.load_ptbxl_metadata()
    with pytest.raises(data.DataNotFoundError, match="download sample"):
        data.load_mitbih_record("100")
