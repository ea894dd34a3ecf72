"""A ``torch.Generator`` that lives in a module's state dict, so checkpoints resume the same augmentations."""

from __future__ import annotations

import torch
from torch import nn


class GeneratorState(nn.Module):
    """Holds a CPU ``torch.Generator`` seeded with ``seed``; its state is saved/restored with ``state_dict``.

    Augmentations draw their parameters from ``self.generator`` (CPU), so a run's views depend only on
    the seed and the step, not on the device, and a resumed run continues the same random stream.
    """

    def __init__(self, seed: int):
        super().__init__()
        self.generator = torch.Generator().manual_seed(int(seed))

    def get_extra_state(self):
        return {"generator": self.generator.get_state()}

    def set_extra_state(self, state) -> None:
        self.generator.set_state(state["generator"])
