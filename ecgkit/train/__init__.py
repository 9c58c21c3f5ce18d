"""One small training engine for every model of the course: fit, predict, class weights.

Re-exports :mod:`~ecgkit.train.loop` (fit, FitConfig, train_one_epoch, validate, History),
:mod:`~ecgkit.train.predict`, :mod:`~ecgkit.train.weights`, :mod:`~ecgkit.train.batches`
and :mod:`~ecgkit.train.checkpoint`; multi-process helpers are in ``train.distributed``.
"""
from __future__ import annotations

from ecgkit.train.batches import RandomCrop, as_dataset, default_workers, random_crop
from ecgkit.train.checkpoint import CHECKPOINT_NAME, load_checkpoint, training_code_fingerprint
from ecgkit.train.loop import FitConfig, History, fit, train_one_epoch, validate
from ecgkit.train.predict import (activate, count_parameters, model_logits, predict,
                                  sliding_window_predict, window_starts)
from ecgkit.train.weights import class_weights, make_weighted_sampler, pos_weight

__all__ = [
    "History", "FitConfig", "fit", "train_one_epoch", "validate",
    "predict", "sliding_window_predict", "window_starts", "activate", "model_logits",
    "count_parameters", "random_crop", "RandomCrop", "as_dataset", "default_workers",
    "class_weights", "pos_weight", "make_weighted_sampler", "load_checkpoint",
    "CHECKPOINT_NAME", "training_code_fingerprint",
]
