"""Data-loading figures: first load (reads every WFDB record) vs cached load (memory map).

    ECGKIT_DATA=../shared/data python scripts/bench_data.py

Uses a fresh temporary cache folder so the first load really reads the records.
"""
import os
import tempfile
import time

os.environ["ECGKIT_CACHE"] = tempfile.mkdtemp(prefix="ecgkit-bench-")

import numpy as np  # noqa: E402

from ecgkit import data  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main():
    db, t_meta = timed(data.load_ptbxl_metadata)
    ids = data.available_ptbxl_records(db)
    print(f"PTB-XL metadata ({len(db):,} rows) read in {t_meta:.2f} s; {len(ids)} records at 100 Hz")
    first, t_first = timed(lambda: data.load_ptbxl_signals(ids, db=db, progress=False))
    cached, t_cached = timed(lambda: data.load_ptbxl_signals(ids, db=db))
    assert np.array_equal(first, cached)
    size = sum(f.stat().st_size for f in data.cache_dir().glob("*.npy")) / 2**20
    print(f"first load (WFDB -> cache): {t_first:6.2f} s  ({len(ids) / t_first:8.0f} records/s)")
    print(f"cached load (memory map):   {t_cached:6.3f} s  ({len(ids) / t_cached:8.0f} records/s)")
    print(f"speed-up {t_first / t_cached:.0f}x; cache file {size:.1f} MiB")
    full = 21837
    print(f"extrapolated to all {full:,} PTB-XL records: first load ~{t_first / len(ids) * full / 60:.1f} min, "
          f"cache {size / len(ids) * full / 1024:.2f} GiB")
    _, t_task = timed(lambda: data.load_ptbxl_task(verbose=False))
    print(f"load_ptbxl_task('superdiagnostic') with a warm cache: {t_task:.2f} s (metadata + labels + arrays)")
    rec, t_mit = timed(lambda: data.load_mitbih_record("100"))
    print(f"MIT-BIH record 100 ({rec.signal.shape[0]:,} x {rec.signal.shape[1]} samples + annotations): {t_mit:.2f} s")


if __name__ == "__main__":
    main()
