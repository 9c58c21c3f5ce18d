"""Speed of the 1D models on this machine: training and inference samples per second.

    python scripts/bench_models.py [--batch 64] [--length 1000] [--iters 5] [--device cpu]

Input: random batches of 12-lead signals ``(batch, 12, length)`` (speed does not depend
on the values). Training step = forward + BCE loss + backward + AdamW step; inference =
forward in eval mode without gradients. Prints parameters and samples/s per model.
"""
from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from ecgkit import config
from ecgkit.models import MODELS, get_model
from ecgkit.train import count_parameters


def _logits(out):
    return out[0] if isinstance(out, (tuple, list)) else out


def _rate(step, batch: int, warmup: int, iters: int, device) -> float:
    for _ in range(warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(iters):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return batch * iters / (time.perf_counter() - t0)


def bench(name: str, batch: int, length: int, iters: int, warmup: int, device) -> dict:
    torch.manual_seed(0)
    model = get_model(name, n_classes=5).to(device)
    x = torch.randn(batch, 12, length, device=device)
    y = (torch.rand(batch, 5, device=device) < 0.3).float()
    loss_fn = nn.BCEWithLogitsLoss()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss_fn(_logits(model(x)), y).backward()
        opt.step()

    @torch.no_grad()
    def infer_step():
        model(x)

    model.train()
    train_rate = _rate(train_step, batch, warmup, iters, device)
    model.eval()
    infer_rate = _rate(infer_step, batch, warmup, iters, device)
    return {"model": name, "parameters": count_parameters(model),
            "train_samples_per_s": train_rate, "inference_samples_per_s": infer_rate}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--length", type=int, default=1000)
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--device", default=None)
    p.add_argument("--models", nargs="*", default=sorted(MODELS))
    args = p.parse_args(argv)
    device = config.get_device(args.device)
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"batch {args.batch} x 12 x {args.length}, {args.iters} timed iterations")
    print(f"{'model':16s} {'parameters':>11s} {'train samples/s':>16s} {'infer samples/s':>16s}")
    for name in args.models:
        r = bench(name, args.batch, args.length, args.iters, args.warmup, device)
        print(f"{name:16s} {r['parameters']:11,d} {r['train_samples_per_s']:16.1f} "
              f"{r['inference_samples_per_s']:16.1f}", flush=True)


if __name__ == "__main__":
    main()
