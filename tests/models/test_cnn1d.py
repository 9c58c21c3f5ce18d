"""The plain 1D CNN of source 002."""
from ecgkit.models import CNN1D
from ecgkit.train import count_parameters


def test_parameter_count():
    assert count_parameters(CNN1D(n_classes=5)) == 105_029
