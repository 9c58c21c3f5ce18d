"""Datasets, loaders and random crops of the training engine."""
import numpy as np
import pytest
import torch
from torch.utils.data import Dataset, TensorDataset

from ecgkit import train
from ecgkit.train import batches


def _close(a, b, tol=1e-5):
    # torch.testing.assert_close is avoided: its first call imports torch._dynamo (slow)
    assert a.shape == b.shape and torch.allclose(a, b, rtol=tol, atol=tol), (a, b)


def test_random_crop_takes_a_contiguous_window_per_example():
    x = torch.arange(2 * 3 * 50, dtype=torch.float32).reshape(2, 3, 50)
    out = train.random_crop(x, 20, generator=torch.Generator().manual_seed(0))
    assert out.shape == (2, 3, 20)
    for i in range(2):
        start = int(out[i, 0, 0] - x[i, 0, 0])
        _close(out[i], x[i, :, start:start + 20])
    with pytest.raises(ValueError, match="window"):
        train.random_crop(x, 60)


def test_default_workers_only_for_datasets_that_do_work_per_example():
    """In-memory arrays never get worker processes (forking a CUDA process that runs
    threads risks deadlocks, and indexing a tensor is free); a Dataset of one's own
    gets a few on a GPU machine, none on CPU."""

    class Reading(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return torch.zeros(3), 0

    in_memory = TensorDataset(torch.zeros(4, 3), torch.zeros(4))
    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    assert batches.default_workers(cuda, 1, in_memory) == 0
    assert batches.default_workers(cpu, 1, Reading()) == 0
    assert batches.default_workers(cuda, 1, Reading()) >= 1


def test_as_dataset_casts_and_checks_arrays():
    X = np.zeros((4, 2, 5), np.float64)
    ds = batches.as_dataset((X, np.arange(4)), "train_data")
    x0, y0 = ds[0]
    assert x0.dtype == torch.float32 and y0.dtype == torch.int64
    assert batches.as_dataset(ds, "train_data") is ds
    with pytest.raises(ValueError, match="empty"):
        batches.as_dataset((X[:0], np.arange(0)), "val_data")
    with pytest.raises(ValueError, match="Dataset or an"):
        batches.as_dataset(X, "train_data")


def test_make_loaders_shuffle_with_their_own_generator():
    X, y = np.arange(20, dtype=np.float32)[:, None], np.arange(20)
    cpu = torch.device("cpu")
    train_loader, val_loader, gen = batches.make_loaders((X, y), (X, y), 5, seed=3, device=cpu)
    order = torch.cat([yb for _, yb in train_loader])
    assert sorted(order.tolist()) == list(range(20)) and order.tolist() != list(range(20))
    assert torch.cat([yb for _, yb in val_loader]).tolist() == list(range(20))  # in order
    assert train_loader.generator is gen and train_loader.num_workers == 0
    again, _, _ = batches.make_loaders((X, y), (X, y), 5, seed=3, device=cpu)
    assert torch.cat([yb for _, yb in again]).tolist() == order.tolist()
