"""Real ECG data: PTB-XL and MIT-BIH, on disk or downloaded, and MIT-BIH cut into beats.

The public names of :mod:`~ecgkit.data.store` (where the data lives),
:mod:`~ecgkit.data.ptbxl`, :mod:`~ecgkit.data.mitbih`, :mod:`~ecgkit.data.beat_table` and
:mod:`~ecgkit.data.download` are re-exported here (``data.LEADS``, ``data.load_ptbxl_task``,
``data.load_beat_table`` ...). Uploaded files are read by :mod:`ecgkit.data.io`
(``from ecgkit.data import io``).
"""
from ecgkit.data.beat_table import (BEAT_RECORDS, BeatSpec, BeatTable, beat_features, build_beat_table,
                                    inter_patient_split, intra_patient_split, load_beat_table,
                                    model_inputs, record_beats, split_beats)
from ecgkit.data.download import DATASETS, FULL_PTBXL, download, ensure_data, sha256_of
from ecgkit.data.mitbih import (AAMI_CLASSES, AAMI_MAP, DS1, DS2, MITBIH_FS, MITBIH_RECORDS,
                                PACED_RECORDS, MitbihRecord, load_mitbih_record,
                                mitbih_class_counts)
from ecgkit.data.ptbxl import (LEADS, PROTO_RHYTHM_LABELS, PTBXL_N_ROWS, PTBXL_RATES,
                               PTBXL_TASKS, PTBXL_V103_DROPPED, SUPERCLASSES, TEST_FOLDS,
                               TRAIN_FOLDS, VAL_FOLDS, PTBXLTask, available_ptbxl_records,
                               drop_v103_duplicates, label_cooccurrence, load_ptbxl_metadata,
                               load_ptbxl_signals, load_ptbxl_task, load_scp_statements,
                               normalise_lead_name, preprocessed_splits, ptbxl_labels,
                               ptbxl_split, read_ptbxl_record)
from ecgkit.data.store import (HOW_TO_GET, PHYSIONET_URL, ChecksumError, DataNotFoundError,
                               DownloadError, cache_dir, data_root, mitbih_path, ptbxl_path)

__all__ = [
    # store
    "PHYSIONET_URL", "HOW_TO_GET", "DataNotFoundError", "ChecksumError", "DownloadError",
    "data_root", "cache_dir", "ptbxl_path", "mitbih_path",
    # ptbxl
    "LEADS", "SUPERCLASSES", "PTBXL_TASKS", "PROTO_RHYTHM_LABELS", "PTBXL_RATES",
    "TRAIN_FOLDS", "VAL_FOLDS", "TEST_FOLDS", "PTBXL_V103_DROPPED", "PTBXL_N_ROWS",
    "normalise_lead_name", "load_ptbxl_metadata", "drop_v103_duplicates",
    "load_scp_statements", "ptbxl_labels", "label_cooccurrence", "ptbxl_split",
    "available_ptbxl_records", "read_ptbxl_record", "load_ptbxl_signals", "PTBXLTask",
    "load_ptbxl_task", "preprocessed_splits",
    # mitbih
    "MITBIH_RECORDS", "MITBIH_FS", "DS1", "DS2", "PACED_RECORDS", "AAMI_CLASSES",
    "AAMI_MAP", "MitbihRecord", "load_mitbih_record", "mitbih_class_counts",
    # beat_table
    "BEAT_RECORDS", "BeatSpec", "BeatTable", "record_beats", "build_beat_table", "load_beat_table",
    "inter_patient_split", "intra_patient_split", "split_beats", "beat_features",
    "model_inputs",
    # download
    "DATASETS", "FULL_PTBXL", "sha256_of", "download", "ensure_data",
]
