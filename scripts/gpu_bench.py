"""GPU benchmark of every model of the course: one JSON per run for chapter 4.

    python scripts/gpu_bench.py                       # on CUDA: all models (make gpu-bench)
    python scripts/gpu_bench.py --models cnn1d resnet1d_wang --epochs 5
    python scripts/gpu_bench.py --no-train            # throughput only (a minute)
    python scripts/gpu_bench.py --device cpu --tiny --out-dir /tmp/x   # tries it on a CPU

Refuses to run without a CUDA GPU unless ``--device`` names another device. A CUDA run
writes ``ecgkit/experiments/gpu_results/<date>_<time>_<device>.json`` (commit it: chapter 4
shows it); a ``--tiny`` run or one on another device writes into ``bench-results/gpu/``
(not committed) unless ``--out-dir`` says otherwise. What it measures is described in
:mod:`ecgkit.experiments.gpu_bench`. ``--tiny`` is the smoke profile with batches of 4: it
checks the code in seconds, its figures mean nothing.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from ecgkit.config import PROFILES
from ecgkit.experiments.gpu_bench import (BENCH_MODELS, RESULTS_DIR, BenchSettings,
                                          bench_device, run_gpu_bench, write_result)


ROOT = Path(__file__).resolve().parents[1]
SCRATCH = ROOT / "bench-results" / "gpu"   # gitignored


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default=None, help="default cuda; cpu or mps to try it")
    p.add_argument("--tiny", action="store_true",
                   help="smoke profile, batch 4, one iteration: a code check, not a figure")
    p.add_argument("--models", nargs="*", default=list(BENCH_MODELS),
                   choices=list(BENCH_MODELS))
    p.add_argument("--profile", choices=list(PROFILES), default=None,
                   help="data and MIT-BIH recipe of the short runs (default full; tiny: smoke)")
    p.add_argument("--epochs", type=int, default=None,
                   help="epochs of each short training run (default 3; tiny: 1)")
    p.add_argument("--batch", type=int, default=None, help="throughput batch (default 128)")
    p.add_argument("--iters", type=int, default=None, help="timed iterations (default 20)")
    p.add_argument("--no-train", action="store_true", help="throughput only, no training run")
    p.add_argument("--out-dir", default=None,
                   help="where the JSON goes (default: ecgkit/experiments/gpu_results for a "
                        "CUDA run, bench-results/gpu for a tiny or non-CUDA one)")
    return p.parse_args(argv)


def settings_of(args: argparse.Namespace) -> BenchSettings:
    """The :class:`BenchSettings` the options ask for."""
    changes = {k: v for k, v in (("profile", args.profile), ("epochs", args.epochs),
                                 ("batch", args.batch), ("iters", args.iters))
               if v is not None}
    if args.no_train:
        changes["train"] = False
    return BenchSettings.tiny(**changes) if args.tiny else BenchSettings(**changes)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        device = bench_device(args.device)
    except RuntimeError as err:
        print(f"gpu_bench: {err}", file=sys.stderr)
        return 2
    settings = settings_of(args)
    print(f"torch {torch.__version__} (CUDA {torch.version.cuda}), device {device}, "
          f"{settings}", flush=True)
    result = run_gpu_bench(args.models, device, settings,
                           log=lambda line: print(line, flush=True))
    out_dir = args.out_dir or (RESULTS_DIR if device.type == "cuda" and not args.tiny
                               else SCRATCH)
    path = write_result(result, out_dir)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
