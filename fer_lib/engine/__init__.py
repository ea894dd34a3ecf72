"""fer_lib.engine: the one training loop and what it needs.

trainer (``fit``, the method contract: read its module docstring first), checkpoint (atomic save, safe
load, wrong-model errors), distributed (torchrun/DDP, seeded sharding), optim (weight-decay groups,
layer decay, warmup-cosine), features (``embed`` a dataset with a frozen network).
"""
