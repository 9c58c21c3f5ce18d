import doctest

import pytest

from ecgkit import exercises
from ecgkit.exercises import check


def test_doctest():
    assert doctest.testmod(exercises).failed == 0


def test_not_attempted_is_reported_not_raised(capsys):
    def scaffold():
        raise NotImplementedError("Exercise 1: ...")
    check("Exercise 1", scaffold)
    assert "not attempted" in capsys.readouterr().out


def test_wrong_answer_raises_with_hint():
    with pytest.raises(AssertionError, match="Exercise 2: not yet. look at the units"):
        check("Exercise 2", lambda: False, hint="look at the units")


def test_assertion_message_of_the_test_is_kept():
    def test():
        assert 1 == 2, "expected 75 bpm, got 80"
    with pytest.raises(AssertionError, match="expected 75 bpm, got 80"):
        check("Exercise 3", test)


def test_other_errors_propagate():
    with pytest.raises(ZeroDivisionError):
        check("Exercise 4", lambda: 1 / 0)
