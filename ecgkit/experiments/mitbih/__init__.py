"""MIT-BIH heartbeat benchmark: ``python -m ecgkit.bench mitbih --split inter|intra``.

Protocol
--------
* Beats: every annotated beat of the 44 non-paced records (AAMI excludes the four
  paced ones), MLII lead picked by name, band-pass 0.5-40 Hz, resampled to 120 Hz,
  window 0.25 s before to 0.45 s after the R peak (:class:`ecgkit.data.BeatSpec`),
  z-scored per beat, minus the record's median beat (how the beat differs from the
  patient's usual one); five RR features divided by the record's mean RR
  (:meth:`MitbihRecipe.model_inputs`). The CNN-LSTM adds an RR branch's logits to its
  beat branch's, and drops the beat branch for half the training beats
  (``rr_path="additive"``, ``morph_dropout=0.5``, see :mod:`ecgkit.models.cnnlstm`).
* Splits: ``inter`` = train on DS1, test on DS2 (de Chazal et al. 2004; no patient on
  both sides); ``intra`` = random 80/20 beat split stratified by class (document 004's
  protocol; every patient on both sides). Validation (it is scored after every epoch
  and chooses the S threshold): for ``inter``, whole DS1 records held out
  (patient-wise, :func:`validation_records`), so that it measures transfer to unseen
  patients, not memory of DS1's; for ``intra``, a random 10 % of the training beats.
  The test side is never seen in training. It was seen in choosing the recipe: the
  choices listed in :data:`DS2_INFORMED` were made while DS2 scores were in view, and
  every result's protocol block says so (``"choices_that_saw_ds2"``).
* Training (:func:`ecgkit.train.fit`, one engine for the course): AdamW with a
  one-cycle schedule, a fixed budget (4 epochs of 40,000 sampled beats in the full
  recipe, three networks from different random starts whose probabilities are averaged),
  the weights of the last epoch (``select_epoch=False``: picking the best of
  four epochs on 2-3 held-out patients chose noise), class imbalance handled twice,
  mildly: a weighted sampler drawing each class in proportion to the square root of its
  count, and cross-entropy with square-root class weights.
* Decision (:class:`BeatDecision`), chosen on the training side only, by macro-F1: for
  the CNN-LSTM on the validation beats, for the boosted trees on 5-fold out-of-fold
  predictions (folds by record in the inter-patient split). A beat whose most probable
  class is N is called S when its S probability exceeds a threshold
  (:func:`decide_beats`, :func:`choose_s_threshold`). Before that, on the
  random split only, the probabilities are moved towards the training side's class mix
  (:func:`adjust_for_prior`, weight chosen in :data:`PRIOR_WEIGHTS`): the
  balanced training overcalls the rare classes, and there the test side has the
  training mix; a new patient's mix is unknown, so the inter-patient split keeps weight
  0. ``--s-threshold argmax --prior-weight 0`` is plain argmax; the JSON holds both.
* Choosing among recipes without DS2: :func:`cross_validate_recipes` (record-wise
  cross-validation over DS1; ``scripts/select_mitbih_recipe.py``).
* Metrics (AAMI): per-class sensitivity, positive predictive value (+P) and F1,
  confusion matrix, accuracy, macro-F1 over N, S, V, F, and the S sensitivity without
  record 232 (which holds about 75 % of DS2's S beats). F and Q are too few to judge.
  Per test record the same figures (``test.per_record``), 95 % intervals from a bootstrap
  over records, not beats (``test.ci95_by_record``, :mod:`.records`), and every headline
  figure without record 232 (``test.without_232``).
* Real use (:mod:`.realuse`, ``scripts/bench_mitbih_real_use.py``): the same network at
  XQRS-detected beats, with 1-5 minutes of context, and causally. :mod:`.report` prints
  both recipes' results side by side (``scripts/bench_mitbih.py --report``).
* Provenance: the git commit, the recipe and its hash (:func:`recipe_hash`), the
  SHA-256 of the MIT-BIH files read and the command line (``"provenance"``).

``--model gbm`` trains the non-deep reference instead: scikit-learn's histogram
gradient boosting on 32 points of the beat minus its record's median beat, plus the five
RR features, binned at class-weighted quantiles (:class:`BinnedGBM`; seconds to train,
the cross-validation for its threshold under a minute).
"""
from ecgkit.experiments.mitbih import realuse, report, selection
from ecgkit.experiments.mitbih.cv import cross_validate_recipes
from ecgkit.experiments.mitbih.decision import (PRIOR_WEIGHTS, BeatDecision,
                                                adjust_for_prior, check_s_threshold,
                                                choose_decision, choose_s_threshold,
                                                decide_beats, decision_on_validation,
                                                decision_weights, prior_ratio)
from ecgkit.experiments.mitbih.network import (BeatAugment, epoch_used, predict_beats,
                                               train_cnnlstm)
from ecgkit.experiments.mitbih.recipe import (DS2_INFORMED, MODELS, PUBLISHED, RECIPES,
                                              S_THRESHOLDS, WIRINGS, MitbihRecipe,
                                              member_seeds, recipe_hash, with_wiring)
from ecgkit.experiments.mitbih.records import (per_record_figures, record_bootstrap_ci,
                                               record_checksums)
from ecgkit.experiments.mitbih.run import (add_mitbih_arguments, format_summary,
                                           recipe_for, run_mitbih, run_mitbih_cli)
from ecgkit.experiments.mitbih.splits import (hold_out_validation, holds_out_patients,
                                              split_indices, validation_records)
from ecgkit.experiments.mitbih.trees import (BinnedGBM, WeightedQuantileBins,
                                             gbm_out_of_fold, gbm_probabilities, train_gbm)

__all__ = ["MitbihRecipe", "RECIPES", "WIRINGS", "with_wiring", "PUBLISHED", "S_THRESHOLDS",
           "DS2_INFORMED", "recipe_hash", "selection", "realuse", "report",
           "recipe_for", "per_record_figures",
           "record_bootstrap_ci", "record_checksums",
           "split_indices", "hold_out_validation", "validation_records", "member_seeds",
           "train_cnnlstm", "epoch_used", "predict_beats", "BeatAugment",
           "WeightedQuantileBins", "BinnedGBM", "train_gbm", "gbm_probabilities",
           "gbm_out_of_fold", "decide_beats", "adjust_for_prior", "check_s_threshold",
           "choose_s_threshold", "PRIOR_WEIGHTS", "prior_ratio", "BeatDecision",
           "choose_decision", "decision_weights", "decision_on_validation",
           "holds_out_patients", "cross_validate_recipes", "run_mitbih", "format_summary",
           "add_mitbih_arguments", "run_mitbih_cli", "MODELS"]
