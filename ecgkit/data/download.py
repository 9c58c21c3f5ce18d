"""Downloads from PhysioNet (checksummed, resumable): DATASETS, download, ensure_data and the CLI.

``python -m ecgkit.data info|download|ensure`` runs :func:`main`.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

import pooch
from tqdm.auto import tqdm

from ecgkit.data.ptbxl import available_ptbxl_records, load_ptbxl_metadata
from ecgkit.data.store import (PHYSIONET_URL, ChecksumError, DataNotFoundError,
                               DownloadError, data_root, mitbih_path, ptbxl_path)

__all__ = ["DATASETS", "FULL_PTBXL", "sha256_of", "download", "ensure_data", "main"]

_REGISTRY_DIR = Path(__file__).with_name("registry")

DATASETS = {
    # name: (PhysioNet project/version, local folder, registry file or None for upstream)
    "ptb-xl-sample": ("ptb-xl/1.0.1", "ptb-xl", "ptb-xl-1.0.1-sample.sha256"),
    # its own folder: its metadata (1.0.3) is not the sample's (1.0.1), nor are the sums
    "ptb-xl": ("ptb-xl/1.0.3", "ptb-xl-1.0.3", None),
    "mitdb": ("mitdb/1.0.0", "mitdb", "mitdb-1.0.0.sha256"),
    # for testing a beat model on other patients (ecgkit.data.otherdb); PhysioNet's sums
    "incartdb": ("incartdb/1.0.0", "incartdb", None),
    "svdb": ("svdb/1.0.0", "svdb", None),
}

# What the full download is, said before it starts: 21,799 records of 12 leads x 1,000
# samples x 16 bit (24 kB) at 100 Hz, a .hea and a .dat each, plus the metadata.
FULL_PTBXL = {"records": 21799, "files": 2 * 21799 + 4, "megabytes": 540}
_COMPLETE = ".download-complete"  # written after every file passed its checksum


def _read_registry(text: str) -> dict[str, str]:
    reg = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2:
            digest, name = parts
            reg[name.lstrip("*")] = digest.lower()
    return reg


def sha256_of(file: Path) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(file, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _base_url() -> str:
    return os.environ.get("ECGKIT_PHYSIONET_URL", PHYSIONET_URL).rstrip("/")


def _fetch(url: str, target: Path, digest: str | None) -> None:
    """Download ``url`` to ``target`` (via pooch, hash-checked), never overwriting."""
    if target.exists():
        if digest is None or sha256_of(target) == digest:
            return  # already complete: this is what makes an interrupted download resume
        raise ChecksumError(
            f"{target} exists but its SHA-256 does not match PhysioNet's. It was not "
            "overwritten; move it away and run the download again to replace it.")
    target.parent.mkdir(parents=True, exist_ok=True)
    pooch.get_logger().setLevel("WARNING")  # one overall progress bar, not a line per file
    try:
        pooch.retrieve(url, known_hash=f"sha256:{digest}" if digest else None,
                       fname=target.name, path=target.parent, progressbar=False)
    except ValueError as err:  # pooch's hash mismatch; it deletes the bad download
        raise ChecksumError(f"{url}: downloaded file failed its SHA-256 check ({err})") from err
    except Exception as err:  # requests' connection and HTTP errors
        raise DownloadError(f"could not download {url}: {err}. Without internet, "
                            "set ECGKIT_DATA to a folder that already holds the data.") from err


def download(dataset: str = "sample", dest=None, records=None, progress: bool = True) -> Path:
    """Download data from PhysioNet into ``dest`` (default :func:`data_root`).

    ``dataset``: ``"sample"`` (PTB-XL 1.0.1 metadata + records 1-500 at 100 Hz, and
    MIT-BIH), ``"ptb-xl-sample"``, ``"ptb-xl"`` (full PTB-XL 1.0.3, metadata and
    ``records100``: 21,799 records, ~540 MB, into ``ptb-xl-1.0.3/``), ``"mitdb"``,
    ``"incartdb"`` or ``"svdb"`` (:mod:`ecgkit.data.otherdb`). ``records`` optionally limits
    the record files to those whose path contains one of the given strings.

    Every file is checked against PhysioNet's SHA-256; files already present and correct
    are skipped, so running it again resumes an interrupted download. A present file with
    a wrong checksum raises :class:`ChecksumError` and is left untouched.
    """
    if dataset == "sample":
        download("ptb-xl-sample", dest, records, progress)
        return download("mitdb", dest, records, progress)
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose 'sample' or one of {list(DATASETS)}")
    project, folder, registry_file = DATASETS[dataset]
    root = Path(dest).expanduser() if dest is not None else data_root()
    target_dir = root / folder
    base = f"{_base_url()}/{project}"
    if registry_file is not None:
        registry = _read_registry((_REGISTRY_DIR / registry_file).read_text())
    else:  # full PTB-XL, incartdb, svdb: PhysioNet's own checksum list, fetched first
        sums = target_dir / "SHA256SUMS.txt"
        _fetch(f"{base}/SHA256SUMS.txt", sums, None)
        registry = {name: d for name, d in _read_registry(sums.read_text()).items()
                    if name.startswith("records100/") or "/" not in name}
    if records is not None:
        wanted = [str(r) for r in records]
        registry = {n: d for n, d in registry.items()
                    if "/" not in n and not n[:1].isdigit() or any(w in n for w in wanted)}
    names = sorted(registry)
    if progress and len(names) > 1000:
        print(f"{dataset}: {len(names):,} files from {base}")
    for name in tqdm(names, desc=f"{dataset} from PhysioNet", unit="file",
                     disable=not progress):
        _fetch(f"{base}/{name}", target_dir / name, registry[name])
    if records is None:
        (target_dir / _COMPLETE).write_text(f"{len(names)} files checked\n")
    return target_dir


def ensure_data(dataset="sample") -> Path:
    """Return the data folder if it already holds ``dataset``; download it otherwise.

    This is what a chapter's setup cell calls: on a machine with ``ECGKIT_DATA`` set (CI,
    a lab) nothing is downloaded; on Colab the sample comes from PhysioNet once.

    ``dataset`` may also be a profile (:func:`ecgkit.config.get_profile`): ``smoke`` and
    ``sample`` want the sample; ``full`` (and the dataset ``"ptb-xl"``) wants the full PTB-XL 1.0.3 (:data:`FULL_PTBXL`
    says its size), downloaded once into ``<data root>/ptb-xl-1.0.3``, and then sets
    ``$ECGKIT_PTBXL`` so that every PTB-XL loader of this process reads it. Returns the
    data root, or the full PTB-XL's folder.
    """
    if hasattr(dataset, "name"):  # a profile
        dataset = "ptb-xl" if dataset.name == "full" else "sample"
    if os.environ.get("ECGKIT_PTBXL", "").endswith(DATASETS["ptb-xl"][1]):
        del os.environ["ECGKIT_PTBXL"]  # a full run earlier in this process; set again below
    if dataset == "ptb-xl":
        folder = data_root() / DATASETS["ptb-xl"][1]
        if not (folder / _COMPLETE).is_file():
            print(f"The full profile reads the full PTB-XL 1.0.3: {FULL_PTBXL['records']:,} "
                  f"records at 100 Hz, {FULL_PTBXL['files']:,} files, about "
                  f"{FULL_PTBXL['megabytes']} MB, into {folder}. Checksummed; run again to "
                  "resume an interrupted download.")
            download("ptb-xl", data_root())
        os.environ["ECGKIT_PTBXL"] = str(folder)
        return folder
    root = data_root()
    try:
        if dataset in ("sample", "ptb-xl-sample"):
            ptbxl_path(root)
        if dataset in ("sample", "mitdb"):
            mitbih_path(root)
        return root
    except DataNotFoundError:
        print(f"Data not found under {root}; downloading '{dataset}' from PhysioNet ...")
        download(dataset, root)
        return root


def main(argv=None) -> int:
    """``python -m ecgkit.data info|download|ensure``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m ecgkit.data",
                                     description="Find, download and describe the course data.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    dl = sub.add_parser("download", help="download from PhysioNet (checksummed, resumable)")
    dl.add_argument("dataset", choices=["sample", *DATASETS])
    dl.add_argument("--dest", default=None, help="target folder (default: $ECGKIT_DATA or cache)")
    sub.add_parser("ensure", help="download the sample only if it is not already there")
    sub.add_parser("info", help="say where the data is and how much of it is present")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "download":
            print(download(args.dataset, args.dest))
        elif args.cmd == "ensure":
            print(f"data ready in {ensure_data('sample')}")
        else:
            db = load_ptbxl_metadata()
            n = len(available_ptbxl_records(db, 100))
            print(f"data root: {data_root()}\nPTB-XL {db.attrs['version']}: {len(db)} ECGs in "
                  f"the metadata, {n} with 100 Hz waveforms\nMIT-BIH: {mitbih_path()}")
    except (DataNotFoundError, DownloadError, ChecksumError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0
