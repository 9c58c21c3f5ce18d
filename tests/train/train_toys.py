"""Small random data and a tiny network for the training-engine tests."""
import numpy as np
from torch import nn


def toy_data(n=48, classes=3, length=120, seed=0):
    """Random signals whose label depends on the signal, so training has something to learn."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 12, length)).astype(np.float32)
    y = (X[:, :classes, :].mean(-1) > 0).astype(np.float32)
    return X, y


class Tiny(nn.Module):
    def __init__(self, classes=3):
        super().__init__()
        self.conv = nn.Conv1d(12, 8, 5, padding=2)
        self.bn = nn.BatchNorm1d(8)
        self.relu = nn.ReLU()
        self.drop = nn.Dropout(0.2)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(8, classes)

    def forward(self, x):
        return self.fc(self.drop(self.pool(self.relu(self.bn(self.conv(x)))).flatten(1)))
