"""Average the class probabilities of several trained networks.

Networks trained alike from different random starts make different mistakes on beats
far from their training data (a new patient's): averaging their probabilities keeps
what they agree on. :class:`MeanProbabilityEnsemble` is itself a module, so that
:func:`ecgkit.train.predict` and everything built on it take it like one network.
"""
from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["MeanProbabilityEnsemble"]


class MeanProbabilityEnsemble(nn.Module):
    """Members' mean softmax probability, returned as log-probabilities ``(N, C)``.

    ``softmax`` of the output is the members' mean probability, so the output can be
    read as logits. The members must all return ``(N, C)`` logits for the same input.
    """

    def __init__(self, members):
        super().__init__()
        members = list(members)
        if not members:
            raise ValueError("an ensemble needs at least one member")
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # log of the mean probability, computed in log space (no underflow for
        # confident members)
        log_probs = torch.stack([torch.log_softmax(m(x).float(), dim=1) for m in self.members])
        return torch.logsumexp(log_probs, dim=0) - math.log(len(self.members))
