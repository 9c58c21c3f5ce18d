"""The course's benchmarks beside the teaching core: PTB-XL and MIT-BIH runs and their results.

``from ecgkit.experiments import ptbxl, mitbih``; ``python -m ecgkit.bench`` is their
command line. :func:`prepare_data` (from :mod:`~ecgkit.experiments.ptbxl`) is what a
chapter's config cell calls to get the data of its profile ready.
"""
from ecgkit.experiments.ptbxl import prepare_data

__all__ = ["prepare_data"]
