"""A lean ROC-AUC for the many small per-task scores of nested cross-validation.

:func:`sklearn.metrics.roc_auc_score` validates its input thoroughly, which
costs more than the score itself when thousands of tasks x folds x candidates
are scored on a few dozen rows.  The area under the ROC curve equals the
Mann-Whitney statistic (Hanley and McNeil, 1982, "The meaning and use of the
area under a receiver operating characteristic curve", Radiology 143), which
one ranking computes; tied scores get half credit, as in scikit-learn.
"""

import numpy as np
from scipy.stats import rankdata


def binary_auc(y_true, score, sample_weight=None):
    """ROC-AUC of scores ``score`` for binary labels ``y_true``.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Two distinct values; the larger one is the positive class.
    score : array-like of shape (n,)
        Finite decision values.
    sample_weight : array-like of shape (n,), default=None
        Non-negative row weights: every (positive, negative) pair counts with
        the product of its weights.

    Returns
    -------
    float
    """
    y = np.asarray(y_true).ravel()
    s = np.asarray(score, dtype=np.float64).ravel()
    w = np.ones(y.shape) if sample_weight is None else \
        np.asarray(sample_weight, dtype=np.float64).ravel()
    classes = np.unique(y)
    if classes.size != 2 or not y.shape == s.shape == w.shape:
        raise ValueError("binary_auc needs labels of exactly two classes and one score and "
                         f"weight per label, got classes {classes.tolist()} and shapes "
                         f"{y.shape}, {s.shape}, {w.shape}.")
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(w))):
        raise ValueError("binary_auc: the scores or weights contain NaN or infinity.")
    positive = y == classes[1]
    if sample_weight is None:
        n_pos = int(positive.sum())
        n_neg = y.size - n_pos
        rank_sum = float(rankdata(s)[positive].sum())
        return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)
    # weighted: each positive scores the weight of the negatives below it,
    # half the weight of those tied with it
    order = np.argsort(s[~positive], kind="stable")
    neg_scores = s[~positive][order]
    below = np.concatenate([[0.0], np.cumsum(w[~positive][order])])
    low = below[np.searchsorted(neg_scores, s[positive], side="left")]
    high = below[np.searchsorted(neg_scores, s[positive], side="right")]
    total = w[positive].sum() * w[~positive].sum()
    if total <= 0:
        raise ValueError("binary_auc: one class has zero total weight.")
    return float(w[positive] @ (low + 0.5 * (high - low))) / total
