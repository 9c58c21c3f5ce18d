"""How beats are called from probabilities: S threshold, prior correction, their choice."""
from dataclasses import replace

import numpy as np
import pytest

from ecgkit.experiments.mitbih import (PRIOR_WEIGHTS, RECIPES, BeatDecision,
                                       adjust_for_prior, choose_decision,
                                       choose_s_threshold, decide_beats, decision_weights,
                                       prior_ratio)


def test_decide_beats_threshold_only_turns_n_into_s():
    probs = np.array([[0.90, 0.08, 0.02, 0, 0],    # N, p(S) 0.08
                      [0.97, 0.01, 0.02, 0, 0],    # N, p(S) 0.01
                      [0.30, 0.10, 0.60, 0, 0],    # V stays V whatever p(S)
                      [0.20, 0.70, 0.10, 0, 0]])   # S already
    assert decide_beats(probs).tolist() == [0, 0, 2, 1]
    assert decide_beats(probs, 0.05).tolist() == [1, 0, 2, 1]
    assert decide_beats(probs, 0.005).tolist() == [1, 1, 2, 1]


@pytest.mark.parametrize("probs, threshold, match", [
    (np.ones((3, 4)) / 4, None, "must be"),
    (np.array([[np.nan, 0, 0, 0, 1.0]]), None, "NaN"),
    (np.array([[1.0, 0, 0, 0, 0]]), 1.5, "s_threshold"),
    (np.array([[1.0, 0, 0, 0, 0]]), 0.0, "s_threshold"),
])
def test_decide_beats_rejects_bad_input(probs, threshold, match):
    with pytest.raises(ValueError, match=match):
        decide_beats(probs, threshold)


def test_choose_s_threshold_finds_the_separating_threshold():
    rng = np.random.default_rng(0)
    y = np.array([0] * 200 + [1] * 20 + [2] * 20)

    def probs_with(s_low, s_high):
        probs = np.zeros((len(y), 5))
        probs[:200, 0], probs[:200, 1] = 0.99, rng.uniform(0.0, 0.008, 200)  # N: p(S) < .01
        probs[200:220, 0], probs[200:220, 1] = 0.9, rng.uniform(s_low, s_high, 20)
        probs[220:, 2] = 0.95
        probs[:, 3] = 1 - probs.sum(1)  # rows sum to 1
        return probs

    threshold, scores = choose_s_threshold(y, probs_with(0.012, 0.09))
    assert threshold == 0.01  # the only threshold that separates S from N
    assert scores[0.01] == pytest.approx(1.0) and scores["argmax"] < 0.8
    # 0.03, 0.02 and 0.01 all separate: the tie goes to the largest (fewest S calls)
    assert choose_s_threshold(y, probs_with(0.031, 0.09))[0] == 0.03
    # no S beat in the data: nothing to tune on, plain argmax
    assert choose_s_threshold(y[y != 1], probs_with(0.03, 0.09)[y != 1])[0] is None


def test_adjust_for_prior_is_bayes_rule_at_weight_one():
    probs = np.array([[0.5, 0.5, 0, 0, 0], [0.2, 0.2, 0.6, 0, 0]])
    ratio = np.array([1.0, 0.1, 0.2, 0.05, 0.0])
    assert np.array_equal(adjust_for_prior(probs, ratio, 0), probs)
    full = adjust_for_prior(probs, ratio, 1)
    assert np.allclose(full.sum(1), 1)
    assert full[0, 0] == pytest.approx(0.5 / (0.5 + 0.05))  # p(c) * ratio_c, renormalised
    half = adjust_for_prior(probs, ratio, 0.5)
    assert probs[0, 0] < half[0, 0] < full[0, 0]  # part of the way
    # the balanced model's V call of row 2 survives a half correction, not a full one
    assert half[1].argmax() == 2 and full[1].argmax() == 0


@pytest.mark.parametrize("probs, ratio, weight, match", [
    (np.ones((2, 5)) / 5, np.ones(4), 1, "do not match"),
    (np.ones((2, 5)) / 5, np.array([1, np.nan, 1, 1, 1]), 1, "NaN"),
    (np.ones((2, 5)) / 5, np.array([1, -1, 1, 1, 1]), 1, ">= 0"),
    (np.ones((2, 5)) / 5, np.zeros(5), 1, ">= 0"),
    (np.ones((2, 5)) / 5, np.ones(5), 1.5, "weight"),
])
def test_adjust_for_prior_rejects_bad_input(probs, ratio, weight, match):
    with pytest.raises(ValueError, match=match):
        adjust_for_prior(probs, ratio, weight)


def test_prior_ratio_and_decision_weights():
    y = np.array([0] * 900 + [1] * 25 + [2] * 75)
    # square-root sampler and square-root loss weights: every class weighed as N, so the
    # ratio is the class frequencies (scaled to N = 1); Q is absent
    assert np.allclose(prior_ratio(y), [1, 25 / 900, 75 / 900, 0, 0])
    assert np.allclose(prior_ratio(y, None, None), [1, 1, 1, 0, 0])  # nothing to undo
    assert np.allclose(prior_ratio(y, None, "sqrt"), [1, 5 / 30, np.sqrt(75 / 900), 0, 0])
    with pytest.raises(ValueError, match="balancing"):
        prior_ratio(y, "squared")
    recipe = RECIPES["full"]
    assert decision_weights(recipe, patientwise=True) == (0.0,)  # new patients' mix unknown
    assert decision_weights(recipe, patientwise=False) == PRIOR_WEIGHTS
    assert decision_weights(replace(recipe, prior_weight=0.5), patientwise=True) == (0.5,)
    with pytest.raises(ValueError, match="prior_weight"):
        decision_weights(replace(recipe, prior_weight=2), patientwise=False)


def test_choose_decision_corrects_a_balanced_model():
    """A model that calls a third of the N beats V (balanced training) is corrected
    towards the training mix when that scores better on held-out beats."""
    y = np.array([0] * 900 + [2] * 100)
    probs = np.zeros((len(y), 5))
    probs[:600, 0], probs[:600, 2] = 0.9, 0.1       # N beats, clearly N
    probs[600:900, 0], probs[600:900, 2] = 0.4, 0.6  # N beats the model calls V
    probs[900:, 0], probs[900:, 2] = 0.02, 0.98      # V beats
    ratio = np.array([1.0, 0.05, 0.11, 0.01, 0.0])
    decision, scores = choose_decision(y, probs, ratio, weights=(0.0, 0.5, 1.0))
    assert decision.prior_weight == 0.5  # the smallest weight that fixes the 300 N beats
    assert (decision(probs) == y).all() and (probs.argmax(1) != y).sum() == 300
    assert set(scores) == {0.0, 0.5, 1.0}
    only_zero, _ = choose_decision(y, probs, ratio, weights=(0.0,))
    assert only_zero.prior_weight == 0.0 and (only_zero(probs) == probs.argmax(1)).all()
    assert BeatDecision().describe() == "argmax"
    with pytest.raises(ValueError, match="prior ratio"):
        choose_decision(y, probs, None, weights=(0.0, 1.0))
