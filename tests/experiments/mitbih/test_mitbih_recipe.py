"""The CNN-LSTM recipes of the MIT-BIH benchmark and their wirings."""
import argparse
from dataclasses import replace

import pytest

from ecgkit.experiments import mitbih
from ecgkit.experiments.mitbih import RECIPES, with_wiring


def test_wirings():
    assert RECIPES["full"].wiring == RECIPES["sample"].wiring == "additive"
    plain = with_wiring(RECIPES["sample"], "plain")
    assert plain.wiring == "plain" and plain.median_beat and plain.rr_path == "dense"
    assert plain.epochs == RECIPES["sample"].epochs  # the budget is left alone
    assert with_wiring(plain, "additive") == RECIPES["sample"]
    assert replace(plain, rr_path="linear").wiring == "custom"
    with pytest.raises(ValueError, match="wiring"):
        with_wiring(plain, "fancy")
    p = argparse.ArgumentParser()
    mitbih.add_mitbih_arguments(p)
    assert p.parse_args(["--wiring", "plain"]).wiring == "plain"
    assert p.parse_args([]).wiring is None
