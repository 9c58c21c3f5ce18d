"""Beat tables shared by the MIT-BIH benchmark tests."""
import pytest

from ecgkit.data import beat_table
from ecgkit.data.beat_table import BeatSpec


@pytest.fixture(scope="module")
def small_table():
    """Two DS1 and two DS2 records (about 8,000 beats), built once for the module."""
    return beat_table.build_beat_table(("101", "119", "100", "232"), BeatSpec(), cache=False)
