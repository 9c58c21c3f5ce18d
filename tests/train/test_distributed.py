"""Multi-process helpers outside a process group (the DDP run itself: test_loop.py)."""
import torch

from ecgkit.train import distributed


def test_dist_info_reads_the_torchrun_environment(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.delenv("RANK", raising=False)
    assert distributed.dist_info() == (False, 0, 1)
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "2")
    assert distributed.dist_info() == (True, 2, 4)


def test_sum_over_ranks_is_the_identity_in_one_process():
    assert distributed.sum_over_ranks(3.5, 7, torch.device("cpu")) == (3.5, 7)
