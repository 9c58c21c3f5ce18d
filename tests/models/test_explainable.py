"""ExplainableECGNet: parameter count, attention shapes, one encoder for every lead."""
import torch

from ecgkit.models import ExplainableECGNet
from ecgkit.train import count_parameters


def _close(a, b, tol=1e-5):
    # torch.testing.assert_close is avoided: its first call imports torch._dynamo (slow)
    assert a.shape == b.shape and torch.allclose(a, b, rtol=tol, atol=tol), (a, b)


def test_explainable_has_the_consistent_design_count():
    # Source 001 reports 276,421; its own published design gives 276,455 (see the
    # ExplainableECGNet docstring for the variants tried).
    model = ExplainableECGNet(n_classes=5)
    assert count_parameters(model) == 276_455
    assert count_parameters(model.encoder) == 234_720
    assert count_parameters(model.temporal_attention) == count_parameters(model.lead_attention) == 8_321
    assert count_parameters(model.head) == 25_093


def test_explainable_attention_shapes_and_normalisation():
    torch.manual_seed(0)
    model = ExplainableECGNet().eval()
    x = torch.randn(4, 12, 1000)
    logits, att = model(x, return_attention=True)
    assert logits.shape == (4, 5)
    assert att["temporal"].shape == (4, 12, 125)   # 1000 samples -> 125 steps
    assert att["lead"].shape == (4, 12)
    _close(att["temporal"].sum(-1), torch.ones(4, 12))
    _close(att["lead"].sum(-1), torch.ones(4))
    assert (att["lead"] > 0).all()
    _close(model(x), logits)   # same logits without attention


def test_explainable_encoder_is_shared_across_leads():
    """Swapping two leads swaps their temporal attention maps: one encoder for all leads."""
    torch.manual_seed(0)
    model = ExplainableECGNet().eval()
    x = torch.randn(2, 12, 400)
    _, a = model(x, return_attention=True)
    perm = torch.arange(12)
    perm[[0, 5]] = perm[[5, 0]]
    _, b = model(x[:, perm], return_attention=True)
    _close(b["temporal"], a["temporal"][:, perm])
    _close(b["lead"], a["lead"][:, perm])
