"""Figures of the course: ECG paper and strips (:mod:`~ecgkit.plot.paper`) and the rest
(:mod:`~ecgkit.plot.figures`: datasets, filters, training, evaluation, heartbeats, models).

Every name is re-exported here (``ecgkit.plot.plot_history``).
"""
from ecgkit.plot.figures import (plot_beat_gallery, plot_block_diagram, plot_class_beats,
                                 plot_class_distribution, plot_confusion_matrices,
                                 plot_confusion_matrix, plot_cooccurrence,
                                 plot_frequency_response, plot_history, plot_radar,
                                 plot_roc_curves, plot_signal_comparison)
from ecgkit.plot.paper import (CALIBRATION_MM, MM_PER_INCH, ROW_HEIGHT_MM, draw_paper,
                               finish_paper, paper_axes, plot_ecg_paper, plot_strip)

__all__ = ["plot_ecg_paper", "plot_strip", "plot_class_distribution", "plot_cooccurrence",
           "plot_frequency_response", "plot_signal_comparison", "plot_history",
           "plot_roc_curves", "plot_confusion_matrices", "plot_confusion_matrix",
           "plot_beat_gallery", "plot_class_beats", "plot_radar", "plot_block_diagram",
           "MM_PER_INCH", "ROW_HEIGHT_MM", "CALIBRATION_MM", "draw_paper", "paper_axes",
           "finish_paper"]
