"""ecgkit: the reusable code of the course *ECG deep learning, an executable course*.

Modules, one per part of the course:

- :mod:`ecgkit.config`  profiles (smoke / sample / full), device and seeding
- :mod:`ecgkit.data`    PTB-XL and MIT-BIH: metadata, labels, waveforms, cache, downloads
- :mod:`ecgkit.signal`  filters and standardisation
- :mod:`ecgkit.plot`    ECG paper plots and dataset figures

Submodules are imported on demand so that ``import ecgkit`` stays fast.
"""
from importlib import import_module

__version__ = "0.1.0"

_SUBMODULES = {"config", "data", "signal", "plot", "train", "metrics", "models",
               "bench", "transforms", "explain", "beats", "faithfulness", "report",
               "predict", "io"}


def __getattr__(name):
    if name in _SUBMODULES:
        return import_module(f"ecgkit.{name}")
    raise AttributeError(f"module 'ecgkit' has no attribute {name!r}")
