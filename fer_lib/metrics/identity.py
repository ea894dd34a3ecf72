"""Identity metrics on embeddings: 1-NN identification and pair verification.

- Identification (SSL-FER's LFW protocol, ``LFW.py`` of the authors): each query gets the identity of its
  nearest gallery embedding by Euclidean distance; report accuracy and macro F1.
- Verification (the LFW standard): cosine similarity of each pair; accuracy at the best threshold chosen
  by 10-fold cross-validation (threshold fit on 9 folds, accuracy on the 10th, mean +- std), and ROC AUC.

For an SSL-FER encoder, *lower* identity scores mean less identity leakage, which is what the paper wants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score

from fer_lib.metrics.classification import accuracy, macro_f1


def _as_2d(name: str, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{name} must be [N, D] embeddings, got shape {x.shape}")
    return x


def nearest_neighbour_predict(gallery: np.ndarray, gallery_ids: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Identity of the Euclidean-nearest gallery row for each query: gallery [N, D], queries [M, D] -> [M].

    Ties go to the lowest gallery index (as ``np.argmin`` and sklearn's brute-force 1-NN).
    """
    gallery, queries = _as_2d("gallery", gallery), _as_2d("queries", queries)
    gallery_ids = np.asarray(gallery_ids)
    if len(gallery_ids) != len(gallery) or gallery.shape[1] != queries.shape[1]:
        raise ValueError(f"gallery {gallery.shape}, gallery_ids {gallery_ids.shape}, queries {queries.shape} "
                         "do not fit together")
    # squared distances [M, N] = |q|^2 - 2 q.g + |g|^2 (the |q|^2 term does not change the argmin)
    d2 = -2.0 * queries @ gallery.T + (gallery ** 2).sum(1)[None, :]
    return gallery_ids[np.argmin(d2, axis=1)]


@dataclass(frozen=True)
class IdentificationResult:
    accuracy: float
    macro_f1: float
    chance: float          # accuracy of always predicting the most frequent query identity
    predictions: np.ndarray


def identification_1nn(gallery: np.ndarray, gallery_ids: np.ndarray, queries: np.ndarray,
                       query_ids: np.ndarray) -> IdentificationResult:
    """1-NN identification (Euclidean) with accuracy, macro F1 over the identities present, and chance."""
    pred = nearest_neighbour_predict(gallery, gallery_ids, queries)
    query_ids = np.asarray(query_ids)
    # macro F1 over the identities that occur as truth or prediction (sklearn's default label set)
    labels_used = np.union1d(query_ids, pred)
    t, p = np.searchsorted(labels_used, query_ids), np.searchsorted(labels_used, pred)
    counts = np.unique(query_ids, return_counts=True)[1]
    return IdentificationResult(accuracy=accuracy(t, p), macro_f1=macro_f1(t, p, len(labels_used)),
                                chance=float(counts.max() / counts.sum()), predictions=pred)


def cosine_scores(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of row pairs: a [P, D], b [P, D] -> [P]."""
    a, b = _as_2d("a", a), _as_2d("b", b)
    if a.shape != b.shape:
        raise ValueError(f"pair embeddings differ in shape: {a.shape} vs {b.shape}")
    den = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return (a * b).sum(1) / np.maximum(den, 1e-12)


def best_threshold(scores: np.ndarray, same: np.ndarray) -> tuple[float, float]:
    """Threshold t maximising accuracy of ``scores >= t`` -> same; returns (t, accuracy).

    Candidates are every distinct score (and +inf: predict all different); ties keep the lowest t.
    """
    scores, same = np.asarray(scores, dtype=float), np.asarray(same, dtype=bool)
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], same[order]
    # predicting "same" for the top-k scores: correct = positives in top k + negatives outside it
    tp = np.concatenate([[0], np.cumsum(y)])
    fp = np.concatenate([[0], np.cumsum(~y)])
    correct = tp + ((~y).sum() - fp)
    # only cut between distinct scores: k must be 0 or end a run of equal scores
    valid = np.concatenate([[True], np.r_[s[1:] != s[:-1], True]])
    k = int(np.flatnonzero(valid)[np.argmax(correct[valid])])
    threshold = np.inf if k == 0 else float(s[k - 1])
    return threshold, float(correct[k] / len(s))


@dataclass(frozen=True)
class VerificationResult:
    accuracy: float        # mean over folds of held-out accuracy at the threshold fit on the other folds
    accuracy_std: float
    auc: float
    thresholds: np.ndarray  # [n_folds]


def verification(scores: np.ndarray, same: np.ndarray, n_folds: int = 10, seed: int | None = None
                 ) -> VerificationResult:
    """LFW-style verification: k-fold best-threshold accuracy and ROC AUC of pair scores [P] (higher = same).

    Folds are consecutive blocks of pairs (LFW's pairs.txt is already ordered in 10 folds); pass ``seed``
    to shuffle the pairs first.
    """
    scores, same = np.asarray(scores, dtype=float), np.asarray(same, dtype=bool)
    if scores.shape != same.shape or scores.ndim != 1 or len(scores) < n_folds:
        raise ValueError(f"need [P] scores and labels with P >= n_folds ({n_folds}), got {scores.shape}, {same.shape}")
    if same.all() or not same.any():
        raise ValueError("verification needs both same and different pairs")
    idx = np.arange(len(scores)) if seed is None else np.random.default_rng(seed).permutation(len(scores))
    folds = np.array_split(idx, n_folds)
    accs, ths = [], []
    for f in range(n_folds):
        train = np.concatenate([folds[g] for g in range(n_folds) if g != f])
        t, _ = best_threshold(scores[train], same[train])
        test = folds[f]
        accs.append(float(((scores[test] >= t) == same[test]).mean()))
        ths.append(t)
    return VerificationResult(accuracy=float(np.mean(accs)), accuracy_std=float(np.std(accs)),
                              auc=float(roc_auc_score(same, scores)), thresholds=np.array(ths))


def sample_pairs(ids: np.ndarray, n_pairs: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Balanced verification pairs from labelled items: (i [P], j [P], same [P]), half same identity.

    Same pairs: a random identity with >= 2 items, two distinct items of it. Different pairs: two items of
    two different identities. P = n_pairs (even split, the extra pair goes to "different").
    """
    ids = np.asarray(ids)
    rng = np.random.default_rng(seed)
    uniq, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
    multi = np.flatnonzero(counts >= 2)
    if len(uniq) < 2 or len(multi) == 0:
        raise ValueError("pairs need >= 2 identities and one identity with >= 2 items")
    members = [np.flatnonzero(inverse == k) for k in range(len(uniq))]
    n_same = n_pairs // 2
    i, j = [], []
    for _ in range(n_same):
        a, b = rng.choice(members[rng.choice(multi)], size=2, replace=False)
        i.append(a), j.append(b)
    for _ in range(n_pairs - n_same):
        ka, kb = rng.choice(len(uniq), size=2, replace=False)
        i.append(rng.choice(members[ka])), j.append(rng.choice(members[kb]))
    same = np.r_[np.ones(n_same, bool), np.zeros(n_pairs - n_same, bool)]
    return np.array(i), np.array(j), same
