"""The training loop: fit (determinism, resume, schedulers, DDP), FitConfig, one epoch.

Engine mechanics are checked on small random tensors (maths of the engine, not data).
"""
import os

import numpy as np
import pytest
import torch
from torch import nn

from ecgkit import metrics, train
from ecgkit.train import loop
from train_toys import Tiny, toy_data


def _fit(model, epochs=3, **kw):
    X, y = toy_data()
    Xv, yv = toy_data(24, seed=1)
    defaults = dict(loss_fn=nn.BCEWithLogitsLoss(), metric_fn=metrics.macro_auroc,
                    monitor="macro_auroc", epochs=epochs, batch_size=16, progress=False,
                    verbose=False, device="cpu", transform=train.RandomCrop(100),
                    val_window=(100, 10), scheduler="plateau", seed=0)
    defaults.update(kw)
    return train.fit(model, (X, y), (Xv, yv), **defaults)


def _without_timing(records):
    return [{k: v for k, v in r.items() if k not in ("time_s", "train_samples_per_s")}
            for r in records]


def _same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


# ------------------------------------------------------------------ fit
def test_fit_is_deterministic_on_cpu_and_restores_best_weights():
    torch.manual_seed(0)
    a = Tiny()
    ha = _fit(a)
    torch.manual_seed(0)
    b = Tiny()
    hb = _fit(b)
    assert _without_timing(ha.records) == _without_timing(hb.records)
    assert _same_weights(a, b)
    assert ha.columns[:4] == ["epoch", "loss", "val_loss", "val_macro_auroc"]
    assert ha.best_epoch == int(np.argmax(ha["val_macro_auroc"])) + 1
    assert all(torch.equal(v, a.state_dict()[k]) for k, v in ha.best_state.items())
    assert list(ha.to_frame().index) == [1, 2, 3]


def test_resume_after_interruption_gives_the_same_run(tmp_path):
    torch.manual_seed(0)
    ref = Tiny()
    h_ref = _fit(ref, checkpoint_dir=tmp_path / "ref")
    # interrupted after epoch 1 (by returning), resumed to the end
    torch.manual_seed(0)
    part = Tiny()
    h1 = _fit(part, checkpoint_dir=tmp_path / "a", max_epochs_this_call=1)
    assert len(h1) == 1 and (tmp_path / "a" / train.CHECKPOINT_NAME).is_file()
    torch.manual_seed(123)                      # a fresh process would start elsewhere
    resumed = Tiny()
    h2 = _fit(resumed, checkpoint_dir=tmp_path / "a", resume=True)
    assert _without_timing(h2.records) == _without_timing(h_ref.records)
    assert _same_weights(resumed, ref)
    # interrupted by an exception after epoch 2, resumed
    def crash(record, model):
        if record["epoch"] == 2:
            raise KeyboardInterrupt

    torch.manual_seed(0)
    with pytest.raises(KeyboardInterrupt):
        _fit(Tiny(), checkpoint_dir=tmp_path / "b", callbacks=[crash])
    resumed_b = Tiny()
    h3 = _fit(resumed_b, checkpoint_dir=tmp_path / "b", resume=True)
    assert _without_timing(h3.records) == _without_timing(h_ref.records)
    assert _same_weights(resumed_b, ref)
    assert not list((tmp_path / "b").glob("*.tmp"))   # atomic writes leave no temp file


def test_onecycle_and_early_stopping():
    torch.manual_seed(0)
    h = _fit(Tiny(), epochs=6, lr=0.0, patience=1, monitor="val_loss", scheduler=None)
    assert h.stopped_early and len(h) == 2      # nothing can improve with lr = 0
    h = _fit(Tiny(), epochs=2, lr=1e-2, scheduler="onecycle", patience=None)
    assert len(h) == 2 and h["lr"][-1] < 1e-3   # annealed at the end of the cycle


def test_single_label_cross_entropy_with_sampler():
    X, y = toy_data(60)
    labels = y.argmax(1).astype(np.int64)
    Xv, yv = toy_data(30, seed=1)
    torch.manual_seed(0)
    h = train.fit(Tiny(), (X, labels), (Xv, yv.argmax(1).astype(np.int64)),
                  loss_fn=nn.CrossEntropyLoss(weight=train.class_weights(labels)),
                  metric_fn=metrics.macro_auroc, monitor="macro_auroc", epochs=2,
                  batch_size=16, sampler=train.make_weighted_sampler(labels),
                  progress=False, verbose=False, device="cpu")
    assert len(h) == 2 and 0 <= h["val_macro_auroc"][-1] <= 1


def test_fit_validates_its_inputs():
    X, y = toy_data(8)
    with pytest.raises(ValueError, match="NaN"):
        train.fit(Tiny(), (np.full_like(X, np.nan), y), (X, y), loss_fn=nn.BCEWithLogitsLoss(),
                  epochs=1, progress=False, verbose=False, device="cpu")
    with pytest.raises(ValueError, match="examples"):
        train.fit(Tiny(), (X, y[:4]), (X, y), loss_fn=nn.BCEWithLogitsLoss(), epochs=1,
                  progress=False, verbose=False, device="cpu")
    with pytest.raises(ValueError, match="metric_fn"):
        train.fit(Tiny(), (X, y), (X, y), loss_fn=nn.BCEWithLogitsLoss(), monitor="auroc",
                  epochs=1, progress=False, verbose=False, device="cpu")


# ------------------------------------------------------------------ FitConfig, one epoch
def test_fit_config_gives_the_same_run_as_keywords():
    """fit(config=FitConfig(...)) is fit(**keywords); keywords override the config's fields."""
    kw = dict(loss_fn=nn.BCEWithLogitsLoss(), metric_fn=metrics.macro_auroc,
              monitor="macro_auroc", epochs=2, batch_size=16, progress=False, verbose=False,
              device="cpu", transform=train.RandomCrop(100), val_window=(100, 10))
    X, y = toy_data()
    Xv, yv = toy_data(24, seed=1)
    torch.manual_seed(0)
    a = Tiny()
    ha = train.fit(a, (X, y), (Xv, yv), **kw)
    torch.manual_seed(0)
    b = Tiny()
    hb = train.fit(b, (X, y), (Xv, yv), config=train.FitConfig(**{**kw, "epochs": 5}),
                   epochs=2)
    assert _without_timing(ha.records) == _without_timing(hb.records)
    assert _same_weights(a, b)
    assert (hb.monitor, hb.mode) == ("val_macro_auroc", "max")


def test_fit_config_defaults_are_those_of_fit():
    cfg = train.FitConfig(loss_fn=nn.BCEWithLogitsLoss())
    assert (cfg.monitor, cfg.mode, cfg.epochs, cfg.batch_size, cfg.lr, cfg.weight_decay) == \
        ("val_loss", None, 10, 64, 1e-3, 1e-2)
    assert (cfg.scheduler, cfg.scheduler_patience, cfg.patience, cfg.grad_clip) == \
        ("plateau", 3, 5, 1.0)
    assert (cfg.seed, cfg.activation, cfg.restore_best, cfg.resume, cfg.callbacks) == \
        (0, "auto", True, False, ())
    with pytest.raises(TypeError, match="loss_fn"):
        train.fit(Tiny(), toy_data(8), toy_data(8), epochs=1)
    with pytest.raises(TypeError, match="unexpected keyword"):
        train.fit(Tiny(), toy_data(8), toy_data(8), loss_fn=nn.BCEWithLogitsLoss(), learning_rate=1)


def test_train_one_epoch_and_validate_on_their_own():
    """The public epoch functions work without fit: a plain loop of a student's own."""
    X, y = toy_data(32)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), 8)
    torch.manual_seed(0)
    model = Tiny()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = [loop.train_one_epoch(model, loader, loss_fn, opt, grad_clip=1.0)
              for _ in range(3)]
    assert all(n == 32 and lr == 1e-2 for _, n, lr in losses)
    assert model.training
    val_loss, y_true, y_pred = loop.validate(model, loader, loss_fn, activation="sigmoid")
    assert not model.training
    assert y_true.shape == y_pred.shape == (32, 3) and ((0 < y_pred) & (y_pred < 1)).all()
    np.testing.assert_array_equal(y_true, y)
    # the validation loss is the loss of the logits of the whole set
    logits = torch.from_numpy(train.predict(model, X, activation=None))
    assert val_loss == pytest.approx(float(loss_fn(logits, torch.from_numpy(y))), rel=1e-5)


def test_non_finite_training_loss_stops_the_run():
    X, y = toy_data(8)
    y[0, 0] = np.nan
    with pytest.raises(FloatingPointError, match="non-finite"):
        train.fit(Tiny(), (X, y), (X, y), loss_fn=nn.BCEWithLogitsLoss(), epochs=1,
                  progress=False, verbose=False, device="cpu")


# ------------------------------------------------------------------ DDP
def _ddp_worker(rank, world, port, out):
    """One process of a 2-process run, with the environment torchrun would set."""
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = Tiny()
    X, y = toy_data(40)
    Xv, yv = toy_data(21, seed=1)          # 21: not divisible by 2, checks the gather
    h = train.fit(model, (X, y), (Xv, yv), loss_fn=nn.BCEWithLogitsLoss(),
                  metric_fn=metrics.macro_auroc, monitor="macro_auroc", epochs=2,
                  batch_size=8, progress=False, verbose=False, device="cpu",
                  checkpoint_dir=os.path.join(out, "ckpt"))
    torch.save({"state": model.state_dict(), "records": h.records,
                "world": torch.distributed.get_world_size()}, os.path.join(out, f"rank{rank}.pt"))
    torch.distributed.destroy_process_group()


def test_fit_with_two_processes_ddp(tmp_path):
    """fit() under a torchrun-style environment: DDP + gloo + DistributedSampler."""
    import multiprocessing as mp
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # fork: the children reuse this process's imports (torch and torch._dynamo, which DDP
    # needs, take long to import); they set one intra-op thread first, so no OpenMP pool
    # inherited from the parent is used after the fork.
    import torch._dynamo  # noqa: F401  (imported once here, not in each child)

    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_ddp_worker, args=(r, 2, port, str(tmp_path))) for r in (0, 1)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0]
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=False) for r in (0, 1))
    assert r0["world"] == r1["world"] == 2
    assert all(torch.equal(r0["state"][k], r1["state"][k]) for k in r0["state"])
    keep = ("loss", "val_loss", "val_macro_auroc")
    same = lambda recs: [{k: r[k] for k in keep} for r in recs]
    assert same(r0["records"]) == same(r1["records"])   # metrics gathered over both ranks
    assert len(r0["records"]) == 2
    assert (tmp_path / "ckpt" / train.CHECKPOINT_NAME).is_file()
