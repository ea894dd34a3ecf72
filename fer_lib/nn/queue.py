"""MoCo's first-in-first-out queue of key embeddings (the negatives)."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class KeyQueue(nn.Module):
    """A ring buffer of ``size`` L2-normalised keys of dimension ``dim``, kept in the state dict.

    ``enqueue(keys [B, D])`` overwrites the oldest entries; ``keys()`` returns the filled part
    [min(seen, size), D] (an empty queue at the start is not padded with random vectors, unlike MoCo's
    initialisation, so early negatives are all real keys).
    """

    def __init__(self, size: int, dim: int):
        super().__init__()
        if size <= 0 or dim <= 0:
            raise ValueError(f"queue size and dim must be > 0, got {size}, {dim}")
        self.register_buffer("buffer", torch.zeros(size, dim))
        self.register_buffer("ptr", torch.zeros((), dtype=torch.long))
        self.register_buffer("filled", torch.zeros((), dtype=torch.long))

    @property
    def size(self) -> int:
        return self.buffer.shape[0]

    @torch.no_grad()
    def enqueue(self, keys: Tensor) -> None:
        """keys: [B, D]; B may exceed the queue size (then only the last ``size`` are kept)."""
        if keys.dim() != 2 or keys.shape[1] != self.buffer.shape[1]:
            raise ValueError(f"keys must be [B, {self.buffer.shape[1]}], got {tuple(keys.shape)}")
        keys = keys.detach().to(self.buffer.dtype)[-self.size:]
        idx = (self.ptr + torch.arange(len(keys), device=self.buffer.device)) % self.size
        self.buffer[idx] = keys
        self.ptr.copy_((self.ptr + len(keys)) % self.size)
        self.filled.copy_(torch.clamp(self.filled + len(keys), max=self.size))

    def keys(self) -> Tensor:
        """The stored keys, [L, D] with L = number filled (order is storage order, not age)."""
        return self.buffer[: int(self.filled)]
