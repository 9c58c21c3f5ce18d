"""ecgkit.data.download against a local PhysioNet stand-in: hashes, resuming, errors, the CLI."""
import functools
import http.server
import shutil
import threading

import pytest

from ecgkit import config, data
from ecgkit.data.download import main  # data.download is the function


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def physionet(tmp_path, data_root, monkeypatch):
    """A PhysioNet stand-in on 127.0.0.1 serving the real files in PhysioNet's URL layout."""
    site = tmp_path / "site"
    (site / "mitdb").mkdir(parents=True)
    (site / "ptb-xl").mkdir()
    shutil.copytree(data_root / "mitdb", site / "mitdb" / "1.0.0")
    (site / "ptb-xl" / "1.0.1").symlink_to(data_root / "ptb-xl")
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("ECGKIT_PHYSIONET_URL", f"http://127.0.0.1:{server.server_port}")
    yield site
    server.shutdown()


def test_download_checks_hashes_and_resumes(physionet, tmp_path):
    dest = tmp_path / "dest"
    out = data.download("mitdb", dest, records=["100"], progress=False)
    assert sorted(p.name for p in out.iterdir()) == ["100.atr", "100.dat", "100.hea", "ANNOTATORS", "RECORDS"]
    assert data.load_mitbih_record("100", dest).signal.shape == (650000, 2)
    # a second run finds everything in place and downloads nothing
    mtime = (out / "100.dat").stat().st_mtime_ns
    data.download("mitdb", dest, records=["100"], progress=False)
    assert (out / "100.dat").stat().st_mtime_ns == mtime


def test_download_of_ptbxl_sample_subset(physionet, tmp_path):
    dest = tmp_path / "dest"
    data.download("ptb-xl-sample", dest, records=["00001_lr"], progress=False)
    db = data.load_ptbxl_metadata(dest)
    assert data.available_ptbxl_records(db).tolist() == [1]


def test_corrupt_download_is_rejected(physionet, tmp_path):
    bad = physionet / "mitdb" / "1.0.0" / "101.hea"
    bad.write_bytes(bad.read_bytes().replace(b"360", b"361", 1))
    dest = tmp_path / "dest"
    with pytest.raises(data.ChecksumError, match="SHA-256"):
        data.download("mitdb", dest, records=["101"], progress=False)
    assert not (dest / "mitdb" / "101.hea").exists()


def test_existing_wrong_file_is_not_overwritten(physionet, tmp_path):
    dest = tmp_path / "dest" / "mitdb"
    dest.mkdir(parents=True)
    (dest / "100.hea").write_text("my own notes")
    with pytest.raises(data.ChecksumError, match="not overwritten"):
        data.download("mitdb", dest.parent, records=["100"], progress=False)
    assert (dest / "100.hea").read_text() == "my own notes"


def test_offline_download_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGKIT_PHYSIONET_URL", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(data.DownloadError, match="ECGKIT_DATA"):
        data.download("mitdb", tmp_path, records=["100"], progress=False)


def test_command_line_info_and_errors(data_root, capsys, tmp_path, monkeypatch):
    assert main(["info"]) == 0
    assert "PTB-XL 1.0.1: 21837 ECGs" in capsys.readouterr().out
    monkeypatch.setenv("ECGKIT_DATA", str(tmp_path))
    assert main(["info"]) == 1
    assert "error: PTB-XL not found" in capsys.readouterr().err


def test_full_profile_downloads_full_ptbxl_once_into_its_own_folder(
        physionet, data_root, tmp_path, monkeypatch, capsys):
    # a stand-in of PhysioNet's ptb-xl/1.0.3: the metadata and two records, with its sums
    site = physionet / "ptb-xl" / "1.0.3"
    names = ["ptbxl_database.csv", "scp_statements.csv",
             *(f"records100/00000/00001_lr.{ext}" for ext in ("hea", "dat"))]
    for name in names:
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(data_root / "ptb-xl" / name, site / name)
    (site / "SHA256SUMS.txt").write_text(
        "".join(f"{data.sha256_of(site / n)} {n}\n" for n in names))
    monkeypatch.setenv("ECGKIT_DATA", str(tmp_path / "mine"))
    monkeypatch.setenv("ECGKIT_PTBXL", "")  # restored after the test
    shutil.copytree(data_root, tmp_path / "mine", symlinks=True)  # the sample is there
    full = config.get_profile("full")
    folder = data.ensure_data(full)
    assert folder == tmp_path / "mine" / "ptb-xl-1.0.3"
    assert "about 540 MB" in capsys.readouterr().out      # said before downloading
    assert data.ptbxl_path() == folder                     # every loader now reads it
    assert data.available_ptbxl_records(data.load_ptbxl_metadata()).tolist() == [1]
    # the sample's folder is untouched, and a second call downloads nothing
    assert (tmp_path / "mine" / "ptb-xl" / "records100" / "00000" / "00500_lr.dat").exists()
    monkeypatch.setenv("ECGKIT_PHYSIONET_URL", "http://127.0.0.1:9")
    assert data.ensure_data(full) == folder
    # back to the sample profile in the same process: the sample again
    data.ensure_data(config.get_profile("sample"))
    assert data.ptbxl_path() == tmp_path / "mine" / "ptb-xl"
