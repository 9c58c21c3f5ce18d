"""Using trained models on new ECGs: model files (bundles), reports, and the CLI.

:mod:`~ecgkit.app.bundle` (12-lead PTB-XL bundles) and :mod:`~ecgkit.app.report` (their
plain-language report), :mod:`~ecgkit.app.beat_bundle` and
:mod:`~ecgkit.app.beat_analysis` (the heartbeat classifier of chapter 7), and
:mod:`~ecgkit.app.cli` (``python -m ecgkit.predict``). The Streamlit app uses them.
"""
from ecgkit.app import beat_analysis, beat_bundle, cli, report
from ecgkit.app.bundle import (Bundle, bundle_path, load_bundle, load_or_train_bundle,
                               save_bundle, train_bundle)

__all__ = ["Bundle", "bundle_path", "load_bundle", "load_or_train_bundle", "save_bundle",
           "train_bundle", "beat_analysis", "beat_bundle", "cli", "report"]
