"""Self-checks for the chapters' fill-in exercises.

An exercise in a chapter is three cells: a scaffold the learner fills in (a function whose
body ends in ``raise NotImplementedError("Exercise N: ...")``), a check cell that calls
:func:`check` on it, and a solution, folded in the book with its outputs and collapsed in
Colab, that defines the same function and calls :func:`check` again. The book build runs
all three: the scaffold only defines a function, the first check says "not attempted yet"
instead of raising, and the solution's check must pass, so a solution that stops being
right breaks the build.

Example
-------
>>> def heart_rate(rr_s):
...     raise NotImplementedError("Exercise 1: the heart rate in bpm")
>>> check("Exercise 1", lambda: heart_rate(0.8) == 75)
Exercise 1: not attempted yet. Fill in the cell above and run this cell again.
>>> def heart_rate(rr_s):
...     return 60 / rr_s
>>> check("Exercise 1", lambda: heart_rate(0.8) == 75)
Exercise 1: correct.
"""
from __future__ import annotations

from typing import Callable


def check(exercise: str, test: Callable[[], bool], hint: str = "") -> None:
    """Run ``test`` (no arguments; it calls the learner's code) and say whether it passes.

    Parameters
    ----------
    exercise : str
        The exercise's name as the chapter prints it, e.g. ``"Exercise 2"``.
    test : callable
        Returns True when the learner's answer is right. It may also raise
        ``AssertionError`` with a message of its own, which is passed on.
    hint : str
        What to look at when the answer is wrong; added to the error.

    Prints whether the answer is right, or that the scaffold still raises
    ``NotImplementedError`` (not attempted yet: no error, so the chapter runs on).

    Raises
    ------
    AssertionError
        When the answer is wrong, with ``hint``.
    """
    try:
        ok = test()
    except NotImplementedError:
        print(f"{exercise}: not attempted yet. Fill in the cell above and run this cell again.")
        return
    except AssertionError as err:
        raise AssertionError(f"{exercise}: not yet. {err} {hint}".strip()) from None
    if not ok:
        raise AssertionError(f"{exercise}: not yet. {hint}".strip())
    print(f"{exercise}: correct.")
