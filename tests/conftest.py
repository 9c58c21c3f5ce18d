import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _data_root():
    env = os.environ.get("ECGKIT_DATA")
    return Path(env) if env else SHARED_DATA


@pytest.fixture(scope="session")
def data_root():
    """The real data folder (ECGKIT_DATA); tests that need it skip when it is absent."""
    root = _data_root()
    if not (root / "ptb-xl" / "ptbxl_database.csv").is_file():
        pytest.skip(f"real data not found at {root}; set ECGKIT_DATA")
    return root


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Point ECGKIT_DATA at the real data and ECGKIT_CACHE at a session-wide temp folder."""
    monkeypatch.setenv("ECGKIT_DATA", str(_data_root()))
    cache = tmp_path_factory.getbasetemp() / "ecgkit-cache"
    monkeypatch.setenv("ECGKIT_CACHE", str(cache))
