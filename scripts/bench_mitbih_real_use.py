"""The inter-patient benchmark under the app's conditions: detected beats, short context.

    python scripts/bench_mitbih_real_use.py                  # full profile, seeds 0 1 2
    python scripts/bench_mitbih_real_use.py --recipe ds1     # the recipe chosen on DS1 alone
    python scripts/bench_mitbih_real_use.py --profile smoke --seeds 0   # checks the code

For each seed: trains the CNN-LSTM on DS1 once and scores it on DS2 (1) as the benchmark
does, (2) with each record's median beat and mean RR from its first 1, 2 or 5 minutes
only, (3) causally (running median of the past 256 beats, running mean RR), and (4) at
the beats the XQRS detector finds, matched to the reference within 150 ms (missed beats
and false detections counted, as ANSI/AAMI EC57 does). Intervals: a bootstrap over DS2
records. Writes ``bench-results/mitbih_real_use_<recipe>_seed<k>.json`` (refuses to
replace one unless ``--force``) and prints a table. Chapter 7b shows the full profile's
results committed in ``ecgkit/experiments/mitbih/results/`` (``realuse.load_results``):
copy them there after a run; ``python scripts/bench_mitbih.py --report`` then prints both
recipes side by side.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ecgkit.experiments.mitbih import realuse, selection  # noqa: E402
from ecgkit.experiments.mitbih.report import format_header, format_row  # noqa: E402
from ecgkit.experiments.results import finite_or_none  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--profile", default="full", choices=["smoke", "sample", "full"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--recipe", default="profile", choices=["profile", "ds1"])
    p.add_argument("--device", default=None)
    p.add_argument("--out-dir", default=str(ROOT / "bench-results"))
    p.add_argument("--force", action="store_true", help="replace existing result files")
    args = p.parse_args(argv)
    recipe = selection.load_frozen() if args.recipe == "ds1" else None
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for seed in args.seeds:
        out = out_dir / f"mitbih_real_use_{args.recipe}_seed{seed}.json"
        if out.exists() and not args.force:
            p.error(f"{out} exists; pass --force to replace it or --out-dir to keep it")
        t0 = time.perf_counter()
        result = realuse.run_real_use(args.profile, seed, args.device, recipe=recipe)
        result["seconds"] = time.perf_counter() - t0
        result["command"] = " ".join(sys.argv)
        out.write_text(json.dumps(finite_or_none(result), indent=1))
        print(f"\nseed {seed} ({args.profile}, recipe {args.recipe}), DS2; "
              f"[95 % interval over records]; {result['seconds']:.0f} s")
        print(format_header())
        for context, entry in result["contexts"].items():
            print(format_row(realuse.condition_label(context), entry["figures"],
                             entry["ci95_by_record"]) +
                  f"  ({entry['input_ms_per_beat']:.3f} ms/beat inputs)")
        det = result["detector"]
        print(format_row(realuse.condition_label("detector"), det["figures"],
                         det["ci95_by_record"]))
        print(f"  detector: {det['matched']} beats matched, {det['missed']} missed, "
              f"{det['false']} false detections (150 ms)")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
