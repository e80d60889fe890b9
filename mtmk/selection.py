"""Inner cross-validation over a small grid, for single- and multi-task estimators.

:class:`InnerCVClassifier` picks one parameter setting of a wrapped classifier
by the mean per-task validation ROC-AUC of K-fold CV within every task, then
refits on all the rows it was given.  Multi-task estimators (``Y`` of shape
(n, T) with a per-task ``sample_weight`` mask, as :class:`~mtmk.MTMKClassifier`
takes) and single-task ones (``y`` of shape (n,)) go through the same code, so
comparisons can give every method the same tuning budget: the same number of
candidates and the same folds.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import ParameterGrid, StratifiedKFold
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._metrics import binary_auc
from ._sklearn_compat import _check_sample_weight

__all__ = ["InnerCVClassifier", "scaled_grid"]


def scaled_grid(estimator, names, factors=(0.25, 1.0, 4.0)):
    """A grid that scales parameters of ``estimator`` jointly by ``factors``.

    Parameters
    ----------
    estimator : estimator
        Its current values of ``names`` are the centre of the grid.
    names : sequence of str
        Parameters scaled together (e.g. both penalties of a mix model).
    factors : sequence of float, default=(0.25, 1.0, 4.0)
        Multiples of the current values.

    Returns
    -------
    list of dict
        One candidate per factor, usable as ``param_grid``.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> scaled_grid(LogisticRegression(C=2.0), ["C"], factors=(0.5, 1, 2))
    [{'C': [1.0]}, {'C': [2.0]}, {'C': [4.0]}]
    """
    params = estimator.get_params()
    return [{name: [float(params[name]) * f] for name in names} for f in factors]


class InnerCVClassifier(ClassifierMixin, BaseEstimator):
    """Choose parameters by inner stratified K-fold CV on per-task ROC-AUC.

    Parameters
    ----------
    estimator : classifier
        Has ``decision_function``.  Multi-task if fitted with a 2-D ``y``.
    param_grid : dict or list of dict
        Candidates, as for :class:`~sklearn.model_selection.ParameterGrid`.
        An estimator with a ``warm_start`` parameter fits the candidates of
        each fold in this order, each starting from the previous solution:
        list them from the strongest to the weakest regularisation.
    cv : int or iterable of (train, test) splits, default=3
        Folds within every task (stratified on the task's label, over the
        rows with positive ``sample_weight``), or explicit splits shared by
        all tasks.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds.

    Attributes
    ----------
    best_params_ : dict
        The chosen candidate (ties go to the first in grid order).
    cv_scores_ : ndarray of shape (n_candidates,)
        Mean over tasks and folds of the validation ROC-AUC.
    best_estimator_ : estimator
        Refitted on all rows with ``best_params_``.
    classes_ : ndarray
        Of the refitted estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 3)); y = (X[:, 0] > 0).astype(int)
    >>> clf = InnerCVClassifier(LogisticRegression(), {"C": [0.01, 1.0]},
    ...                         random_state=0).fit(X, y)
    >>> sorted(clf.best_params_)
    ['C']
    """

    def __init__(self, estimator, param_grid, cv=3, random_state=None):
        self.estimator = estimator
        self.param_grid = param_grid
        self.cv = cv
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        """Select by inner CV, then refit on all rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            Class labels (binary: one task; multiclass: one-vs-rest tasks
            scored on one shared split), or 0/1 labels of shape
            (n_samples, n_tasks) for a multi-task estimator.
        sample_weight : array-like of the shape of ``y``, default=None
            Row weights; for multi-task estimators the per-task mask (rows
            with weight 0 are not part of a task and are never validated on).

        Returns
        -------
        self
        """
        if isinstance(self.cv, (int, np.integer)) and self.cv < 2:
            raise ValueError(f"cv must be an integer >= 2 or an iterable of (train, test) "
                             f"splits, got {self.cv!r}.")
        candidates = list(ParameterGrid(self.param_grid))
        if not candidates:
            raise ValueError("param_grid has no candidates.")
        X, y = validate_data(self, X, y, multi_output=True, dtype=np.float64,
                             ensure_min_samples=2)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        multi = y.ndim == 2
        if multi:
            Y, classes = y, np.array([0, 1])
            W = (np.ones(Y.shape) if sample_weight is None
                 else np.asarray(sample_weight, dtype=float).reshape(Y.shape))
        else:
            classes = np.unique(y)
            if classes.size < 2:
                raise ValueError(f"y has 1 class ({classes[0]!r}); inner cross-validation "
                                 "needs at least 2 classes.")
            # One 0/1 task per class (one task for a binary target).
            Y = (y[:, None] == (classes[1:] if classes.size == 2 else classes)).astype(int)
            weights = _check_sample_weight(sample_weight, X)
            W = np.repeat(weights[:, None], Y.shape[1], axis=1)
        if not isinstance(self.cv, (int, np.integer)):
            folds = self._given_folds(W)
        elif multi or classes.size == 2:
            folds = self._folds(Y, W)
        else:
            folds = self._class_folds(y, W)
        # Estimators that can warm start fit the candidates of a fold in grid
        # order, each from the previous solution (the same rows every time).
        warm = "warm_start" in self.estimator.get_params()
        n_folds = int(folds.max()) + 1
        scores = np.zeros((len(candidates), n_folds))
        for k in range(n_folds):
            train = W * (folds != k)
            keep = np.flatnonzero(train.sum(axis=1) > 0)
            model = clone(self.estimator)
            if warm:
                model.set_params(warm_start=True)
            for c, params in enumerate(candidates):
                if not warm:
                    model = clone(self.estimator)
                model.set_params(**params)
                model.fit(X[keep], y[keep], sample_weight=train[keep] if multi
                          else train[keep, 0])
                F = np.asarray(model.decision_function(X)).reshape(Y.shape)
                scores[c, k] = np.mean([
                    binary_auc(Y[folds[:, t] == k, t], F[folds[:, t] == k, t],
                               sample_weight=W[folds[:, t] == k, t])
                    for t in range(Y.shape[1])])
        scores = scores.mean(axis=1)
        self.cv_scores_ = scores
        self.best_params_ = candidates[int(np.argmax(scores))]
        self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_)
        self.best_estimator_.fit(X, y, sample_weight=W if multi else W[:, 0])
        self.classes_ = getattr(self.best_estimator_, "classes_", classes)
        return self

    def _folds(self, Y, W):
        """Stratified folds drawn within every task (rows a task does not observe: -1)."""
        rng = check_random_state(self.random_state)
        folds = np.full(Y.shape, -1)
        for t in range(Y.shape[1]):
            rows = np.flatnonzero(W[:, t] > 0)
            labels = Y[rows, t]
            if min(np.sum(labels == 0), np.sum(labels == 1)) < self.cv:
                raise ValueError(f"Task {t} has fewer than cv={self.cv} rows of a class "
                                 "for inner cross-validation.")
            split = StratifiedKFold(self.cv, shuffle=True,
                                    random_state=rng.randint(np.iinfo(np.int32).max))
            for k, (_, test) in enumerate(split.split(rows, labels)):
                folds[rows[test], t] = k
        return folds

    def _given_folds(self, W):
        """Fold numbers from explicit (train, test) splits, shared by all tasks."""
        folds = np.full(W.shape[0], -1)
        for k, (_, test) in enumerate(self.cv):
            folds[np.asarray(test)] = k
        if folds.max() < 1:
            raise ValueError("cv must give at least 2 (train, test) splits.")
        return np.where(W > 0, folds[:, None], -1)

    def _class_folds(self, y, W):
        """One stratified split of a multiclass target, shared by its one-vs-rest tasks."""
        rng = check_random_state(self.random_state)
        rows = np.flatnonzero(W[:, 0] > 0)
        _, counts = np.unique(y[rows], return_counts=True)
        if counts.size < 2 or counts.min() < self.cv:
            raise ValueError(f"Every class needs at least cv={self.cv} rows with positive "
                             "weight for inner cross-validation.")
        folds = np.full(y.shape[0], -1)
        split = StratifiedKFold(self.cv, shuffle=True,
                                random_state=rng.randint(np.iinfo(np.int32).max))
        for k, (_, test) in enumerate(split.split(rows, y[rows])):
            folds[rows[test]] = k
        return np.repeat(folds[:, None], W.shape[1], axis=1)

    def decision_function(self, X):
        """Decision values of the refitted best estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.
        """
        check_is_fitted(self, "best_estimator_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.best_estimator_.decision_function(X)

    def predict(self, X):
        """Predictions of the refitted best estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.
        """
        check_is_fitted(self, "best_estimator_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.best_estimator_.predict(X)
