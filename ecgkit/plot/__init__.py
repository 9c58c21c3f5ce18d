"""Figures of the course: ECG paper and strips (:mod:`~ecgkit.plot.paper`), the heart,
electrodes, lead axes and a labelled beat (:mod:`~ecgkit.plot.anatomy`) and the rest
(:mod:`~ecgkit.plot.figures`: datasets, filters, training, evaluation, heartbeats, models).

Every name is re-exported here (``ecgkit.plot.plot_history``).
"""
from ecgkit.plot.anatomy import (FRONTAL_LEAD_ANGLES, PRECORDIAL_LEAD_ANGLES, lead_direction,
                                 measure_intervals, plot_conduction_path,
                                 plot_electrode_positions, plot_labelled_beat,
                                 plot_lead_directions)
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
           "finish_paper", "plot_conduction_path", "plot_electrode_positions",
           "plot_lead_directions", "plot_labelled_beat", "measure_intervals",
           "lead_direction", "FRONTAL_LEAD_ANGLES", "PRECORDIAL_LEAD_ANGLES"]
