"""From signal to image and spectrum: the 2D and frequency views of an ECG.

:mod:`~ecgkit.transforms.images` (PAA, RPM, recurrence plot, GAF, MTF),
:mod:`~ecgkit.transforms.spectra` (scalogram, FFT) and :mod:`~ecgkit.transforms.cache`
(images stored on disk); every name is re-exported here (``tr.relative_position_matrix``).
"""
from ecgkit.transforms.cache import TRANSFORMS, cached_transform, image_cache_dir
from ecgkit.transforms.images import (gramian_angular_field, markov_transition_field, paa,
                                      paa_bounds, recurrence_plot, relative_position_matrix)
from ecgkit.transforms.spectra import (Spectrum, fft_features, fft_frequencies, fft_spectrum,
                                       phase_randomized, scalogram, scalogram_frequencies)

__all__ = [
    "paa_bounds", "paa", "relative_position_matrix", "recurrence_plot",
    "gramian_angular_field", "markov_transition_field", "scalogram",
    "scalogram_frequencies", "fft_spectrum", "fft_features", "fft_frequencies",
    "phase_randomized", "Spectrum", "TRANSFORMS", "cached_transform", "image_cache_dir",
]
