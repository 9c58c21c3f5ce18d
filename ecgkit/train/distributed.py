"""Several processes (``torchrun --nproc_per_node K``): process group, DDP, gathering results.

Validation predictions of all ranks are gathered in order, so that every rank computes
the same metrics and takes the same early-stopping decisions.
"""
from __future__ import annotations

import os

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

__all__ = ["dist_info", "start_process_group", "wrap_ddp", "gather_in_order",
           "gather_objects", "sum_over_ranks", "barrier"]


def dist_info() -> tuple[bool, int, int]:
    """``(distributed?, rank, world size)`` from the torchrun environment variables."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    return world > 1, int(os.environ.get("RANK", "0")), world


def start_process_group(device=None):
    """Join the process group (NCCL on CUDA, else gloo) and pick this rank's device.

    Parameters
    ----------
    device : torch device or str, optional
        The device asked for; on a CUDA machine it is replaced by ``cuda:LOCAL_RANK``.

    Returns
    -------
    The device this process trains on (``device`` unchanged without CUDA).
    """
    if not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    if torch.cuda.is_available():
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
    return device


def wrap_ddp(model: nn.Module, device: torch.device) -> DistributedDataParallel:
    """``model`` in ``DistributedDataParallel`` (gradients averaged over the ranks)."""
    return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda"
                                   else None)


def gather_in_order(t: torch.Tensor, n: int) -> torch.Tensor:
    """All ranks' rows of ``t`` in the original order of the ``n`` examples.

    Undoes ``DistributedSampler(shuffle=False)`` sharding, where rank ``r`` of ``W`` holds
    examples ``r, r + W, r + 2W, ...`` (padded by repeats to equal shares).

    Parameters
    ----------
    t : tensor ``(n_r, ...)``
        This rank's share.
    n : int
        Number of examples in the whole data set; the padding beyond it is dropped.

    Returns
    -------
    tensor ``(n, ...)``
    """
    world = dist.get_world_size()
    parts = [torch.empty_like(t) for _ in range(world)]
    dist.all_gather(parts, t.contiguous())
    return torch.stack(parts, dim=1).reshape(-1, *t.shape[1:])[:n]


def gather_objects(obj) -> list:
    """One picklable ``obj`` per rank, as a list indexed by rank."""
    objects = [None] * dist.get_world_size()
    dist.all_gather_object(objects, obj)
    return objects


def sum_over_ranks(total: float, count: int, device: torch.device) -> tuple[float, int]:
    """``(total, count)`` summed over all ranks; unchanged without a process group."""
    if dist.is_available() and dist.is_initialized():
        t = torch.tensor([total, count], dtype=torch.float64, device=device)
        dist.all_reduce(t)
        total, count = t[0].item(), int(t[1].item())
    return total, count


def barrier() -> None:
    """Wait until every rank gets here (e.g. no rank reads a half-written checkpoint)."""
    dist.barrier()
