"""The command line ``python -m ecgkit.predict``: read an ECG, print a report; train bundles.

``RECORD`` (a WFDB or CSV file, ``ptbxl:<ecg_id>``, ``mitdb:<record>``) goes to the 12-lead
bundle or, for MIT-BIH and 1-2 lead records, the heartbeat bundle; ``train-bundle`` and
``train-beat-bundle`` create the default bundles. See :func:`main`.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ecgkit.app import beat_analysis, beat_bundle, report
from ecgkit.app.bundle import BUNDLE_CONFIGS, bundle_path, load_bundle, train_bundle
from ecgkit.data import LEADS, io, normalise_lead_name

__all__ = ["main"]

_PROFILE_HELP = "smoke | sample | full (default $ECGKIT_PROFILE or sample)"
_BEAT_INPUT_HINT = (" This is a MIT-BIH or 1-2 lead record and the model reads 12 leads: "
                    "leave out --model to use the heartbeat classifier, or pass a "
                    "heartbeat bundle (python -m ecgkit.predict train-beat-bundle).")


def _train_main(argv) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecgkit.predict train-bundle",
                                     description="Train a model bundle on PTB-XL and save it.")
    parser.add_argument("--model-name", default="explainable", choices=sorted(BUNDLE_CONFIGS))
    parser.add_argument("--profile", default=None, help=_PROFILE_HELP)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--out", default=None, help="bundle file (default: the cache)")
    args = parser.parse_args(argv)
    bundle = train_bundle(args.model_name, args.profile, args.out, args.epochs)
    print(bundle.describe())
    return 0


def _train_beats_main(argv) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ecgkit.predict train-beat-bundle",
        description="Train the CNN-LSTM heartbeat classifier on MIT-BIH DS1 and save it.")
    parser.add_argument("--profile", default=None, help=_PROFILE_HELP)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="bundle file (default: the cache)")
    args = parser.parse_args(argv)
    bundle = beat_bundle.train_beat_bundle(args.profile, args.out, args.seed)
    print(bundle.describe())
    return 0


def _is_beat_input(spec: str, record) -> bool:
    """MIT-BIH records and records without all 12 leads go to the beat classifier."""
    if str(spec).lower().startswith("mitdb:"):
        return True
    have = {normalise_lead_name(lead) for lead in record.leads}
    return not all(normalise_lead_name(lead) in have for lead in LEADS)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _beats_main(args, record) -> int:
    """Heartbeat report of a MIT-BIH record or a 1-2 lead signal (exit status)."""
    path = Path(args.model) if args.model else beat_bundle.beat_bundle_path()
    try:
        bundle = beat_bundle.load_beat_bundle(path)
    except FileNotFoundError:
        return _error(f"no trained heartbeat model at {path}. Create it with `python -m "
                      "ecgkit.predict train-beat-bundle` (a couple of minutes on CPU) or pass "
                      "--model PATH.")
    except ValueError as err:
        return _error(str(err))
    try:
        analysis = beat_analysis.analyse_record(bundle, record)
        rep = beat_analysis.beat_report(bundle, analysis)
    except (ValueError, FileNotFoundError) as err:
        return _error(str(err))
    print(json.dumps(rep.to_dict(), indent=2) if args.json else rep.text)
    return 0


def _twelve_lead_main(args) -> int:
    """Report of a 12-lead ECG by a 12-lead bundle (exit status)."""
    model_path = Path(args.model) if args.model else bundle_path("explainable")
    try:
        bundle = load_bundle(model_path)
    except FileNotFoundError:
        return _error(f"no trained model at {model_path}. Create it with `python -m "
                      "ecgkit.predict train-bundle` (about a minute on CPU) or pass "
                      "--model PATH.")
    except ValueError as err:
        return _error(str(err))
    record = None
    try:
        record = io.load_record(args.record, fs=args.fs)
        rep = report.report(bundle, record, method=args.method)
    except (ValueError, FileNotFoundError) as err:
        beat_input = record is not None and _is_beat_input(args.record, record)
        return _error(f"{err}{_BEAT_INPUT_HINT if beat_input else ''}")
    print(json.dumps(rep.to_dict(), indent=2) if args.json else rep.text)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ecgkit.predict",
        description="Classify a 12-lead ECG, or the heartbeats of a MIT-BIH / 1-2 lead "
                    "record, and print a plain-language report. `python -m ecgkit.predict "
                    "train-bundle` creates the default 12-lead model, `python -m "
                    "ecgkit.predict train-beat-bundle` the heartbeat model.")
    parser.add_argument("record", help="WFDB record (path, .hea), .csv, ptbxl:<ecg_id> or "
                        "mitdb:<record>")
    parser.add_argument("--model", default=None, help="bundle file (default: the cached "
                        "'explainable' bundle of the current profile for 12-lead ECGs, the "
                        "cached heartbeat bundle for MIT-BIH and 1-2 lead records)")
    parser.add_argument("--method", default="integrated_gradients",
                        help="explanation method of the evidence (see ecgkit.explain.METHODS)")
    parser.add_argument("--fs", type=float, default=None, help="sampling rate of a CSV (Hz)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    return parser


def main(argv=None) -> int:
    """Entry point of ``python -m ecgkit.predict``; returns the exit status (0 ok, 2 bad
    input or no model).

    Usage::

        python -m ecgkit.predict RECORD [--model PATH] [--method METHOD] [--fs HZ] [--json]
        python -m ecgkit.predict train-bundle [--model-name explainable] [--profile sample]
        python -m ecgkit.predict train-beat-bundle [--profile sample]

    ``RECORD`` is a WFDB record (``path/to/00017_lr`` or ``.hea``; the ``.dat`` next to
    it), a CSV file (12 columns, or 1; ``--fs`` gives its rate, default 100 Hz),
    ``ptbxl:<ecg_id>`` or ``mitdb:<record>``. Without ``--model`` the default bundle is
    used (:func:`ecgkit.app.bundle.bundle_path`); ``train-bundle`` creates it (about a
    minute on a laptop CPU). A 12-lead record goes to the 12-lead bundle; a MIT-BIH
    record (``mitdb:100``, analysed whole) or a 1-2 lead record goes to the heartbeat
    classifier of chapter 7 (:mod:`ecgkit.app.beat_analysis`; its bundle is made by
    ``train-beat-bundle``, a couple of minutes), which reports per-beat AAMI classes,
    unless ``--model`` names a 12-lead bundle, which then refuses the record with the
    reason."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "train-bundle":
        return _train_main(argv[1:])
    if argv and argv[0] == "train-beat-bundle":
        return _train_beats_main(argv[1:])
    args = _parser().parse_args(argv)
    if args.model and beat_bundle.is_beat_bundle(args.model):
        try:
            record = io.load_record(args.record, fs=args.fs)
        except (ValueError, FileNotFoundError) as err:
            return _error(str(err))
        return _beats_main(args, record)
    if not args.model:
        try:
            record = (io.load_record(args.record, fs=args.fs)
                      if not str(args.record).lower().startswith("ptbxl:") else None)
        except (ValueError, FileNotFoundError) as err:
            return _error(str(err))
        if record is not None and _is_beat_input(args.record, record):
            return _beats_main(args, record)
    return _twelve_lead_main(args)
