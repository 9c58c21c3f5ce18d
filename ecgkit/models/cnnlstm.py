"""The CNN-LSTM heartbeat classifier of source document 004 (MIT-BIH beats, AAMI classes)."""
from __future__ import annotations

import torch
from torch import nn

from ecgkit.models.registry import register_model

__all__ = ["CNNLSTM"]


@register_model("cnnlstm")
class CNNLSTM(nn.Module):
    """CNN-LSTM for single heartbeats: input ``(N, n_leads, L + n_rr)``, logits ``(N, C)``.

    Parameters
    ----------
    n_classes : int
        5 for the AAMI classes N, S, V, F, Q.
    n_leads : int
        Signal channels of a beat (1: the MLII window; 2 with the record's median beat).
    n_rr : int
        RR features packed at the end of channel 0 (0: the model of document 004).
    channels, kernel_sizes : the three convolution blocks (document 004: 64, 128, 128).
    lstm_units : hidden units per direction of the bidirectional LSTM (64).
    dense_units, dropout : the dense layer before the output (64, dropout 0.5).
    rr_path : ``"dense"``, ``"linear"`` or ``"additive"`` (see the Notes).
    morph_dropout : with ``rr_path="additive"``, the probability that a training beat's
        beat-branch logits are dropped (0 <= p < 1; no effect in eval mode).
    rr_hidden : width of the two hidden layers of the additive RR branch.

    The window length L must be at least 8 samples (three max-poolings by 2).
    About 230 k parameters with the defaults.

    Notes
    -----
    As the document draws it::

        beat (1 x L) -> [Conv1D 64 + BN + ReLU + MaxPool]
                     -> [Conv1D 128 + BN + ReLU + MaxPool]
                     -> [Conv1D 128 + BN + ReLU + MaxPool]
                     -> bidirectional LSTM, 64 units per direction
                     -> Dense 64 + ReLU + Dropout 0.5 -> Dense 5 (AAMI N, S, V, F, Q)

    The convolutions learn the beat's shape (QRS width, T-wave polarity), the LSTM reads
    the pooled feature sequence in both directions. The document does not give kernel
    sizes; here 7, 5, 3 samples (58, 42, 25 ms at the 120 Hz of
    :class:`ecgkit.data.BeatSpec`).

    One addition, off by default: ``n_rr`` RR-interval features (see
    :func:`ecgkit.signal.beats.rr_features`). A single beat window cannot tell an early
    normal-looking supraventricular beat (S) from a normal one; its RR intervals can.
    Three ways to join them (``rr_path``):

    - ``"dense"``: concatenated to the LSTM summary before the dense layer;
    - ``"linear"``: a linear map of the RR features added to the output logits;
    - ``"additive"``: a small MLP on the log RR features whose logits are *added* to those
      of the beat branch, with ``morph_dropout``: in training, each beat's beat-branch
      logits are dropped with that probability, so the RR branch must classify on its own.
      The beat branch can then add shape evidence but cannot learn to veto rhythm evidence
      with a patient's shape (in MIT-BIH record 232 the S beats *are* the patient's usual
      beat; a network allowed to combine "usual shape" with "short RR" freely calls them N).

    Because :func:`ecgkit.train.fit` feeds a model one tensor, the RR features ride at the
    end of the time axis of channel 0: the input is ``(N, n_leads, L + n_rr)`` (see
    :func:`ecgkit.signal.beats.pack_beats`); the model splits it again.
    """

    def __init__(self, n_classes: int = 5, n_leads: int = 1, n_rr: int = 0,
                 channels=(64, 128, 128), kernel_sizes=(7, 5, 3), lstm_units: int = 64,
                 dense_units: int = 64, dropout: float = 0.5, rr_path: str = "dense",
                 morph_dropout: float = 0.0, rr_hidden: int = 32):
        super().__init__()
        if len(channels) != len(kernel_sizes):
            raise ValueError("channels and kernel_sizes need the same length")
        if n_classes < 1 or n_leads < 1 or n_rr < 0:
            raise ValueError(f"need n_classes >= 1, n_leads >= 1, n_rr >= 0; got "
                             f"{n_classes}, {n_leads}, {n_rr}")
        if rr_path not in ("dense", "linear", "additive"):
            raise ValueError(f"rr_path must be 'dense', 'linear' or 'additive', got {rr_path!r}")
        if not 0.0 <= morph_dropout < 1.0:
            raise ValueError(f"morph_dropout must be in [0, 1), got {morph_dropout}")
        if morph_dropout and not (rr_path == "additive" and n_rr):
            raise ValueError("morph_dropout needs rr_path='additive' and n_rr > 0")
        self.n_classes, self.n_leads, self.n_rr, self.rr_path = n_classes, n_leads, n_rr, rr_path
        self.morph_dropout = float(morph_dropout)
        blocks, in_ch = [], n_leads
        for out_ch, k in zip(channels, kernel_sizes):
            blocks += [nn.Conv1d(in_ch, out_ch, k, padding=k // 2, bias=False),
                       nn.BatchNorm1d(out_ch), nn.ReLU(), nn.MaxPool1d(2)]
            in_ch = out_ch
        self.features = nn.Sequential(*blocks)
        self.lstm = nn.LSTM(in_ch, lstm_units, batch_first=True, bidirectional=True)
        n_dense_rr = n_rr if rr_path == "dense" else 0
        self.head = nn.Sequential(nn.Linear(2 * lstm_units + n_dense_rr, dense_units), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Linear(dense_units, n_classes))
        self.rr_linear = nn.Linear(n_rr, n_classes) if rr_path == "linear" and n_rr else None
        self.rr_mlp = (nn.Sequential(nn.Linear(n_rr, rr_hidden), nn.ReLU(),
                                     nn.Linear(rr_hidden, rr_hidden), nn.ReLU(),
                                     nn.Linear(rr_hidden, n_classes))
                       if rr_path == "additive" and n_rr else None)

    def split_inputs(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(beats ``(N, n_leads, L)``, RR features ``(N, n_rr)`` or None) from a packed input."""
        if x.dim() == 2 and self.n_leads == 1:
            x = x[:, None, :]
        if x.dim() != 3 or x.shape[1] != self.n_leads:
            raise ValueError(f"expected input (N, {self.n_leads}, L + {self.n_rr}), got "
                             f"{tuple(x.shape)}")
        if x.shape[-1] - self.n_rr < 8:
            raise ValueError(f"beat window of {x.shape[-1] - self.n_rr} samples is too "
                             "short (need >= 8)")
        if self.n_rr == 0:
            return x, None
        return x[..., :-self.n_rr], x[:, 0, -self.n_rr:]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        beat, rr = self.split_inputs(x)
        z = self.features(beat)                      # (N, 128, L / 8)
        _, (h, _) = self.lstm(z.transpose(1, 2))     # h: (2, N, units), both directions
        summary = torch.cat([h[0], h[1]], dim=1)     # (N, 2 * units)
        if rr is None:
            return self.head(summary)
        if self.rr_mlp is not None:
            beat_logits = self.head(summary)
            if self.training and self.morph_dropout > 0:
                keep = torch.rand(len(beat_logits), 1, device=beat_logits.device)
                beat_logits = beat_logits * (keep >= self.morph_dropout).to(beat_logits.dtype)
            # RR features are ratios around 1: their logarithm makes "half" and "double"
            # symmetric; the clamp keeps a zero (padding) finite.
            return beat_logits + self.rr_mlp(torch.log(rr.clamp_min(1e-3)))
        if self.rr_linear is not None:  # additive: RR evidence cannot be carved per region
            return self.head(summary) + self.rr_linear(rr)
        return self.head(torch.cat([summary, rr], dim=1))
