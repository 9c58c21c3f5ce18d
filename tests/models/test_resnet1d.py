"""The PTB-XL benchmark's resnet1d_wang."""
from ecgkit.models import ResNet1dWang
from ecgkit.train import count_parameters


def test_parameter_count():
    assert count_parameters(ResNet1dWang(n_classes=5)) == 473_349
