"""Schematic figures of chapter 1: conduction system, electrodes, lead axes, labelled beat.

Everything is drawn with matplotlib (no image files). :func:`measure_intervals` measures
the PR, QRS and QT intervals of one beat with simple slope rules, and
:func:`plot_labelled_beat` draws them. Every plot function returns the
:class:`~matplotlib.figure.Figure`; none calls ``plt.show()`` or picks a backend.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Ellipse, FancyArrowPatch, PathPatch, Polygon
from matplotlib.path import Path as MplPath

from ecgkit.data.ptbxl import LEADS
from ecgkit.plot.paper import new_axes
from ecgkit.signal.checks import check_fs, check_signal

__all__ = ["FRONTAL_LEAD_ANGLES", "PRECORDIAL_LEAD_ANGLES", "lead_direction",
           "measure_intervals", "plot_conduction_path", "plot_electrode_positions",
           "plot_lead_directions", "plot_labelled_beat"]

# Frontal plane, hexaxial reference system. ECG convention: degrees from the patient's
# left (lead I), clockwise positive as the examiner faces the patient: +90 points to the feet.
FRONTAL_LEAD_ANGLES = {"I": 0, "II": 60, "III": 120, "aVR": -150, "aVL": -30, "aVF": 90}
# Horizontal plane, approximate directions of the chest leads (they depend on where the
# electrodes sit and where the heart lies): degrees from the patient's left, +90 = anterior.
PRECORDIAL_LEAD_ANGLES = {"V1": 115, "V2": 90, "V3": 70, "V4": 55, "V5": 30, "V6": 0}

ACTIVATION = "#c0392b"   # the conduction path
NOTE = "#34495e"         # labels


def lead_direction(lead: str) -> np.ndarray:
    """Unit vector ``(x, y)`` of a limb lead's positive pole in a plot frame where x points
    to the patient's left and y to the head (so +90 deg, aVF, is ``(0, -1)``).

    >>> lead_direction("aVF").round(6).tolist()
    [0.0, -1.0]
    """
    if lead not in FRONTAL_LEAD_ANGLES:
        raise ValueError(f"{lead!r} is not a frontal (limb) lead; use one of "
                         f"{list(FRONTAL_LEAD_ANGLES)}")
    a = np.deg2rad(FRONTAL_LEAD_ANGLES[lead])
    return np.array([np.cos(a), -np.sin(a)]) + 0.0


# --------------------------------------------------------------------------- intervals
def _slope(x: np.ndarray, fs: float) -> np.ndarray:
    """|dx/dt| in mV/s, smoothed over about 10 ms so that one noisy sample does not count."""
    d = np.abs(np.gradient(x)) * fs
    k = max(1, int(round(0.01 * fs)) | 1)
    return np.convolve(d, np.ones(k) / k, mode="same")


def _quiet(slope: np.ndarray, start: int, step: int, thr: float, run: int) -> int:
    """First index from ``start`` (walking by ``step``) that begins ``run`` quiet samples
    (slope below ``thr``); the last index reached if none."""
    i, n = start, len(slope)
    while 0 <= i + step * run < n:
        if (slope[i: i + step * run: step] < thr).all():
            return i
        i += step
    return int(np.clip(i, 0, n - 1))


def _bump(x: np.ndarray, lo: int, hi: int) -> int:
    """Index of the wave in ``x[lo:hi]``: the largest deviation from the straight line
    joining the window's ends (so a sloping baseline or a depressed ST does not win)."""
    seg = x[lo:hi]
    chord = np.linspace(seg[0], seg[-1], len(seg))
    return lo + int(np.argmax(np.abs(seg - chord)))


def _check_beat(beat, fs) -> tuple[np.ndarray, float, int]:
    fs = check_fs(fs, minimum=50)
    x = check_signal(beat, "beat", ndim=1, dtype=np.float64, max_abs=20)
    if len(x) < 0.6 * fs:
        raise ValueError(f"beat is too short: {len(x)} samples = {len(x) / fs * 1000:.0f} "
                         f"ms at {fs:g} Hz; a beat from P onset to T end needs >= 600 ms")
    r = int(np.argmax(np.abs(x - np.median(x))))
    before, after = r / fs, (len(x) - 1 - r) / fs
    if before < 0.2 or after < 0.4:
        raise ValueError(f"the R peak (sample {r}) leaves {before * 1000:.0f} ms before and "
                         f"{after * 1000:.0f} ms after it: cut the beat with >= 200 ms "
                         "before and >= 400 ms after the R peak")
    return x, fs, r


def measure_intervals(beat, fs) -> dict:
    """Measure the PR, QRS and QT intervals of one beat with simple slope rules.

    Rules (slope = |dx/dt| smoothed over 10 ms; "quiet" = slope under a threshold for
    at least 12 ms):

    - R peak: the largest deflection from the beat's median.
    - QRS onset / offset: walking away from R, the first quiet stretch, with the
      threshold at 5 % of the steepest QRS slope.
    - baseline: the median of the 20 ms before QRS onset (the PR segment).
    - P and T peaks: the largest deviation from the straight line joining the ends of
      their search windows (P: 300 to 40 ms before QRS onset; T: 80 ms after QRS
      offset to 600 ms after R).
    - P onset: the steepest slope before the P peak, then walking back to where the
      slope falls below 15 % of it.
    - T end (tangent method): the tangent at the steepest slope within 150 ms after the
      T peak crosses the baseline.

    Parameters
    ----------
    beat : (T,) one beat of one lead in mV, with at least 200 ms before the R peak
        (to hold the P wave) and 400 ms after it (to hold the T wave); a median beat
        works best (noise averaged out).
    fs : sampling rate in Hz (at least 50).

    Returns
    -------
    dict with ``pr_ms``, ``qrs_ms``, ``qt_ms`` (floats, milliseconds), the sample indices
    ``p_onset``, ``p_peak``, ``qrs_onset``, ``r_peak``, ``qrs_offset``, ``t_peak``,
    ``t_end`` (ints) and ``baseline`` (mV).

    Raises
    ------
    ValueError : NaN or inf in ``beat``, a beat shorter than 600 ms or without room for
        P and T around its R peak, or an invalid ``fs``.

    Example
    -------
    >>> m = measure_intervals(median_beat, fs=360)        # doctest: +SKIP
    >>> round(m["pr_ms"]), round(m["qrs_ms"]), round(m["qt_ms"])  # doctest: +SKIP
    (161, 86, 396)
    """
    x, fs, r = _check_beat(beat, fs)
    slope, run = _slope(x, fs), max(2, int(round(0.012 * fs)))
    near = slice(max(0, r - int(0.06 * fs)), r + int(0.06 * fs))
    thr = 0.05 * slope[near].max()
    on = _quiet(slope, r, -1, thr, run)
    off = _quiet(slope, r, 1, thr, run)
    base = float(np.median(x[max(0, on - int(0.02 * fs)): on + 1]))
    lo = max(0, on - int(0.3 * fs))
    p_peak = _bump(x, lo, on - int(0.04 * fs))
    steep = lo + int(np.argmax(slope[lo: p_peak + 1]))
    p_on = _quiet(slope, steep, -1, 0.15 * slope[steep], 1)
    t_lo, t_hi = off + int(0.08 * fs), min(len(x), r + int(0.6 * fs))
    t_peak = _bump(x, t_lo, t_hi)
    d = np.gradient(x)
    down = t_peak + int(np.argmax(slope[t_peak: min(len(x), t_peak + int(0.15 * fs))]))
    t_end = down + (base - x[down]) / d[down] if d[down] != 0 else down
    t_end = int(round(np.clip(t_end, down, len(x) - 1)))
    ms = 1000 / fs
    return {"pr_ms": (on - p_on) * ms, "qrs_ms": (off - on) * ms,
            "qt_ms": (t_end - on) * ms, "p_onset": int(p_on), "p_peak": int(p_peak),
            "qrs_onset": int(on), "r_peak": r, "qrs_offset": int(off),
            "t_peak": int(t_peak), "t_end": t_end, "baseline": base}


def _bracket(ax, x0: float, x1: float, y: float, tick: float, text: str) -> None:
    """A double arrow from x0 to x1 at height y with ``text`` above its middle (or to its
    right when the bracket is narrower than the text)."""
    ax.annotate("", xy=(x1, y), xytext=(x0, y),
                arrowprops={"arrowstyle": "<|-|>", "color": NOTE, "lw": 1.2,
                            "shrinkA": 0, "shrinkB": 0, "mutation_scale": 8})
    ax.plot([x0, x0, np.nan, x1, x1], [y - tick, y + tick, np.nan, y - tick, y + tick],
            color=NOTE, lw=1)
    narrow = x1 - x0 < 150
    ax.annotate(text, ((x1 if narrow else (x0 + x1) / 2), y),
                xytext=(6 if narrow else 0, 0 if narrow else 3), textcoords="offset points",
                ha="left" if narrow else "center", va="center" if narrow else "bottom",
                fontsize=9.5, color=NOTE)


def plot_labelled_beat(signal, fs, intervals: dict | None = None, ax=None,
                       title: str | None = None):
    """One real beat with its waves (P, Q, R, S, T) named and the PR, QRS and QT
    intervals marked as brackets with their value in ms.

    Parameters
    ----------
    signal : (T,) one beat in mV, cut as :func:`measure_intervals` needs (>= 200 ms
        before and >= 400 ms after the R peak); a median beat reads best.
    fs : sampling rate in Hz.
    intervals : the dict of :func:`measure_intervals`; measured here when None.
    ax : axes to draw into; a new figure when None.
    title : axes title.

    Returns
    -------
    matplotlib Figure. Time is in ms from the R peak, on a grid of 40 ms x 0.1 mV
    (the small squares of ECG paper).

    Example
    -------
    >>> fig = plot_labelled_beat(median_beat, fs=360)      # doctest: +SKIP
    """
    m = measure_intervals(signal, fs) if intervals is None else intervals
    x = check_signal(signal, "signal", ndim=1, dtype=np.float64)
    fs = check_fs(fs)
    fig, ax = new_axes(ax, (9.0, 4.6))
    t = (np.arange(len(x)) - m["r_peak"]) / fs * 1000
    y = x - m["baseline"]
    ax.plot(t, y, color="black", lw=1.6)
    ax.axhline(0, color="grey", lw=0.8, ls=":")
    top, bottom = y.max(), y.min()
    span = top - bottom
    on, off, r = m["qrs_onset"], m["qrs_offset"], m["r_peak"]
    q = on + int(np.argmin(y[on: r + 1]))
    s = r + int(np.argmin(y[r: off + 1]))
    waves = [("P", m["p_peak"], 1), ("R", r, 1), ("T", m["t_peak"], 1),
             ("Q", q, -1), ("S", s, -1)]
    for name, i, side in waves:
        ax.annotate(name, (t[i], y[i]), xytext=(0, 8 * side), textcoords="offset points",
                    ha="center", va="bottom" if side > 0 else "top", fontsize=12,
                    fontweight="bold", color=ACTIVATION)
    for key in ("p_onset", "qrs_onset", "qrs_offset", "t_end"):
        ax.axvline(t[m[key]], color="#2e86c1", lw=0.8, ls="--")
    levels = bottom - np.array([0.15, 0.32, 0.49]) * span
    tick = 0.04 * span
    _bracket(ax, t[m["p_onset"]], t[on], levels[0], tick, f"PR {m['pr_ms']:.0f} ms")
    _bracket(ax, t[on], t[off], levels[1], tick, f"QRS {m['qrs_ms']:.0f} ms")
    _bracket(ax, t[on], t[m["t_end"]], levels[2], tick, f"QT {m['qt_ms']:.0f} ms")
    ax.set_ylim(bottom - 0.62 * span, top + 0.18 * span)
    ax.set_xlim(t[0], t[-1])
    ax.set_xticks(np.arange(np.ceil(t[0] / 200) * 200, t[-1] + 1, 200))
    ax.set_xticks(np.arange(np.ceil(t[0] / 40) * 40, t[-1] + 1, 40), minor=True)
    ax.set_yticks(np.arange(np.floor(ax.get_ylim()[0] * 10) / 10, ax.get_ylim()[1], 0.1),
                  minor=True)
    ax.grid(which="minor", color="#f5b7b1", lw=0.4)
    ax.grid(which="major", color="#ec7063", lw=0.7)
    ax.set_xlabel("time from the R peak (ms)")
    ax.set_ylabel("mV (from the PR baseline)")
    ax.set_title(title or "One beat: waves, fiducial points (dashed) and intervals")
    return fig


# --------------------------------------------------------------------------- heart
def _smooth_patch(points, **kw) -> PathPatch:
    """A closed patch through ``points`` with rounded corners (quadratic Bezier curves
    between the midpoints of the polygon's sides)."""
    p = np.asarray(points, dtype=float)
    mids = (p + np.roll(p, -1, axis=0)) / 2
    verts, codes = [mids[-1]], [MplPath.MOVETO]
    for corner, mid in zip(p, mids):
        verts += [corner, mid]
        codes += [MplPath.CURVE3, MplPath.CURVE3]
    return PathPatch(MplPath(verts, codes), **kw)


def _draw_heart(ax) -> None:
    """Chambers of a schematic heart, front view (the patient's left on the right)."""
    ax.add_patch(Ellipse((-1.0, 1.35), 2.0, 1.5, fc="#fadbd8", ec="#922b21", lw=1.5))
    ax.add_patch(Ellipse((1.0, 1.5), 1.8, 1.2, fc="#fadbd8", ec="#922b21", lw=1.5))
    ax.add_patch(_smooth_patch([(-2.0, 0.75), (-0.4, 0.75), (0.6, 0.7), (2.2, 0.75),
                                (1.9, -1.5), (0.9, -2.9), (0.4, -2.4), (-1.9, -0.9)],
                               fc="#f1948a", ec="#922b21", lw=1.5))
    ax.add_patch(Polygon([(-0.05, 0.7), (0.35, 0.7), (0.95, -2.2), (0.6, -2.2)],
                         closed=True, fc="#cd6155", ec="none", alpha=0.6))
    ax.plot([-2.0, 2.2], [0.72, 0.72], color="#922b21", lw=1.5)
    for name, xy in [("right\natrium", (-1.2, 1.12)), ("left atrium", (1.35, 1.25)),
                     ("right\nventricle", (-0.9, -0.6)), ("left\nventricle", (1.4, -0.05)),
                     ("septum", (0.5, -1.0))]:
        ax.text(*xy, name, ha="center", va="center", fontsize=9, style="italic",
                color="#7b241c", rotation=-77 if name == "septum" else 0)


def _arrow(ax, a, b, lw: float = 2.2, rad: float = 0.0) -> None:
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=14, lw=lw,
                                 color=ACTIVATION, connectionstyle=f"arc3,rad={rad}",
                                 shrinkA=4, shrinkB=4, zorder=4))


def _node(ax, xy, label: str, text_xy, ha: str) -> None:
    """A labelled point of the conduction path (a dot where the label says "node")."""
    if "node" in label:
        ax.plot(*xy, "o", ms=10, color=ACTIVATION, mec="white", zorder=5)
    ax.annotate(label, xy, xytext=text_xy, ha=ha, va="center", fontsize=9, color=NOTE,
                arrowprops={"arrowstyle": "-", "color": "#aab7b8", "lw": 0.8})


def plot_conduction_path(ax=None):
    """A schematic heart (front view) with its conduction system and the order of
    activation: SA node -> atria -> AV node -> His bundle -> bundle branches ->
    Purkinje fibres, each labelled with its ECG wave and typical timing.

    Parameters
    ----------
    ax : axes to draw into; a new figure when None.

    Returns
    -------
    matplotlib Figure. Red arrows give the direction of activation. As on an ECG, the
    patient's left is on the right of the picture.

    Example
    -------
    >>> fig = plot_conduction_path()
    >>> fig.savefig("conduction.png")                      # doctest: +SKIP
    """
    fig, ax = new_axes(ax, (11.0, 6.2))
    _draw_heart(ax)
    sa, av, his = (-1.55, 1.85), (-0.15, 0.85), (0.15, 0.45)
    split, left_end, right_end = (0.3, -0.15), (1.2, -2.2), (0.1, -2.1)
    _arrow(ax, sa, (0.9, 1.75), rad=-0.25)                  # Bachmann's bundle to the LA
    _arrow(ax, sa, (-1.75, 1.0), rad=0.1)                   # down the right atrium
    _arrow(ax, sa, av, rad=0.15)
    _arrow(ax, av, his)
    _arrow(ax, his, split, lw=3)
    _arrow(ax, split, left_end, lw=2.5, rad=0.05)
    _arrow(ax, split, right_end, lw=2.5, rad=-0.05)
    for end, tips in [(left_end, [(1.75, -1.3), (1.9, -0.2), (1.3, -2.45)]),
                      (right_end, [(-1.2, -1.0), (-1.7, -0.2), (0.55, -2.35)])]:
        for tip in tips:
            _arrow(ax, end, tip, lw=1.0, rad=0.2)
    _node(ax, sa, "1  SA node (sinus node): the pacemaker,\n"
          "    60-100 beats/min; starts the P wave", (-6.4, 2.5), "left")
    _node(ax, (1.45, 1.45), "2  atria depolarise: P wave, < 120 ms", (3.1, 2.3), "left")
    _node(ax, av, "3  AV node: slow conduction, ~100 ms\n"
          "    (flat PR segment). SA node to\n    ventricles: PR interval, 120-200 ms",
          (-6.4, 0.6), "left")
    _node(ax, his, "4  His bundle", (3.1, 0.9), "left")
    _node(ax, (0.75, -1.2), "5  left and right bundle branches", (3.1, -0.4), "left")
    _node(ax, (1.75, -1.3), "6  Purkinje fibres: the ventricles\n"
          "    depolarise, QRS < 120 ms", (3.1, -1.6), "left")
    ax.text(-0.5, -3.35, "Then the ventricles repolarise: ST segment and T wave "
            "(QRS onset to T end: QT interval, about 350-450 ms).", fontsize=9,
            color=NOTE, ha="center", va="center")
    ax.set_xlim(-6.5, 6.6)
    ax.set_ylim(-3.5, 2.9)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("The conduction system: where each beat starts and how it spreads\n"
                 "(front view: the patient's left is on the right)", fontsize=11)
    return fig


# --------------------------------------------------------------------------- electrodes
# Landmarks of the torso drawing (x: to the patient's left, y: up; the sternum at x = 0).
_RIB_Y0, _RIB_STEP = 2.2, 0.42        # rib k crosses the sternum at y0 - k * step
_STERNUM, _MCL, _AAL, _MAL = 0.22, 0.95, 1.45, 1.88


def _ics(k: int) -> float:
    """Height of the k-th intercostal space (below rib k) at the sternum."""
    return _RIB_Y0 - (k + 0.5) * _RIB_STEP


def _draw_torso(ax) -> None:
    """Outline of a torso with arms and legs, clavicles, ribs 1-7 and the sternum."""
    half = [(0.45, 3.55), (0.45, 3.1), (2.0, 2.85), (2.55, 2.3), (3.0, 0.0),
            (3.3, -1.5), (2.8, -1.6), (2.45, 0.0), (2.05, 1.2), (1.9, -0.9),
            (2.1, -2.2), (1.7, -4.2), (0.7, -4.2), (0.35, -2.6)]
    body = [(-x, y) for x, y in half] + [(x, y) for x, y in half[::-1]]
    ax.add_patch(_smooth_patch(body, fc="#fdf2e9", ec="#7e5109", lw=1.4))
    ax.add_patch(Ellipse((0, 4.15), 1.3, 1.45, fc="#fdf2e9", ec="#7e5109", lw=1.4))
    for side in (-1, 1):
        ax.plot([side * 0.2, side * 1.9], [2.55, 2.75], color="#a04000", lw=2.5)
        for k in range(1, 8):
            y = _RIB_Y0 - k * _RIB_STEP
            xs = np.linspace(_STERNUM, 1.85 if y > 1.2 else 1.75, 30)
            ax.plot(side * xs, y - 0.1 * (xs - _STERNUM) ** 2,
                    color="#d5dbdb", lw=1.2, zorder=1)
    ax.add_patch(Polygon([(-_STERNUM, 2.5), (_STERNUM, 2.5), (0.15, -0.8), (-0.15, -0.8)],
                         fc="#e5e8e8", ec="#a6acaf", zorder=1))


def plot_electrode_positions(ax=None):
    """The 10 electrodes of a standard 12-lead ECG on a schematic torso (front view).

    RA, LA, RL and LL sit on the limbs (wrists and ankles; RL is the ground); the chest
    electrodes: V1 in the 4th intercostal space (ICS) at the right sternal border, V2
    at the left sternal border, V4 in the 5th ICS on the mid-clavicular line, V3 half-way
    between V2 and V4, V5 on the anterior axillary line and V6 on the mid-axillary line,
    both level with V4.

    Parameters
    ----------
    ax : axes to draw into; a new figure when None.

    Returns
    -------
    matplotlib Figure. The patient faces you: their left is on the right.

    Example
    -------
    >>> fig = plot_electrode_positions()
    >>> fig.savefig("electrodes.png")                      # doctest: +SKIP
    """
    fig, ax = new_axes(ax, (8.0, 8.0))
    _draw_torso(ax)
    v2, v4 = (_STERNUM, _ics(4)), (_MCL, _ics(5))
    chest = {"V1": (-_STERNUM, _ics(4)), "V2": v2, "V3": ((v2[0] + v4[0]) / 2,
             (v2[1] + v4[1]) / 2), "V4": v4, "V5": (_AAL, v4[1]), "V6": (_MAL, v4[1])}
    limbs = {"RA": (-3.0, -1.25), "LA": (3.0, -1.25), "RL": (-1.2, -3.8),
             "LL": (1.2, -3.8)}
    for x, name in [(_MCL, "mid-clavicular"), (_AAL, "anterior axillary"),
                    (_MAL, "mid-axillary")]:
        ax.plot([x, x], [-0.9, 2.4], color="#5d6d7e", lw=0.8, ls="--", zorder=2)
        ax.text(x, -0.95, f"{name} line", ha="center", va="top", fontsize=7.5,
                color="#5d6d7e", rotation=90)
    for k in (4, 5):
        ax.text(-0.5, _ics(k), f"{k}th intercostal space", ha="right", va="center",
                fontsize=8, color="#5d6d7e", zorder=3,
                bbox={"fc": "#fdf2e9", "ec": "none", "pad": 0.5})
    for name, xy in {**chest, **limbs}.items():
        limb = name in limbs
        ax.plot(*xy, "o", ms=11, color="#e67e22" if limb else "#2874a6", mec="black",
                zorder=5)
        ax.annotate(name, xy, xytext=(0, -10 if limb else 8), textcoords="offset points",
                    ha="center", va="top" if limb else "bottom", fontsize=9.5,
                    fontweight="bold", zorder=6)
    ax.text(0, -4.75, "orange: limb electrodes (RL is the ground); blue: chest electrodes",
            ha="center", fontsize=9, color=NOTE)
    ax.set_xlim(-4.3, 3.6)
    ax.set_ylim(-5.0, 5.0)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("The 10 electrodes of the 12-lead ECG (front view: the patient's left "
                 "is on the right)", fontsize=11)
    return fig


# --------------------------------------------------------------------------- lead axes
def _hexaxial(ax) -> None:
    """Frontal plane: the six limb leads as arrows from the centre, ECG angle convention."""
    ax.add_patch(Ellipse((0, 0), 2.0, 2.0, fill=False, ec="#d5dbdb", lw=1))
    for deg in sorted(set(range(-180, 180, 30)) - set(FRONTAL_LEAD_ANGLES.values())):
        a = np.deg2rad(deg)
        ax.text(1.12 * np.cos(a), -1.12 * np.sin(a), f"{deg:+d}°",
                ha="center", va="center", fontsize=7.5, color="#839192")
    frontal = [lead for lead in LEADS if lead in FRONTAL_LEAD_ANGLES]
    for i, lead in enumerate(frontal):
        u = lead_direction(lead)
        color = plt.cm.tab10(i)
        ax.plot([-u[0], 0], [-u[1], 0], color=color, lw=1, ls=":")
        ax.annotate("", 0.95 * u, xytext=(0, 0),
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": 2,
                                "mutation_scale": 14})
        deg = FRONTAL_LEAD_ANGLES[lead]
        ax.text(*(1.3 * u), f"{lead}\n{deg:+d}°" if deg else f"{lead}\n0°", ha="center",
                va="center", fontsize=10, fontweight="bold", color=color)
    for text, xy in [("head", (0, 1.62)), ("feet", (0, -1.62)),
                     ("patient's\nright", (-1.72, 0.25)), ("patient's\nleft", (1.72, 0.25))]:
        ax.text(*xy, text, ha="center", va="center", fontsize=8.5, style="italic",
                color=NOTE)
    ax.set_title("Frontal plane: the limb leads (hexaxial system)\n"
                 "angles clockwise from lead I; +90° points to the feet", fontsize=10)


def _horizontal(ax) -> None:
    """Horizontal plane seen from the feet: chest outline, heart, the six chest leads."""
    ax.add_patch(Ellipse((0, 0), 3.0, 2.0, fc="#fdf2e9", ec="#7e5109", lw=1.4))
    ax.add_patch(Ellipse((0, -0.8), 0.35, 0.3, fc="#d5dbdb", ec="#7f8c8d"))
    centre = np.array([0.1, 0.1])
    ax.add_patch(Ellipse(centre, 0.8, 0.6, angle=-30, fc="#f1948a", ec="#922b21"))
    for i, (lead, deg) in enumerate(PRECORDIAL_LEAD_ANGLES.items()):
        u = np.array([np.cos(np.deg2rad(deg)), np.sin(np.deg2rad(deg))])
        # where the ray from the heart leaves the chest (the ellipse x²/1.5² + y² = 1)
        a, b = (u[0] / 1.5) ** 2 + u[1] ** 2, 2 * (centre[0] * u[0] / 2.25 + centre[1] * u[1])
        c = centre[0] ** 2 / 2.25 + centre[1] ** 2 - 1
        tip = centre + u * (-b + np.sqrt(b * b - 4 * a * c)) / (2 * a)
        color = plt.cm.tab10(i + 6 if i < 4 else i - 4)
        ax.annotate("", tip, xytext=centre, arrowprops={"arrowstyle": "-|>", "lw": 2,
                                                        "color": color, "mutation_scale": 14})
        ax.plot(*tip, "o", ms=8, color="#2874a6", mec="black", zorder=5)
        ax.text(*(tip + 0.28 * u), lead, ha="center", va="center", fontsize=10,
                fontweight="bold", color=color)
    for text, xy in [("anterior", (0, 1.45)), ("posterior (spine)", (0, -1.3)),
                     ("patient's\nright", (-1.95, -0.5)), ("patient's\nleft", (1.95, -0.5))]:
        ax.text(*xy, text, ha="center", va="center", fontsize=8.5, style="italic",
                color=NOTE)
    ax.set_title("Horizontal plane, seen from the feet: the chest leads\n"
                 "from the right-anterior (V1) to the left-lateral (V6) chest", fontsize=10)


def plot_lead_directions():
    """The directions the 12 leads look from: the six limb leads in the frontal plane
    (hexaxial reference system) and the six chest leads in the horizontal plane.

    A wave travelling towards the arrow of a lead is drawn upwards in that lead. The
    angles come from :data:`FRONTAL_LEAD_ANGLES` (exact in Einthoven's model) and
    :data:`PRECORDIAL_LEAD_ANGLES` (approximate).

    Returns
    -------
    matplotlib Figure with two axes (frontal, horizontal).

    Example
    -------
    >>> fig = plot_lead_directions()
    >>> len(fig.axes)
    2
    """
    fig, (front, top) = plt.subplots(1, 2, figsize=(12.0, 5.6))
    _hexaxial(front)
    _horizontal(top)
    for ax, lim in [(front, (-2.1, 2.1, -1.85, 1.85)), (top, (-2.3, 2.3, -1.55, 1.75))]:
        ax.set_xlim(*lim[:2])
        ax.set_ylim(*lim[2:])
        ax.set_aspect("equal")
        ax.axis("off")
    fig.tight_layout()
    return fig
