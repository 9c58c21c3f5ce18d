"""The model registry: every network by name, shapes, hooks, input checks, registration."""
import pytest
import torch
from torch import nn

from ecgkit import models
from ecgkit.models import MODELS, get_model, register_model

OURS = ["cnn1d", "explainable", "resnet1d_wang"]   # the 12-lead signal models
L, N_RR = 84, 5


def test_every_model_of_the_course_is_registered():
    assert set(MODELS) == {"cnn1d", "explainable", "resnet1d_wang", "resnet18_1d",
                           "protoecgnet", "cascaded_densenet", "scalogram_cnn",
                           "fft_transformer", "cnnlstm", "rpm_densenet"}
    assert MODELS["cnnlstm"] is models.CNNLSTM and MODELS["rpm_densenet"] is models.rpm_densenet
    for name in models.__all__:
        assert hasattr(models, name), name


@pytest.mark.parametrize("name", OURS)
@pytest.mark.parametrize("length", [250, 1000])
def test_models_map_batch_to_logits(name, length):
    torch.manual_seed(0)
    model = get_model(name, n_classes=7).eval()
    out = model(torch.randn(3, 12, length))
    assert out.shape == (3, 7)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("name, shape", [
    ("cascaded_densenet", (3, 1, 64, 64)),
    ("cascaded_densenet", (3, 12, 64, 64)),
    ("cascaded_densenet", (3, 1, 32, 32)),
    ("scalogram_cnn", (3, 1, 32, 64)),
    ("fft_transformer", (3, 12, 401)),
    ("fft_transformer", (3, 12, 251)),
])
def test_registered_models_map_inputs_to_logits(name, shape):
    torch.manual_seed(0)
    model = get_model(name, n_classes=5, n_leads=shape[1]).eval()
    out = model(torch.randn(*shape))
    assert out.shape == (3, 5) and torch.isfinite(out).all()


def test_registered_in_model_registry():
    net = get_model("cnnlstm", n_classes=5, n_leads=2, n_rr=N_RR)
    assert net(torch.randn(2, 2, L + N_RR)).shape == (2, 5)


@pytest.mark.parametrize("name", OURS)
def test_every_relu_is_a_module_used_once(name):
    """SHAP DeepExplainer hooks nn.ReLU modules; a module reused twice breaks it."""
    model = get_model(name, n_classes=3).eval()
    relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
    assert relus
    calls = {id(m): 0 for m in relus}
    handles = [m.register_forward_hook(lambda mod, i, o: calls.__setitem__(id(mod), calls[id(mod)] + 1))
               for m in relus]
    model(torch.randn(2, 12, 300))
    for h in handles:
        h.remove()
    assert set(calls.values()) == {1}


def test_wrong_input_shape_is_rejected():
    for name in OURS:
        with pytest.raises(ValueError, match="expected input"):
            get_model(name, n_classes=5)(torch.randn(2, 8, 1000))


def test_registry_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown model"):
        get_model("resnet50", n_classes=5)
    with pytest.raises(ValueError, match="n_classes"):
        get_model("cnn1d", n_classes=0)


def test_register_model_adds_a_class_under_its_name_once():
    try:
        @register_model("tiny_test_model")
        class TinyTestModel(nn.Module):
            def __init__(self, n_classes, n_leads=12, hidden=4):
                super().__init__()
                self.fc = nn.Sequential(nn.Linear(n_leads, hidden), nn.Linear(hidden, n_classes))

            def forward(self, x):
                return self.fc(x.mean(-1))

        assert MODELS["tiny_test_model"] is TinyTestModel
        net = get_model("tiny_test_model", n_classes=3, n_leads=2, hidden=6)
        assert net(torch.randn(4, 2, 10)).shape == (4, 3) and net.fc[0].out_features == 6
        assert register_model("tiny_test_model")(TinyTestModel) is TinyTestModel  # again: fine
        with pytest.raises(ValueError, match="already registered"):
            register_model("cnn1d")(TinyTestModel)
        assert MODELS["cnn1d"] is models.CNN1D
    finally:
        MODELS.pop("tiny_test_model", None)
