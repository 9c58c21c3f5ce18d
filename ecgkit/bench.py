"""Benchmark runs from the command line, one subcommand per dataset.

    python -m ecgkit.bench ptbxl --model resnet1d_wang --task superdiagnostic \\
        --profile sample --out results.json
    python -m ecgkit.bench mitbih --split inter --model cnnlstm

The runs themselves are :func:`ecgkit.experiments.ptbxl.run_ptbxl` and
:func:`ecgkit.experiments.mitbih.run_mitbih` (protocols in their modules).

To add a dataset, write ``add_<name>_arguments(parser)`` and ``run_<name>_cli(args) ->
dict`` and register them in ``SUBCOMMANDS``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from ecgkit.experiments.mitbih import add_mitbih_arguments, run_mitbih_cli
from ecgkit.experiments.ptbxl import add_ptbxl_arguments, run_ptbxl_cli

__all__ = ["SUBCOMMANDS", "main"]

# name -> (add arguments, run) ; another dataset = one more entry
SUBCOMMANDS: dict[str, tuple[Callable, Callable]] = {
    "ptbxl": (add_ptbxl_arguments, run_ptbxl_cli),
    "mitbih": (add_mitbih_arguments, run_mitbih_cli),
}


def main(argv=None) -> int:
    """Parse ``argv``, run the subcommand, write ``--out`` and print a summary; returns 0."""
    parser = argparse.ArgumentParser(prog="python -m ecgkit.bench",
                                     description="Train and evaluate a model on a benchmark.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (add_arguments, _) in SUBCOMMANDS.items():
        add_arguments(sub.add_parser(name, help=f"{name} benchmark"))
    args = parser.parse_args(argv)
    result = SUBCOMMANDS[args.command][1](args)
    text = json.dumps(result, indent=2)
    out = getattr(args, "out", None)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text)
        print(f"wrote {out}")
    if args.command != "ptbxl":   # other benchmarks print their own summary line
        if not out:
            print(text)
        return 0
    test = result.get("test", {})
    ci = test.get("ci95")
    auroc = test.get("macro_auroc")
    ci_text = f"95% CI {ci[0]:.3f}-{ci[1]:.3f}" if ci else "no CI"
    print(f"{result.get('model')} on {result.get('benchmark')}/{result.get('task')}: test "
          f"macro-AUROC {auroc if auroc is None else round(auroc, 3)} ({ci_text}) over "
          f"{test.get('n_defined_classes')} of {test.get('n_classes')} classes")
    if not out:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
