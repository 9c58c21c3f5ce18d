"""Explanations of ECG models, mapped back onto the ECG (chapters 9, 10 and 12).

Re-exports :mod:`~ecgkit.explain.attributions` (the methods, :func:`explain`), ``images``,
``spectra`` and ``figures``; faithfulness tests and prototype explanations are the
submodules :mod:`~ecgkit.explain.faithfulness` and :mod:`~ecgkit.explain.prototypes`.
"""
from ecgkit.explain.attributions import (METHOD_LABELS, METHODS, attention_map,
                                         default_gradcam_layer, explain, gradcam,
                                         lead_occlusion, occlusion, shap_gradient)
from ecgkit.explain.figures import plot_attribution_on_paper, plot_on_trace
from ecgkit.explain.images import image_map_to_time
from ecgkit.explain.spectra import band_occlusion

__all__ = ["gradcam", "shap_gradient", "image_map_to_time", "band_occlusion",
           "plot_on_trace", "METHODS", "METHOD_LABELS", "default_gradcam_layer",
           "occlusion", "lead_occlusion", "attention_map", "explain",
           "plot_attribution_on_paper"]
