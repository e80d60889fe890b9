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


def binary_auc(y_true, score):
    """ROC-AUC of scores ``score`` for binary labels ``y_true``.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Two distinct values; the larger one is the positive class.
    score : array-like of shape (n,)
        Finite decision values.

    Returns
    -------
    float
    """
    y = np.asarray(y_true).ravel()
    s = np.asarray(score, dtype=np.float64).ravel()
    classes = np.unique(y)
    if classes.size != 2 or y.shape != s.shape:
        raise ValueError("binary_auc needs labels of exactly two classes and one score per "
                         f"label, got classes {classes.tolist()} and shapes {y.shape}, "
                         f"{s.shape}.")
    if not np.all(np.isfinite(s)):
        raise ValueError("binary_auc: the scores contain NaN or infinity.")
    positive = y == classes[1]
    n_pos = int(positive.sum())
    n_neg = y.size - n_pos
    rank_sum = float(rankdata(s)[positive].sum())
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)
