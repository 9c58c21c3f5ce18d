"""Speed of the 12-lead signal models on this machine: training and inference samples/s.

    python scripts/bench_models.py [--batch 64] [--length 1000] [--iters 5] [--device cpu] [--amp]

Input: random batches of 12-lead signals ``(batch, 12, length)``; see
:func:`ecgkit.experiments.ptbxl.model_throughput`. Image, spectrum and beat models have
their own benchmarks (scripts/bench_transforms.py, scripts/bench_mitbih.py). Torch uses
``$OMP_NUM_THREADS`` threads (the Makefile sets 1; on 2 cores that was fastest).
"""
from __future__ import annotations

import argparse

import torch

from ecgkit.experiments.ptbxl import SIGNAL_MODELS, model_throughput


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--length", type=int, default=1000)
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--device", default=None)
    p.add_argument("--amp", action="store_true", help="mixed precision (CUDA only)")
    p.add_argument("--models", nargs="*", default=list(SIGNAL_MODELS), choices=list(SIGNAL_MODELS))
    args = p.parse_args(argv)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch} x 12 x "
          f"{args.length}, {args.iters} timed iterations")
    print(f"{'model':16s} {'parameters':>11s} {'train samples/s':>16s} {'infer samples/s':>16s}  device")
    for name in args.models:
        r = model_throughput(name, args.batch, args.length, args.iters, args.warmup, args.device,
                             args.amp)
        print(f"{name:16s} {r['parameters']:11,d} {r['train_samples_per_s']:16.1f} "
              f"{r['inference_samples_per_s']:16.1f}  {r['device']}{' (AMP)' if r['amp'] else ''}",
              flush=True)


if __name__ == "__main__":
    main()
