"""Signal processing of ECG arrays: filters, resampling, standardisation, input checks.

Every function works along the **last axis** (time): one function serves a lead ``(T,)``,
a record ``(12, T)`` and a batch ``(N, 12, T)``; amplitudes in mV, rates in Hz. The names
of :mod:`~ecgkit.signal.filters`, :mod:`~ecgkit.signal.standardize` and
:mod:`~ecgkit.signal.checks` are re-exported here; beats live in :mod:`ecgkit.signal.beats`.
"""
from ecgkit.signal.checks import check_fs, check_signal
from ecgkit.signal.filters import (bandpass, design_bandpass, design_highpass,
                                   design_lowpass, design_notch, frequency_response,
                                   highpass, lowpass, min_signal_length, notch, resample)
from ecgkit.signal.standardize import (BAND_HZ, LeadStandardizer, fit_preprocessing,
                                       preprocess, zscore)

__all__ = [
    "bandpass", "highpass", "lowpass", "notch", "resample", "zscore", "LeadStandardizer",
    "design_bandpass", "design_highpass", "design_lowpass", "design_notch",
    "frequency_response", "min_signal_length", "check_fs", "check_signal", "BAND_HZ",
    "fit_preprocessing", "preprocess",
]
