"""ECG explainer: pick or upload an ECG, see the prediction, an explanation and a report.

Start it from the repository root with::

    streamlit run app/streamlit_app.py

It loads the model bundle named by ``$ECGKIT_BUNDLE`` or, by default, the cached
``explainable`` bundle of the current profile (``python -m ecgkit.predict train-bundle``
creates it; so do chapters 12 and 13). Every bad upload ends in a message, never a crash:
the readers of :mod:`ecgkit.io` raise ``ValueError`` with the reason, shown here as is.

This is a teaching tool, not a medical device.
"""
from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on a server
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from ecgkit import data, explain, io, plot, predict  # noqa: E402
from ecgkit import report as report_module  # noqa: E402

METHODS = ("integrated_gradients", "occlusion", "gradcam", "attention")
SOURCES = ("PTB-XL record", "MIT-BIH record", "Upload a file")

st.set_page_config(page_title="ECG explainer (teaching model)", layout="wide")
st.title("ECG explainer")
st.caption("A teaching tool of the course *ECG deep learning, an executable course*. "
           "Not a medical device: never use it to make decisions about a patient.")


def _show(fig) -> None:
    """Draw a matplotlib figure as a PNG (110 dpi keeps large ECG pages quick) and close it."""
    from io import BytesIO

    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    st.image(buffer.getvalue())


# --------------------------------------------------------------------------- model
def _bundle_file() -> Path:
    env = os.environ.get("ECGKIT_BUNDLE")
    return Path(env) if env else predict.bundle_path("explainable")


@st.cache_resource(show_spinner="Loading the model ...")
def _load_bundle(path: str, mtime: float):  # mtime: reload when the file changes
    return predict.load_bundle(path)


bundle_file = _bundle_file()
if not bundle_file.is_file():
    st.warning(f"No trained model found at `{bundle_file}`.")
    st.markdown("Create one from a terminal (about a minute on a laptop CPU):\n\n"
                "```\npython -m ecgkit.predict train-bundle\n```\n\n"
                "or train it here:")
    if st.button("Train a small model now", key="train"):
        with st.spinner("Training ExplainableECGNet on the PTB-XL sample ..."):
            predict.train_bundle("explainable", path=bundle_file, verbose=False)
        st.rerun()
    st.stop()

try:
    bundle = _load_bundle(str(bundle_file), bundle_file.stat().st_mtime)
except (ValueError, RuntimeError) as err:
    st.error(f"The model file `{bundle_file}` could not be loaded: {err}")
    st.stop()
st.sidebar.markdown(f"**Model**: {bundle.describe()}")


# --------------------------------------------------------------------------- input
@st.cache_data(show_spinner=False)
def _ptbxl_ids() -> list[int]:
    db = data.load_ptbxl_metadata()
    return [int(i) for i in data.available_ptbxl_records(db)]


def _record_from_upload(files) -> io.ECGRecord:
    if not files:
        raise ValueError("upload a WFDB record (its .hea and .dat files together) or a CSV file")
    names = [f.name for f in files]
    csvs = [f for f in files if f.name.lower().endswith(".csv")]
    if csvs:
        if len(files) > 1:
            raise ValueError(f"upload one CSV file at a time (got {', '.join(names)})")
        fs = st.session_state.get("csv_fs", float(io.MODEL_FS))
        return io.read_csv(csvs[0].getvalue(), fs=fs, name=csvs[0].name)
    if any(n.lower().endswith((".hea", ".dat")) for n in names):
        return io.read_wfdb_upload({f.name: f.getvalue() for f in files})
    raise ValueError(f"{', '.join(names)}: not an ECG file this app reads; upload a WFDB "
                     "record (.hea + .dat) or a CSV file")


source = st.sidebar.radio("ECG", SOURCES, key="source")
record = None
try:
    if source == SOURCES[0]:
        ids = _ptbxl_ids()
        ecg_id = st.sidebar.selectbox("PTB-XL ecg_id", ids, key="ptbxl_id")
        record = io.ptbxl_record(int(ecg_id))
    elif source == SOURCES[1]:
        name = st.sidebar.selectbox("MIT-BIH record", data.MITBIH_RECORDS, key="mitdb_record")
        start = st.sidebar.number_input("start (s)", 0.0, 1790.0, 0.0, 10.0, key="mitdb_start")
        record = io.mitbih_record(name, float(start))
    else:
        st.sidebar.number_input("sampling rate of a CSV (Hz)", 50.0, 10000.0,
                                float(io.MODEL_FS), key="csv_fs")
        files = st.sidebar.file_uploader("WFDB record (.hea + .dat) or CSV (12 columns or 1, "
                                         "mV, one row per sample)",
                                         type=["hea", "dat", "csv"],
                                         accept_multiple_files=True, key="upload")
        if not files:
            st.info("Upload a WFDB record (the .hea and .dat files together) or a CSV file "
                    "to analyse it.")
            st.stop()
        record = _record_from_upload(files)
except ValueError as err:
    st.error(f"This file cannot be used: {err}")
    st.stop()

st.subheader(record.name)
for note in record.notes:
    st.caption(note)

# --------------------------------------------------------------------------- ECG
fig = None
if len(record.leads) == 12 and record.duration_s >= 2:
    ordered = np.stack([record.lead(lead) for lead in data.LEADS])
    fig = plot.plot_ecg_paper(ordered, record.fs, title=f"{record.name} (raw)")
else:
    shown = record.signal[0][: int(10 * record.fs)]
    ann = record.metadata.get("ann_samples")
    annotations = None
    if ann is not None:
        keep = ann < len(shown)
        annotations = (ann[keep], record.metadata["ann_symbols"][keep])
    fig = plot.plot_strip(shown, record.fs, annotations=annotations,
                          title=f"{record.name}, lead {record.leads[0]}")
_show(fig)

try:
    signal, input_notes = io.to_model_input(record, fs=bundle.fs,
                                            seconds=bundle.n_samples / bundle.fs)
except ValueError as err:
    st.error(f"The model cannot classify this ECG: {err}")
    if source == SOURCES[1]:
        st.info("MIT-BIH records have two leads; this model reads all twelve. The beat "
                "classifier of the MIT-BIH chapters classifies their heartbeats.")
    st.stop()

# --------------------------------------------------------------------------- prediction
probs = bundle.predict_proba(signal)[0]
decision = bundle.decide(probs[None])[0]
table = pd.DataFrame({"probability": probs.round(3), "threshold": bundle.thresholds.round(3),
                      "predicted": np.where(decision, "yes", "")},
                     index=[f"{c} ({report_module.CLASS_NAMES.get(c, c)})"
                            for c in bundle.classes])
st.subheader("Prediction")
st.dataframe(table, key="predictions")
predicted = [c for c, d in zip(bundle.classes, decision) if d]
st.markdown("**Predicted:** " + (", ".join(predicted) if predicted else
                                 "no class above its threshold"))

# --------------------------------------------------------------------------- explanation
st.subheader("Explanation")
method = st.sidebar.selectbox("Explanation method", METHODS, key="method",
                              format_func=lambda m: explain.METHOD_LABELS.get(m, m))
default_class = int(np.argmax(probs))
cls = st.selectbox("Class to explain", bundle.classes, index=default_class, key="class")
x = bundle.preprocess(signal)
k = bundle.classes.index(cls)
if method == "attention" and not hasattr(bundle.model, "temporal_attention"):
    st.error("This model has no attention; choose another method.")
else:
    with st.spinner("Explaining ..."):
        attribution = explain.explain(bundle.model, x, method, target=k, window=50)[0]
    from ecgkit import signal as ecgsignal

    fig = explain.plot_attribution_on_paper(
        ecgsignal.bandpass(signal, fs=bundle.fs), attribution, bundle.fs,
        title=f"{explain.METHOD_LABELS[method]} for {cls} (band-passed 0.5-40 Hz)")
    _show(fig)
    st.caption("Colour shows what changed the model's output for this class, not where a "
               "disease is. Chapter 12 of the course measures how faithful each method is.")

# --------------------------------------------------------------------------- report
st.subheader("Report")
rep = report_module.report(bundle, record)
st.code(rep.text, language=None)
