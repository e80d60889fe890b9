"""Turning scikit-learn targets into tasks.

- a multilabel indicator ``Y`` (n, T): T tasks, ``classes_ = arange(T)``;
- a 1-D ``y`` with K > 2 classes: K one-vs-rest tasks;
- a binary ``y``: one task (the positive class is ``classes_[1]``).

Weights of shape (n,) or (n, T) mark unobserved labels with 0.
"""

from dataclasses import dataclass
from numbers import Number

import numpy as np
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from ._sklearn_compat import _check_sample_weight


@dataclass
class Tasks:
    """Encoded targets.

    Attributes
    ----------
    kind : {"binary", "multiclass", "multilabel"}
    classes : ndarray
    signs : ndarray of shape (n_samples, n_tasks), values in {-1, +1}
    weights : ndarray of shape (n_samples, n_tasks)
        Non-negative, each column summing to 1 (``w_it / n_t``).
    """

    kind: str
    classes: np.ndarray
    signs: np.ndarray
    weights: np.ndarray

    @property
    def values(self):
        """The targets as the classification datafits take them: signs."""
        return self.signs


def _object_labels(y):
    """Object-dtype labels as strings stay; all-number ones become a numeric array.

    (scikit-learn reads an object array of numbers as an "unknown" target.)
    """
    if y.dtype != object or y.size == 0:
        return y
    flat = y.ravel()
    if all(isinstance(v, str) for v in flat):
        return y
    if all(isinstance(v, (Number, np.bool_)) and not isinstance(v, str) for v in flat):
        return np.array(flat.tolist()).reshape(y.shape)
    kinds = sorted({type(v).__name__ for v in flat})
    raise ValueError(
        f"y holds labels of mixed types ({', '.join(kinds)}): classes must be all strings "
        "or all numbers. Convert y, e.g. y.astype(str).")


def encode_tasks(y, sample_weight=None):
    """Encode targets and sample weights as per-task signs and weights.

    Raises
    ------
    ValueError
        For targets that are not classification labels, a multilabel matrix
        that is not 0/1, a task with samples of one class only, or invalid
        weights.
    """
    y = _object_labels(np.asarray(y))
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    check_classification_targets(y)
    target_type = type_of_target(y)
    if y.ndim == 2:
        values = np.unique(y)
        if target_type != "multilabel-indicator" or not np.all(np.isin(values, [0, 1])):
            raise ValueError(
                "A 2-D target must be a multilabel indicator matrix of 0/1 (or bool) "
                f"values, one column per task; got values {values[:10]}.")
        classes = np.arange(y.shape[1])
        signs = np.where(y.astype(bool), 1.0, -1.0)
        kind = "multilabel"
    else:
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(
                f"The target has only one class ({classes[0]!r}); a classifier "
                "needs samples of at least 2 classes.")
        if classes.size == 2:
            signs = np.where(y == classes[1], 1.0, -1.0)[:, None]
            kind = "binary"
        else:
            signs = np.where(y[:, None] == classes[None, :], 1.0, -1.0)
            kind = "multiclass"
    n, n_tasks = signs.shape
    weights = _task_weights(sample_weight, n, n_tasks)
    for t in range(n_tasks):
        positive = weights[:, t] @ (signs[:, t] > 0)
        negative = weights[:, t] @ (signs[:, t] < 0)
        if positive <= 0 or negative <= 0:
            which = "positive" if positive <= 0 else "negative"
            raise ValueError(
                f"Task {t} (label {classes[t] if kind != 'binary' else classes[1]!r}) "
                f"has no {which} sample with positive weight: every task needs both "
                "classes. Drop that label or supply samples of both classes.")
    weights = weights / weights.sum(axis=0)
    return Tasks(kind=kind, classes=classes, signs=signs, weights=weights)


def _task_weights(sample_weight, n, n_tasks):
    if sample_weight is None:
        return np.ones((n, n_tasks))
    sw = np.asarray(sample_weight, dtype=float)
    if sw.ndim == 2:
        if sw.shape != (n, n_tasks):
            raise ValueError(
                f"sample_weight of shape {sw.shape} does not match the {n} samples "
                f"x {n_tasks} tasks; pass shape ({n},) or ({n}, {n_tasks}).")
        if not np.all(np.isfinite(sw)) or np.any(sw < 0):
            raise ValueError("sample_weight must be finite and non-negative.")
    else:
        sw = _check_sample_weight(sw, np.empty((n, 0)), ensure_non_negative=True)
        sw = np.repeat(sw[:, None], n_tasks, axis=1)
    # The encodings normalise each column to sum 1, so only ratios matter; a
    # largest weight of 1 keeps the sums finite (weights of 1e307 overflowed).
    top = sw.max(initial=0.0)
    return sw / top if top > 0 else sw.copy()


@dataclass
class Outputs:
    """Encoded regression targets.

    Attributes
    ----------
    values : ndarray of shape (n_samples, n_outputs)
    weights : ndarray of shape (n_samples, n_outputs)
        Non-negative, each column summing to 1.
    single : bool
        Whether the target was 1-D.
    """

    values: np.ndarray
    weights: np.ndarray
    single: bool


def encode_outputs(y, sample_weight=None):
    """Encode regression targets and sample weights as per-output values and weights.

    Raises
    ------
    ValueError
        For an output that no sample with positive weight observes, or invalid
        weights.
    """
    y = np.asarray(y, dtype=float)
    single = y.ndim == 1
    Y = y[:, None] if single else y
    n, n_outputs = Y.shape
    weights = _task_weights(sample_weight, n, n_outputs)
    empty = np.flatnonzero(weights.sum(axis=0) <= 0)
    if empty.size:
        raise ValueError(
            f"Output {int(empty[0])} has no sample with positive weight: every output "
            "needs observed samples. Drop that output or supply samples for it.")
    return Outputs(values=Y, weights=weights / weights.sum(axis=0), single=single)
