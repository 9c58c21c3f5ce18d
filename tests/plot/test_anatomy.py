"""ecgkit.plot.anatomy: lead angles, interval measurement on a synthetic beat, figures."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ecgkit import plot  # noqa: E402
from ecgkit.data import LEADS  # noqa: E402
from ecgkit.plot import anatomy as A  # noqa: E402

R_S = 0.35   # the R peak of the synthetic beat, in s
# (centre s, width s, amplitude mV) of each Gaussian wave
WAVES = {"P": (R_S - 0.15, 0.02, 0.15), "Q": (R_S - 0.025, 0.006, -0.1),
         "R": (R_S, 0.01, 1.2), "S": (R_S + 0.025, 0.007, -0.25),
         "T": (R_S + 0.25, 0.045, 0.3)}
# where each wave starts or ends by construction: 3 widths from the centre (1 % of the
# amplitude); T end by the tangent method on a Gaussian is exactly 2 widths after its peak
TRUE_S = {"p_onset": WAVES["P"][0] - 3 * WAVES["P"][1],
          "qrs_onset": WAVES["Q"][0] - 3 * WAVES["Q"][1],
          "qrs_offset": WAVES["S"][0] + 3 * WAVES["S"][1],
          "t_end": WAVES["T"][0] + 2 * WAVES["T"][1]}


def synthetic_beat(fs, baseline=0.05):
    t = np.arange(int(1.0 * fs)) / fs
    return baseline + sum(a * np.exp(-0.5 * ((t - mu) / w) ** 2)
                          for mu, w, a in WAVES.values())


# ----------------------------------------------------------------------------- lead angles
def test_lead_angles_cover_the_twelve_leads_once():
    assert set(A.FRONTAL_LEAD_ANGLES) | set(A.PRECORDIAL_LEAD_ANGLES) == set(LEADS)
    assert not set(A.FRONTAL_LEAD_ANGLES) & set(A.PRECORDIAL_LEAD_ANGLES)
    assert A.FRONTAL_LEAD_ANGLES == {"I": 0, "II": 60, "III": 120, "aVR": -150,
                                     "aVL": -30, "aVF": 90}


def test_hexaxial_angles_follow_einthoven_and_goldberger():
    u = {lead: A.lead_direction(lead) for lead in A.FRONTAL_LEAD_ANGLES}
    # Einthoven: II = I + III, so II's direction is the bisector of I and III
    both = u["I"] + u["III"]
    assert np.allclose(both / np.linalg.norm(both), u["II"])
    # each augmented lead is perpendicular to one limb lead: aVF to I, aVL to II, aVR to III
    for a, b in [("aVF", "I"), ("aVL", "II"), ("aVR", "III")]:
        assert abs(u[a] @ u[b]) < 1e-12
    # aVR + aVL + aVF = 0: their directions are 120 degrees apart
    assert np.allclose(u["aVR"] + u["aVL"] + u["aVF"], 0)
    # ECG convention: +90 (aVF) points to the feet, I to the patient's left
    assert np.allclose(u["aVF"], [0, -1]) and np.allclose(u["I"], [1, 0])


def test_chest_leads_turn_from_right_anterior_to_left():
    angles = [A.PRECORDIAL_LEAD_ANGLES[lead] for lead in LEADS[6:]]
    assert angles == sorted(angles, reverse=True)
    assert angles[0] > 90 and angles[-1] == 0


def test_lead_direction_refuses_a_chest_lead():
    with pytest.raises(ValueError, match="not a frontal"):
        A.lead_direction("V1")


# ----------------------------------------------------------------------------- intervals
@pytest.mark.parametrize("fs", [100, 360, 500])
def test_measure_intervals_finds_the_constructed_points(fs):
    m = A.measure_intervals(synthetic_beat(fs), fs)
    for key, true_s in TRUE_S.items():
        tol = 6 if key == "t_end" else 10     # ms; the tangent method is exact here
        assert abs(m[key] / fs - true_s) * 1000 <= tol + 1000 / fs, (key, m[key] / fs)
    true_ms = {"pr_ms": TRUE_S["qrs_onset"] - TRUE_S["p_onset"],
               "qrs_ms": TRUE_S["qrs_offset"] - TRUE_S["qrs_onset"],
               "qt_ms": TRUE_S["t_end"] - TRUE_S["qrs_onset"]}
    for key, true_s in true_ms.items():
        assert m[key] == pytest.approx(true_s * 1000, abs=10 + 1000 / fs), key
    assert m["r_peak"] == round(R_S * fs)
    assert m["p_peak"] == pytest.approx(WAVES["P"][0] * fs, abs=1)
    assert m["t_peak"] == pytest.approx(WAVES["T"][0] * fs, abs=1)
    assert m["baseline"] == pytest.approx(0.05, abs=0.01)


def test_measure_intervals_does_not_depend_on_polarity_or_offset():
    fs = 360
    up = A.measure_intervals(synthetic_beat(fs), fs)
    down = A.measure_intervals(-synthetic_beat(fs, baseline=-1.0), fs)
    for key in ("pr_ms", "qrs_ms", "qt_ms"):
        assert down[key] == pytest.approx(up[key], abs=1000 / fs)


@pytest.mark.parametrize("beat, fs, message", [
    (np.r_[synthetic_beat(360)[:100], np.nan, synthetic_beat(360)[101:]], 360, "NaN"),
    (synthetic_beat(360)[:150], 360, "too short"),
    (synthetic_beat(360)[60:], 360, "before and"),
    (synthetic_beat(360), 0, "positive"),
    (synthetic_beat(360), "360", "must be a number"),
    (synthetic_beat(360), 20, "too low"),
    (np.zeros((2, 360)), 360, "dimension"),
    (synthetic_beat(360) * 1000, 360, "microvolts"),
])
def test_measure_intervals_refuses_bad_input(beat, fs, message):
    with pytest.raises(ValueError, match=message):
        A.measure_intervals(beat, fs)


# ----------------------------------------------------------------------------- figures
def texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_conduction_path_labels_every_station():
    fig = A.plot_conduction_path()
    assert isinstance(fig, Figure)
    words = texts(fig)
    for station in ("SA node", "AV node", "His bundle", "bundle branches",
                    "Purkinje", "PR interval", "QRS"):
        assert station in words
    assert len(fig.axes[0].patches) >= 10     # chambers and arrows


def test_electrode_positions_follow_the_standard():
    fig = A.plot_electrode_positions()
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.texts]
    for e in ("RA", "LA", "RL", "LL", "V1", "V2", "V3", "V4", "V5", "V6"):
        assert names.count(e) == 1
    at = {t.get_text(): np.asarray(t.xy, dtype=float) for t in ax.texts
          if hasattr(t, "xy") and t.get_text() in names}
    assert at["V1"][1] == at["V2"][1] > at["V4"][1]             # 4th ICS above the 5th
    assert at["V1"][0] < 0 < at["V2"][0]                        # either side of the sternum
    assert np.allclose(at["V3"], (at["V2"] + at["V4"]) / 2)
    assert at["V4"][1] == at["V5"][1] == at["V6"][1]             # level with V4
    assert at["V4"][0] < at["V5"][0] < at["V6"][0]
    assert at["RA"][0] < 0 < at["LA"][0] and at["RL"][0] < 0 < at["LL"][0]


def test_lead_directions_draw_both_planes():
    fig = A.plot_lead_directions()
    assert len(fig.axes) == 2
    front, top = ([t.get_text().split("\n")[0] for t in ax.texts] for ax in fig.axes)
    assert set(LEADS[:6]) <= set(front) and set(LEADS[6:]) <= set(top)
    assert "aVF\n+90°" in [t.get_text() for t in fig.axes[0].texts]


def test_labelled_beat_marks_the_measured_intervals():
    fs = 360
    beat = synthetic_beat(fs)
    m = A.measure_intervals(beat, fs)
    fig = A.plot_labelled_beat(beat, fs, title="synthetic")
    words = texts(fig)
    for wave in "PQRST":
        assert wave in words.split()
    for key, name in [("pr_ms", "PR"), ("qrs_ms", "QRS"), ("qt_ms", "QT")]:
        assert f"{name} {m[key]:.0f} ms" in words
    assert fig.axes[0].get_title() == "synthetic"


def test_the_package_exports_the_figures():
    for name in ("plot_conduction_path", "plot_electrode_positions",
                 "plot_lead_directions", "plot_labelled_beat", "measure_intervals"):
        assert getattr(plot, name) is getattr(A, name)
