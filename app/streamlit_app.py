"""ECG explainer: pick or upload an ECG, see the prediction, an explanation and a report.

Start it from the repository root with::

    streamlit run app/streamlit_app.py

It loads the model bundle named by ``$ECGKIT_BUNDLE`` or, by default, the cached
``explainable`` bundle of the current profile (``python -m ecgkit.predict train-bundle``
creates it; so do chapters 12 and 13). MIT-BIH records and 1-2 lead uploads go to the
heartbeat classifier of chapter 7 (``$ECGKIT_BEAT_BUNDLE`` or the cached beat bundle;
``python -m ecgkit.predict train-beat-bundle`` creates it): per-beat AAMI classes over the
whole record, the shown strip labelled beat by beat, an attribution over one beat and a
report. Every bad upload ends in a message, never a crash:
the readers of :mod:`ecgkit.data.io` raise ``ValueError`` with the reason, shown here as is.

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

from ecgkit import data, explain, plot  # noqa: E402
from ecgkit.app import beat_analysis, bundle as bundles  # noqa: E402
from ecgkit.app import beat_bundle as beat_bundles  # noqa: E402
from ecgkit.app import report as report_module  # noqa: E402
from ecgkit.data import io  # noqa: E402
from ecgkit.signal import filters  # noqa: E402

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
    return Path(env) if env else bundles.bundle_path("explainable")


@st.cache_resource(show_spinner="Loading the model ...")
def _load_bundle(path: str, mtime: float):  # mtime: reload when the file changes
    return bundles.load_bundle(path)


def _bundle_or_stop(path: Path, what: str, command: str, duration: str, train, load, label: str):
    """Load the bundle at ``path``; without one, say how to make it (command or button)
    and ``st.stop()``; an unusable file gets an error, never a crash."""
    if not path.is_file():
        st.warning(f"No trained {what} found at `{path}`.")
        st.markdown(f"Create it from a terminal ({duration} on a laptop CPU):\n\n"
                    f"```\npython -m ecgkit.predict {command}\n```\n\n"
                    "or train it here:")
        if st.button(f"Train the {what} now", key=f"train_{command}"):
            with st.spinner(f"Training the {what} ..."):
                train(path)
            st.rerun()
        st.stop()
    try:
        bundle = load(path)
    except (ValueError, RuntimeError) as err:
        st.error(f"The {what} file `{path}` could not be used: {err}")
        st.stop()
    st.sidebar.markdown(f"**{label}**: {bundle.describe()}")
    return bundle


def _twelve_lead_bundle():
    """The 12-lead bundle, or a message saying how to make one (and ``st.stop()``)."""
    return _bundle_or_stop(
        _bundle_file(), "12-lead model", "train-bundle", "about a minute",
        train=lambda path: bundles.train_bundle("explainable", path=path, verbose=False),
        load=lambda path: _load_bundle(str(path), path.stat().st_mtime), label="Model")


def _beat_bundle_file() -> Path:
    env = os.environ.get("ECGKIT_BEAT_BUNDLE")
    return Path(env) if env else beat_bundles.beat_bundle_path()


@st.cache_resource(show_spinner="Loading the heartbeat model ...")
def _load_beat_bundle(path: str, mtime: float):  # mtime: reload when the file changes
    return beat_bundles.load_beat_bundle(path)


def _checked_beat_bundle(path: Path):
    bundle = _load_beat_bundle(str(path), path.stat().st_mtime)
    bundle.check_compatible()
    return bundle


def _beat_bundle():
    """The heartbeat bundle, or a message saying how to make one (and ``st.stop()``)."""
    return _bundle_or_stop(
        _beat_bundle_file(), "heartbeat model", "train-beat-bundle", "a couple of minutes",
        train=lambda path: beat_bundles.train_beat_bundle(path=path, verbose=False),
        load=_checked_beat_bundle, label="Heartbeat model")


@st.cache_data(show_spinner="Classifying the record's heartbeats ...")
def _analyse_mitbih(path: str, mtime: float, name: str):
    """Per-beat predictions over the whole MIT-BIH record (cached per record)."""
    return beat_analysis.analyse_record(_load_beat_bundle(path, mtime), f"mitdb:{name}")


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



# --------------------------------------------------------------------------- heartbeats
def _has_12_leads(rec) -> bool:
    have = {str(lead).upper() for lead in rec.leads}
    return all(lead.upper() in have for lead in data.LEADS)


def _beat_section(rec) -> None:
    """MIT-BIH records and 1-2 lead uploads: the heartbeat classifier of chapter 7."""
    beat_bundle = _beat_bundle()
    path = _beat_bundle_file()
    mitdb = rec.metadata.get("record")
    try:
        if mitdb:
            analysis = _analyse_mitbih(str(path), path.stat().st_mtime, str(mitdb))
        else:
            analysis = beat_analysis.analyse_record(beat_bundle, rec)
    except (ValueError, RuntimeError) as err:
        st.error(f"The heartbeat model cannot classify this ECG: {err}")
        st.stop()
    st.subheader("Heartbeats")
    for note in analysis.notes:
        (st.info if note.startswith("Record ") else st.caption)(note)
    st.dataframe(analysis.counts(), key="beat_counts")
    agreement = analysis.agreement()
    if agreement is not None:
        st.markdown(f"**{len(analysis)} beats** of the whole record (reference annotations); "
                    f"the prediction agrees with the reference on "
                    f"**{agreement['accuracy']:.1%}** of them.")
    else:
        st.markdown(f"**{len(analysis)} beats** found by the XQRS detector.")
    start = float(rec.metadata.get("start_s", 0.0)) if mitdb else 0.0
    seconds = min(10.0, rec.duration_s)
    names = [str(lead).upper() for lead in rec.leads]
    lead = rec.signal[names.index("II")] if "II" in names else rec.signal[0]
    strip = lead[: int(round(seconds * rec.fs))]
    shown = analysis.in_window(start, len(strip) / rec.fs)

    st.subheader("Explanation")
    if len(shown) == 0:
        _show(beat_analysis.plot_beat_strip(strip, rec.fs, analysis, start))
        st.info("No classified beat in the shown strip; pick another start time.")
    else:
        method = st.sidebar.selectbox("Beat explanation", ("integrated_gradients", "occlusion"),
                                      key="beat_method",
                                      format_func=lambda m: m.replace("_", " "))
        ref = analysis.reference
        labels = {int(i): f"{analysis.samples[i] / analysis.fs:.2f} s: predicted "
                          f"{analysis.predicted[i]}" + (f" (reference {ref[i]})"
                                                        if ref is not None else "")
                  for i in shown}
        ectopic = [int(i) for i in shown if analysis.predicted[i] != "N"]
        default = ectopic[0] if ectopic else int(shown[0])
        options = list(labels)
        beat = st.selectbox("Beat to explain", options, index=options.index(default),
                            key="beat", format_func=labels.get)
        cls = st.selectbox("Class to explain", beat_bundle.classes,
                           index=beat_bundle.classes.index(str(analysis.predicted[beat])),
                           key="beat_class")
        _show(beat_analysis.plot_beat_strip(strip, rec.fs, analysis, start, highlight=beat))
        with st.spinner("Explaining ..."):
            expl = beat_analysis.explain_beat(beat_bundle, analysis, beat, cls, method)
        _show(beat_analysis.plot_beat_explanation(beat_bundle, analysis, expl))
        probs = analysis.probs[beat]
        st.caption("Class probabilities of this beat: " + ", ".join(
            f"{c} {p:.2f}" for c, p in zip(beat_bundle.classes, probs)) + ". Colour shows "
            "what changed the model's output for this class, not where a disease is.")

    st.subheader("Report")
    st.code(beat_analysis.beat_report(beat_bundle, analysis).text, language=None)


if not _has_12_leads(record):
    _beat_section(record)
    st.stop()

bundle = _twelve_lead_bundle()
try:
    signal, input_notes = io.to_model_input(record, fs=bundle.fs,
                                            seconds=bundle.n_samples / bundle.fs)
except ValueError as err:
    st.error(f"The model cannot classify this ECG: {err}")
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
    fig = explain.plot_attribution_on_paper(
        filters.bandpass(signal, fs=bundle.fs), attribution, bundle.fs,
        title=f"{explain.METHOD_LABELS[method]} for {cls} (band-passed 0.5-40 Hz)")
    _show(fig)
    st.caption("Colour shows what changed the model's output for this class, not where a "
               "disease is. Chapter 12 of the course measures how faithful each method is.")

# --------------------------------------------------------------------------- report
st.subheader("Report")
rep = report_module.report(bundle, record)
st.code(rep.text, language=None)
