"""ecgkit: the reusable code of the course *ECG deep learning, an executable course*.

The teaching core, one layer per part of the course (each imports only the ones above):
``config``, ``signal``, ``data``, ``metrics``, ``transforms``, ``models``, ``train``,
``plot``, ``explain``. Beside it: ``experiments`` (the benchmarks) and ``app`` (bundles,
reports, the command line). ``ecgkit/README.md`` has one line per module.

Subpackages are imported on first use, so that ``import ecgkit`` stays fast.
"""
from importlib import import_module

__version__ = "0.1.0"

_SUBMODULES = {"config", "signal", "data", "metrics", "transforms", "models", "train",
               "plot", "explain", "experiments", "app"}


def __getattr__(name):
    if name in _SUBMODULES:
        return import_module(f"ecgkit.{name}")
    raise AttributeError(f"module 'ecgkit' has no attribute {name!r}")
