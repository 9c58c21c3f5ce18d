"""The CUDA paths of the training engine: float16 autocast with a gradient scaler in
:func:`ecgkit.train.fit`, autocast in :func:`ecgkit.train.predict`, the models on the GPU.

Skipped where torch sees no CUDA GPU (CI has none); run on a GPU machine with
``pytest tests/test_gpu.py``.
"""
import numpy as np
import pytest
import torch
from torch import nn

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _separable_beats(n=2048, length=60, n_rr=5, seed=0):
    """Packed beat-like inputs whose class is written into them (a bump at a class-
    dependent place), so that a few hundred steps must lift accuracy far above chance."""
    g = np.random.default_rng(seed)
    y = g.integers(0, 3, n)
    x = 0.3 * g.standard_normal((n, 1, length + n_rr)).astype(np.float32)
    for c in range(3):
        x[y == c, 0, 10 + 15 * c:16 + 15 * c] += 2.0
    x[:, 0, length:] = 1.0 + 0.05 * g.standard_normal((n, n_rr))  # RR ratios near 1
    return x.astype(np.float32), y.astype(np.int64)


def test_fit_on_cuda_uses_float16_autocast_and_learns():
    from ecgkit import train
    from ecgkit.models.cnnlstm import CNNLSTM

    X, y = _separable_beats()
    torch.manual_seed(0)
    model = CNNLSTM(n_classes=3, n_rr=5, rr_path="additive", morph_dropout=0.5)
    sampler = train.make_weighted_sampler(y[:1536], kind="sqrt",
                                          generator=torch.Generator().manual_seed(0))
    hist = train.fit(model, (X[:1536], y[:1536]), (X[1536:], y[1536:]),
                     loss_fn=nn.CrossEntropyLoss(), epochs=3, batch_size=64, lr=3e-3,
                     scheduler="onecycle", patience=None, device="cuda", sampler=sampler,
                     progress=False, verbose=False)
    assert next(model.parameters()).is_cuda
    losses = [r["loss"] for r in hist.records]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]
    assert all(torch.isfinite(p).all() for p in model.parameters())
    probs = train.predict(model, X[1536:], device="cuda", activation="softmax")
    assert (probs.argmax(1) == y[1536:]).mean() > 0.9


def test_predict_on_cuda_matches_cpu():
    """The same weights give the same probabilities on both devices; float16 autocast
    stays within 1e-2 of them."""
    from ecgkit import train
    from ecgkit.models.cnnlstm import CNNLSTM

    X, _ = _separable_beats(n=512)
    torch.manual_seed(1)
    model = CNNLSTM(n_classes=3, n_rr=5, rr_path="additive").eval()
    on_cpu = train.predict(model, X, device="cpu", activation="softmax")
    on_gpu = train.predict(model, X, device="cuda", activation="softmax")
    on_gpu_amp = train.predict(model, X, device="cuda", activation="softmax", amp=True)
    assert np.allclose(on_cpu, on_gpu, atol=1e-4)
    assert np.abs(on_cpu - on_gpu_amp).max() < 1e-2


def test_train_cnnlstm_ensemble_on_cuda():
    from dataclasses import replace

    from ecgkit.experiments.mitbih import RECIPES, predict_beats, train_cnnlstm

    X, y = _separable_beats(n=1200, length=84)
    y = np.where(y == 2, 3, y)  # classes 0, 1, 3 (N, S, F); absent ones are fine
    recipe = replace(RECIPES["smoke"], samples_per_epoch=512, n_models=2)
    idx = np.arange(len(y))
    net, hist, secs = train_cnnlstm(X, y, idx[:1000], idx[1000:], recipe, seed=0,
                                    device="cuda", verbose=False)
    assert len(net.members) == 2 and all(next(m.parameters()).is_cuda for m in net.members)
    probs, _ = predict_beats(net, X[1000:], device="cuda")
    assert probs.shape == (200, 5) and np.allclose(probs.sum(1), 1, atol=1e-4)


@pytest.mark.parametrize("name", ["cnn1d", "explainable", "resnet1d_wang", "resnet18_1d"])
def test_12_lead_models_train_step_under_autocast(name):
    """One float16 training step with a gradient scaler, as fit takes it, on each 1D model."""
    from ecgkit.models import get_model

    torch.manual_seed(0)
    model = get_model(name, n_classes=5, n_leads=12).cuda()
    x = torch.randn(8, 12, 1000, device="cuda")
    target = torch.randint(0, 2, (8, 5), device="cuda").float()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    scaler = torch.amp.GradScaler("cuda")
    with torch.autocast("cuda", dtype=torch.float16):
        out = model(x)
        logits = out[0] if isinstance(out, tuple) else out
        loss = nn.functional.binary_cross_entropy_with_logits(logits.float(), target)
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
    assert logits.shape == (8, 5) and torch.isfinite(loss)
    assert all(torch.isfinite(p).all() for p in model.parameters())
