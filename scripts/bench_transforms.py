"""Throughput of the signal-to-image and spectrum transforms of ecgkit.transforms.

    python scripts/bench_transforms.py [--repeats 3] [--pyts] [--out results.json]

Input: Lead II of every PTB-XL record present at 100 Hz (the sample: 500 records of
10 s), band-passed 0.5-40 Hz. Each transform runs ``--repeats`` times on that batch; the
best time gives signals per second, and the time for Lead II of all 21,837 PTB-XL records
is extrapolated from it. The relative position matrix (RPM), the transform of document
000, is also timed on a batch of 21,837 signals (the sample tiled) to check the
extrapolation; the target is 5,000 RPM images (64 x 64) per second on 2 cores.

``--pyts`` also times pyts' versions of the recurrence plot, GAF and MTF (and its
import, which compiles numba code in every new process).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

N_PTBXL = 21_837
FS = 100
RPM_TARGET = 5_000  # images per second


def lead_ii_sample() -> np.ndarray:
    """Lead II of the PTB-XL records present on disk, band-passed: float32 (N, 1000)."""
    from ecgkit import data, signal

    db = data.load_ptbxl_metadata()
    ids = data.available_ptbxl_records(db, FS)
    X = data.load_ptbxl_signals(ids, FS, db=db, progress=False)[:, data.LEADS.index("II")]
    return signal.bandpass(X, FS).astype(np.float32)


def cases(fs: int = FS) -> dict:
    """name -> (callable on a batch, output description)."""
    from ecgkit import transforms as tr

    return {
        "rpm 64x64": (lambda X: tr.relative_position_matrix(X, 64), "(N, 64, 64)"),
        "recurrence 64x64": (lambda X: tr.recurrence_plot(X, 64), "(N, 64, 64)"),
        "gasf 64x64": (lambda X: tr.gramian_angular_field(X, 64, "summation"), "(N, 64, 64)"),
        "gadf 64x64": (lambda X: tr.gramian_angular_field(X, 64, "difference"), "(N, 64, 64)"),
        "mtf 64x64 (8 bins)": (lambda X: tr.markov_transition_field(X, 64), "(N, 64, 64)"),
        "scalogram 32x64 (CWT)": (lambda X: tr.scalogram(X, fs), "(N, 32, 64)"),
        "fft features (0-40 Hz)": (lambda X: tr.fft_features(X, fs), "(N, 401)"),
    }


def pyts_cases() -> tuple[dict, float]:
    t0 = time.perf_counter()
    from pyts.image import GramianAngularField, MarkovTransitionField, RecurrencePlot
    from pyts.approximation import PiecewiseAggregateApproximation

    import_s = time.perf_counter() - t0
    paa = PiecewiseAggregateApproximation(window_size=None, output_size=64, overlapping=False)
    return {
        "recurrence 64x64": lambda X: RecurrencePlot().fit_transform(paa.fit_transform(X)),
        "gasf 64x64": lambda X: GramianAngularField(image_size=64).fit_transform(X),
        "gadf 64x64": lambda X: GramianAngularField(image_size=64,
                                                    method="difference").fit_transform(X),
        "mtf 64x64 (8 bins)": lambda X: MarkovTransitionField(image_size=64).fit_transform(X),
    }, import_s


def best_time(fn, X, repeats: int) -> float:
    fn(X[:8])  # warm-up: first-call costs (imports, numba) are not throughput
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(X)
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--pyts", action="store_true", help="also time pyts (slow import)")
    p.add_argument("--out", default=None, help="write the results as JSON here")
    args = p.parse_args(argv)

    X = lead_ii_sample()
    print(f"input: Lead II of {len(X)} PTB-XL records, {X.shape[1]} samples at {FS} Hz, "
          f"band-passed; {os.cpu_count()} CPU cores; best of {args.repeats}")
    rows = []
    for name, (fn, shape) in cases().items():
        t = best_time(fn, X, args.repeats)
        rows.append({"transform": name, "implementation": "ecgkit (numpy)", "output": shape,
                     "signals_per_s": len(X) / t,
                     "all_ptbxl_lead_ii_s": N_PTBXL / (len(X) / t)})
    big = np.tile(X, (int(np.ceil(N_PTBXL / len(X))), 1))[:N_PTBXL]
    t0 = time.perf_counter()
    cases()["rpm 64x64"][0](big)
    t_big = time.perf_counter() - t0
    rows.append({"transform": "rpm 64x64, 21,837 signals in one call",
                 "implementation": "ecgkit (numpy)", "output": "(21837, 64, 64)",
                 "signals_per_s": N_PTBXL / t_big, "all_ptbxl_lead_ii_s": t_big})
    pyts_import = None
    if args.pyts:
        pcases, pyts_import = pyts_cases()
        for name, fn in pcases.items():
            t = best_time(fn, X, args.repeats)
            rows.append({"transform": name, "implementation": "pyts", "output": "(N, 64, 64)",
                         "signals_per_s": len(X) / t,
                         "all_ptbxl_lead_ii_s": N_PTBXL / (len(X) / t)})

    print(f"\n{'transform':40s} {'implementation':16s} {'output':16s} {'signals/s':>11s} "
          f"{'21,837 x Lead II':>17s}")
    for r in rows:
        print(f"{r['transform']:40s} {r['implementation']:16s} {r['output']:16s} "
              f"{r['signals_per_s']:11,.0f} {r['all_ptbxl_lead_ii_s']:15.1f} s")
    if pyts_import is not None:
        print(f"\npyts import (numba compilation, once per process): {pyts_import:.1f} s")
    rpm_rate = next(r["signals_per_s"] for r in rows if r["transform"].startswith("rpm 64x64, "))
    verdict = "meets" if rpm_rate >= RPM_TARGET else "MISSES"
    print(f"RPM 64x64 on all 21,837 records: {rpm_rate:,.0f} images/s, {verdict} the target "
          f"of {RPM_TARGET:,}/s")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"rows": rows, "pyts_import_s": pyts_import, "n_sample": len(X),
                       "cpu_count": os.cpu_count(), "python": platform.python_version(),
                       "numpy": np.__version__, "rpm_target_per_s": RPM_TARGET}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
