"""The CNN-LSTM beat classifier and its packed inputs."""
import numpy as np
import pytest
import torch

from ecgkit.models.cnnlstm import CNNLSTM
from ecgkit.signal import beats

L, N_RR = 84, 5


def test_output_shape_and_document_004_layers():
    model = CNNLSTM(n_classes=5)
    out = model(torch.randn(4, 1, L))
    assert out.shape == (4, 5)
    convs = [m for m in model.features if isinstance(m, torch.nn.Conv1d)]
    assert [c.out_channels for c in convs] == [64, 128, 128]
    assert sum(isinstance(m, torch.nn.BatchNorm1d) for m in model.features) == 3
    assert sum(isinstance(m, torch.nn.MaxPool1d) for m in model.features) == 3
    assert model.lstm.bidirectional and model.lstm.hidden_size == 64
    assert model.head[0].out_features == 64 and model.head[2].p == 0.5
    assert 150_000 < sum(p.numel() for p in model.parameters()) < 400_000


def test_accepts_2d_single_lead_input():
    model = CNNLSTM().eval()
    x = torch.randn(3, L)
    torch.testing.assert_close(model(x), model(x[:, None, :]))


def test_rr_features_are_read_from_the_packed_tail():
    torch.manual_seed(0)
    model = CNNLSTM(n_leads=2, n_rr=N_RR).eval()
    w = np.random.default_rng(0).normal(size=(6, L)).astype(np.float32)
    med = np.repeat(w[:1], 6, axis=0)[:, None, :]
    rr = np.ones((6, N_RR), dtype=np.float32)
    x = torch.from_numpy(beats.pack_beats(w, rr, med))
    assert x.shape == (6, 2, L + N_RR)
    beat, rr_back = model.split_inputs(x)
    assert beat.shape == (6, 2, L)
    torch.testing.assert_close(rr_back, torch.ones(6, N_RR))
    torch.testing.assert_close(beat[:, 0], torch.from_numpy(w))
    x2 = x.clone()
    x2[:, 0, -N_RR:] = 0.5  # other RR intervals, same beats
    assert not torch.allclose(model(x), model(x2))


def test_additive_rr_path_and_morphology_dropout():
    torch.manual_seed(0)
    model = CNNLSTM(n_rr=N_RR, rr_path="additive", morph_dropout=0.5)
    x = torch.randn(400, 1, L + N_RR)
    x[:, 0, -N_RR:] = torch.rand(400, N_RR) + 0.5  # RR ratios around 1
    beat, rr = model.split_inputs(x)
    rr_only = model.rr_mlp(torch.log(rr))
    model.eval()  # the beat branch always counts, and adds to the RR branch
    with torch.no_grad():
        z = model.features(beat)
        _, (h, _) = model.lstm(z.transpose(1, 2))
        beat_logits = model.head(torch.cat([h[0], h[1]], 1))
        torch.testing.assert_close(model(x), beat_logits + rr_only)
        model.train()  # about half the beats are classified by their RR alone
        dropped = torch.isclose(model(x), rr_only, atol=1e-6).all(1).float().mean()
    assert 0.4 < dropped < 0.6, dropped
    with pytest.raises(ValueError, match="morph_dropout"):
        CNNLSTM(n_rr=N_RR, rr_path="additive", morph_dropout=1.0)
    with pytest.raises(ValueError, match="morph_dropout"):
        CNNLSTM(n_rr=N_RR, rr_path="dense", morph_dropout=0.5)
    with pytest.raises(ValueError, match="rr_path"):
        CNNLSTM(n_rr=N_RR, rr_path="sum")


def test_rejects_wrong_shapes():
    with pytest.raises(ValueError, match="expected input"):
        CNNLSTM(n_leads=1)(torch.randn(2, 3, L))
    with pytest.raises(ValueError, match="too short"):
        CNNLSTM(n_rr=N_RR)(torch.randn(2, 1, 10))
    with pytest.raises(ValueError):
        CNNLSTM(n_classes=0)


def test_pack_beats_validation():
    w = np.zeros((4, L), dtype=np.float32)
    with pytest.raises(ValueError, match="rr must be"):
        beats.pack_beats(w, np.zeros((3, N_RR)))
    with pytest.raises(ValueError, match="extra_channels"):
        beats.pack_beats(w, None, np.zeros((4, 1, L - 1)))
    w[0, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or inf"):
        beats.pack_beats(w)


def test_learns_a_separable_toy_problem():
    """Two beat shapes (narrow vs wide bump) are told apart after a few steps."""
    torch.manual_seed(0)
    t = np.arange(L)
    narrow = np.exp(-0.5 * ((t - 45) / 3) ** 2)
    wide = np.exp(-0.5 * ((t - 45) / 12) ** 2)
    rng = np.random.default_rng(0)
    X = np.stack([narrow] * 32 + [wide] * 32) + 0.05 * rng.normal(size=(64, L))
    X = torch.tensor(X[:, None, :], dtype=torch.float32)
    y = torch.tensor([0] * 32 + [2] * 32)
    model = CNNLSTM()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    # 60 steps: the loss is tiny after 10, but BatchNorm's running statistics (what eval
    # mode uses) need more steps to catch up
    for _ in range(60):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
    model.eval()
    assert (model(X).argmax(1) == y).float().mean() > 0.95
