"""ProtoECGNet rhythm branch: labels, loss terms, projection, stage-wise training.

(Its explanations are tested in tests/explain/test_explain_prototypes.py.)
"""
import warnings

import numpy as np
import pytest
import torch

from ecgkit import data, train
from ecgkit.models import get_model
from ecgkit.models import protoecgnet as pe


# ----------------------------------------------------------------------------- labels
def test_proto_rhythm_labels_match_an_independent_count(data_root):
    db = data.load_ptbxl_metadata()
    labels = data.ptbxl_labels(db, data.load_scp_statements(), "proto_rhythm")
    assert tuple(labels.columns) == data.PROTO_RHYTHM_LABELS
    assert len(data.PROTO_RHYTHM_LABELS) == 16
    # independent count: straight from the raw scp_codes strings of the csv
    import pandas as pd
    raw = pd.read_csv(data.ptbxl_path() / "ptbxl_database.csv", index_col="ecg_id")["scp_codes"]
    for code in data.PROTO_RHYTHM_LABELS:
        expected = int(raw.str.contains(f"'{code}'", regex=False).sum())
        assert int(labels[code].sum()) == expected, code
    assert labels["SR"].sum() > 10000 and labels["1AVB"].sum() > 0  # diagnostic codes included


# ----------------------------------------------------------------------------- model
def tiny_model(n_classes=3, k=2, length=2, seed=0):
    torch.manual_seed(seed)
    return pe.ProtoECGNet(n_classes, n_leads=12, width=4, prototypes_per_class=k,
                          prototype_length=length, latent_dim=8)


def test_shapes_and_registry():
    x = torch.randn(2, 12, 1000)
    base = get_model("resnet18_1d", 16, width=4)
    assert base(x).shape == (2, 16)
    assert base.features(x).shape == (2, 32, 32)          # 1000 samples -> 32 latent steps
    model = get_model("protoecgnet", 16, width=4, latent_dim=8, prototype_length=8)
    logits, sims = model(x)
    assert logits.shape == (2, 16) and sims.shape == (2, 80)
    assert model.similarity_map(x).shape == (2, 80, 32 - 8 + 1)
    assert sims.abs().max() <= 1 + 1e-5
    with pytest.raises(ValueError, match="expected input"):
        model(torch.randn(2, 11, 1000))


def test_last_layer_starts_as_protopnet():
    w = tiny_model().last_layer.weight
    assert torch.equal(w[0], torch.tensor([1, 1, -.5, -.5, -.5, -.5]))


def test_cosine_similarity_map_matches_a_loop():
    torch.manual_seed(1)
    z, protos = torch.randn(2, 5, 7), torch.randn(3, 5, 3)
    got = pe.cosine_similarity_map(z, protos)
    assert got.shape == (2, 3, 5)
    for n in range(2):
        for p in range(3):
            for t in range(5):
                want = torch.nn.functional.cosine_similarity(
                    z[n, :, t:t + 3].flatten(), protos[p].flatten(), dim=0)
                assert torch.isclose(got[n, p, t], want, atol=1e-5)
    with pytest.raises(ValueError, match="shorter"):
        pe.cosine_similarity_map(torch.randn(1, 5, 2), protos)


# ----------------------------------------------------------------------------- losses
PC = torch.tensor([0, 0, 1, 1, 2, 2])  # two prototypes for each of three classes


def test_clustering_loss_takes_the_best_own_prototype_per_positive_label():
    sims = torch.tensor([[0.9, 0.1, 0.5, 0.2, 0.0, 0.0],
                         [0.0, 0.3, 0.0, 0.0, 0.7, -0.2]])
    y = torch.tensor([[1., 1., 0.], [0., 0., 1.]])
    # positives: (0, class 0) -> 0.9, (0, class 1) -> 0.5, (1, class 2) -> 0.7
    assert torch.isclose(pe.clustering_loss(sims, y, PC), torch.tensor(-(0.9 + 0.5 + 0.7) / 3))
    assert pe.clustering_loss(sims, torch.zeros(2, 3), PC) == 0


def test_separation_loss_takes_the_best_wrong_prototype():
    sims = torch.tensor([[0.9, 0.1, 0.5, 0.2, 0.4, 0.0],
                         [0.0, 0.3, 0.0, 0.6, 0.7, -0.2]])
    y = torch.tensor([[1., 0., 0.], [0., 0., 1.]])
    # ECG 0: wrong prototypes 2..5 -> 0.5; ECG 1: wrong prototypes 0..3 -> 0.6
    assert torch.isclose(pe.separation_loss(sims, y, PC), torch.tensor(0.55))
    # an ECG with every label has no wrong prototype and is left out
    y_all = torch.tensor([[1., 1., 1.], [0., 0., 1.]])
    assert torch.isclose(pe.separation_loss(sims, y_all, PC), torch.tensor(0.6))


def test_diversity_loss_is_zero_for_orthogonal_and_high_for_duplicates():
    eye = torch.eye(4).reshape(4, 2, 2)
    assert pe.diversity_loss(eye) == 0
    same = torch.ones(4, 2, 2)
    assert torch.isclose(pe.diversity_loss(same), torch.tensor(12 / 16))
    assert pe.diversity_loss(2 * eye) == 0  # scale does not matter (cosine)


def test_contrastive_loss_pulls_cooccurring_labels_together():
    pc = torch.tensor([0, 1, 2])
    jac = torch.tensor([[1., 1., 0.], [1., 1., 0.], [0., 0., 1.]])  # labels 0 and 1 co-occur
    e = torch.tensor([1., 0.])
    good = torch.stack([e, e, -e])[:, :, None]      # 0, 1 aligned; 2 opposite
    bad = torch.stack([e, -e, e])[:, :, None]       # 0, 1 opposite; 2 aligned with 0
    assert torch.isclose(pe.contrastive_loss(good, pc, jac), torch.tensor(-2.0))
    assert pe.contrastive_loss(bad, pc, jac) > 0
    with pytest.raises(ValueError, match="square"):
        pe.contrastive_loss(good, pc, jac[:2])


def test_last_layer_l1_only_counts_wrong_class_connections():
    w = torch.tensor([[1., 2., -3., 0., 0., 1.],
                      [0.5, 0., 1., 1., 0., 0.],
                      [0., 0., 0., 0., 4., 4.]])
    # off-class entries: row 0 cols 2-5: 3 + 0 + 0 + 1; row 1 cols 0,1,4,5: 0.5; row 2 cols 0-3: 0
    assert pe.last_layer_l1(w, PC) == 4.5
    assert pe.last_layer_l1(w, PC, off_class_only=False) == w.abs().sum()


def test_jaccard_and_rarest_label():
    y = np.array([[1, 1, 0], [1, 0, 0], [1, 1, 0], [0, 0, 1]])
    jac = pe.jaccard_cooccurrence(y)
    assert torch.isclose(jac[0, 1], torch.tensor(2 / 3)) and jac[0, 2] == 0 and jac[2, 2] == 1
    assert pe.rarest_label(y).tolist() == [1, 0, 1, 2]
    with pytest.raises(ValueError, match="no label"):
        pe.rarest_label(np.zeros((2, 3)))


def test_prototype_loss_is_the_weighted_sum_of_its_terms():
    model = tiny_model()
    x, y = torch.randn(4, 12, 256), torch.tensor([[1., 0, 0], [0, 1, 1], [1, 0, 0], [0, 0, 1]])
    loss = pe.PrototypeLoss(torch.ones(3), pe.jaccard_cooccurrence(y.numpy()))
    logits, sims = model(x)
    terms = loss.terms(logits, y, sims, model)
    assert set(terms) == {"bce", "clustering", "separation", "diversity", "contrastive", "l1"}
    total = loss(logits, y, model=model, extras=(sims,))
    assert torch.isclose(total, sum(terms.values()))
    assert torch.isclose(terms["diversity"], 250 * pe.diversity_loss(model.prototype_layer.prototypes))
    # fit's validation pass calls it without the model: plain weighted BCE
    assert torch.isclose(loss(logits, y), terms["bce"])
    with pytest.raises(ValueError, match="co-occurrence"):
        pe.PrototypeLoss()


# ----------------------------------------------------------------------------- projection
def test_projection_makes_each_prototype_a_real_training_segment():
    model = tiny_model()
    torch.manual_seed(2)
    X = torch.randn(10, 12, 256)
    y = np.zeros((10, 3), dtype=np.float32)
    y[:6, 0] = 1
    y[4:, 1] = 1                       # class 2 has no training ECG
    old = model.prototype_layer.prototypes.detach().clone()
    latent = model.eval().latent(X).detach()   # (10, 8, 8)
    brute = pe.cosine_similarity_map(latent, old)
    proj = pe.project_prototypes(model, X.numpy(), y, ids=np.arange(100, 110), batch_size=3)
    table = proj.table
    new = model.prototype_layer.prototypes.detach()
    L = model.prototype_length
    for p, row in table.iterrows():
        cls = int(model.prototype_class[p])
        if cls == 2:
            assert not row["projected"] and torch.equal(new[p], old[p])
            continue
        i, t = row["ecg_index"], row["latent_start"]
        assert row["projected"] and y[i, cls] == 1 and row["ecg_id"] == 100 + i
        assert row["latent_stop"] == t + L
        assert (row["sample_start"], row["sample_stop"]) == (32 * t, min(256, 32 * (t + L)))
        segment = model.latent(X[i:i + 1])[0, :, t:t + L].detach()
        assert torch.allclose(new[p], segment, atol=1e-6)       # the prototype IS that segment
        # and it was the closest eligible segment to the old prototype
        eligible = brute[torch.as_tensor(y[:, cls] == 1), p]
        assert np.isclose(row["similarity"], float(eligible.max()), atol=1e-5)
    # a projected prototype now matches its own training ECG perfectly
    sims = model(X)[1].detach()
    for p, row in table[table.projected].iterrows():
        assert sims[row["ecg_index"], p] == pytest.approx(1.0, abs=1e-5)


# ----------------------------------------------------------------------------- stages
def _fit(model, loss, epochs=1):
    torch.manual_seed(3)
    X = torch.randn(16, 12, 256)
    y = (torch.rand(16, 3) < 0.4).float()
    y[:, 0] = 1 - y[:, 1]              # every ECG has a label
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        train.fit(model, (X, y), (X[:8], y[:8]), loss_fn=loss, epochs=epochs, batch_size=8,
                  lr=1e-2, device="cpu", progress=False, verbose=False, scheduler=None)


def _state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_stage3_changes_only_the_last_layer():
    model = tiny_model()
    pe.set_stage(model, "last_layer")
    assert pe.trainable_parameter_names(model) == ["last_layer.weight"]
    before = _state(model)
    _fit(model, pe.PrototypeLoss(None, None, clustering=0, separation=0, diversity=0,
                                 contrastive=0))
    after = _state(model)
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert changed == ["last_layer.weight"]  # parameters AND BatchNorm statistics untouched


def test_stage1_trains_everything_but_the_last_layer():
    model = tiny_model()
    pe.set_stage(model, "joint")
    before = _state(model)
    y_co = pe.jaccard_cooccurrence(np.array([[1, 0, 0], [0, 1, 1]]))
    _fit(model, pe.PrototypeLoss(None, y_co))
    after = _state(model)
    assert torch.equal(before["last_layer.weight"], after["last_layer.weight"])
    for k in ("prototype_layer.prototypes", "stem.0.weight", "add_on.0.weight",
              "blocks.0.bn1.running_mean"):
        assert not torch.equal(before[k], after[k]), k
    with pytest.raises(ValueError, match="stage"):
        pe.set_stage(model, "push")
