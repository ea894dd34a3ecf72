"""2-D maps of embeddings coloured by expression and by identity (t-SNE from scikit-learn)."""

from __future__ import annotations

import numpy as np


def tsne_2d(features: np.ndarray, seed: int = 0, perplexity: float = 30.0) -> np.ndarray:
    """features float [N, D] -> float [N, 2] (scikit-learn t-SNE, PCA init, seeded).

    Perplexity is capped at (N - 1) / 3 so small sets work.
    """
    from sklearn.manifold import TSNE

    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 4:
        raise ValueError(f"need features [N >= 4, D], got shape {features.shape}")
    perplexity = min(perplexity, (len(features) - 1) / 3)
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(features)


def embedding_grid(points: dict[str, np.ndarray], expression: np.ndarray, identity: np.ndarray | None,
                   class_names: tuple[str, ...], marker_size: float = 6.0):
    """One row per method, two panels: the same 2-D points coloured by expression (legend) and by identity
    (no identity panel when ``identity`` is None, e.g. AffectNet has no identity labels).

    points: {method name: float [N, 2]}; expression, identity: int [N]. Returns a matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    expression = np.asarray(expression)
    cols = 1 if identity is None else 2
    fig, axes = plt.subplots(len(points), cols, figsize=(4.5 * cols, 4 * len(points)), squeeze=False)
    expr_cmap = plt.get_cmap("tab10")
    if identity is not None:
        _, id_codes = np.unique(np.asarray(identity), return_inverse=True)
    for row, (name, xy) in enumerate(points.items()):
        xy = np.asarray(xy)
        if xy.shape != (len(expression), 2):
            raise ValueError(f"points of {name!r} have shape {xy.shape}, expected ({len(expression)}, 2)")
        ax = axes[row, 0]
        for k, cls in enumerate(class_names):
            sel = expression == k
            if sel.any():
                ax.scatter(xy[sel, 0], xy[sel, 1], s=marker_size, color=expr_cmap(k % 10), label=cls)
        ax.set_title(f"{name}: coloured by expression")
        ax.legend(fontsize=7, markerscale=2, loc="best")
        if identity is not None:
            ax = axes[row, 1]
            ax.scatter(xy[:, 0], xy[:, 1], s=marker_size, c=id_codes, cmap="nipy_spectral")
            ax.set_title(f"{name}: coloured by identity ({id_codes.max() + 1} people)")
        for a in axes[row]:
            a.set_xticks([])
            a.set_yticks([])
    fig.tight_layout()
    return fig
