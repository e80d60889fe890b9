"""What every kernel model of mtmk shares: candidate kernels in (a
:class:`~mtmk.KernelDictionary` or precomputed Gram stacks), one task per
label or output, and prediction from per-kernel coefficients.

Subclasses fit ``f_t(x) = b_t + sum_m B_m(x) @ C_m[:, t]`` where ``B_m`` is the
test-vs-train Gram block of kernel m (or its Nystroem features) and ``C_m`` the
matching coefficients, and call :meth:`_set_model` once at the end of ``fit``.
"""

from numbers import Integral

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted, validate_data

from ._kernels import KernelDictionary
from ._sklearn_compat import StrOptions
from ._targets import encode_outputs, encode_tasks
from ._validation import check_gram_stack
from .solvers._operators import GramStack

# Test blocks are computed in row chunks of at most this many bytes.
_PREDICT_CHUNK_BYTES = 128 * 2**20


def training_kernels(kernels, X, sample_weight=None, n_jobs=None, exact=False):
    """The training kernel operator, the kernel names and the fitted dictionary.

    Parameters
    ----------
    kernels : KernelDictionary or None
        ``None`` uses ``KernelDictionary()``; it is cloned, then fitted on ``X``.
    X : ndarray of shape (n_samples, n_features)
    sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks), optional
        Row weights of the dictionary's data-driven statistics (their mean
        over tasks for per-task weights), so weighting stays equivalent to
        repeating samples.
    n_jobs : int, optional
    exact : bool, default=False
        Return exact Gram matrices even when the dictionary is low-rank.

    Returns
    -------
    operator : GramStack or FactorStack
    names : list of str
    dictionary : KernelDictionary
    """
    dictionary = clone(kernels) if kernels is not None else KernelDictionary()
    row_weight = None
    if sample_weight is not None:
        row_weight = np.asarray(sample_weight, dtype=float).reshape(X.shape[0], -1)
        # Only ratios matter to the dictionary; scaled to at most 1, the mean stays finite.
        row_weight = (row_weight / max(row_weight.max(), 1e-300)).mean(axis=1)
    dictionary.fit(X, sample_weight=row_weight)
    operator = (GramStack(dictionary.gram(n_jobs=n_jobs)) if exact
                else dictionary.training_kernels(n_jobs=n_jobs))
    return operator, list(dictionary.names_), dictionary


def precomputed_operator(X):
    """A validated Gram stack (n, n, M) as the solvers' operator, with kernel names."""
    K = _precomputed_stack(X, train=True)
    return GramStack(K), [f"kernel{m}" for m in range(K.shape[0])]


def _precomputed_stack(X, train):
    """(n_rows, n_train, M) or (n_rows, n_train) -> (M, n_rows, n_train)."""
    if X.ndim == 2:
        X = X[:, :, None]
    if X.ndim != 3:
        raise ValueError(
            "With kernels='precomputed', X must be a Gram stack of shape "
            f"(n_samples, n_samples_fit, n_kernels); got {X.ndim} dimensions.")
    K = np.ascontiguousarray(np.moveaxis(X, 2, 0))
    if train:
        check_gram_stack(K)
    return K


class KernelTaskModel(BaseEstimator):
    """Base class: kernels and prediction of a multi-task kernel model."""

    _parameter_constraints = {
        "kernels": [KernelDictionary, StrOptions({"precomputed"}), None],
        "n_jobs": [Integral, None],
    }

    @property
    def _precomputed(self):
        return isinstance(self.kernels, str) and self.kernels == "precomputed"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.pairwise = self._precomputed
        tags.input_tags.three_d_array = self._precomputed
        return tags

    def _training_kernels(self, X, sample_weight=None, exact=False):
        """The training kernels, their names and the fitted dictionary (None if precomputed)."""
        if self._precomputed:
            return (*precomputed_operator(X), None)
        return training_kernels(self.kernels, X, sample_weight, self.n_jobs, exact)

    def _set_model(self, names, dictionary, dual_coef, intercept, prediction_coef=None):
        """Store the fitted model (call once the solver has succeeded).

        Parameters
        ----------
        dual_coef : ndarray of shape (n_kernels, n_samples_fit, n_tasks) or None
            ``None`` for low-rank fits solved in primal coordinates.
        prediction_coef : list of ndarray, optional
            Per kernel, what multiplies its test blocks: ``dual_coef[m]`` for
            exact kernels (the default), ``Phi_m^T dual_coef[m]`` for Nystroem.
        """
        if dictionary is not None:
            self.kernel_dictionary_ = dictionary
        self.n_tasks_ = np.size(intercept)
        self.kernel_names_ = names
        if dual_coef is not None:
            self.dual_coef_ = dual_coef
        self.intercept_ = intercept
        self._low_rank = prediction_coef is not None
        self._prediction_coef = list(dual_coef) if prediction_coef is None else prediction_coef

    # ------------------------------------------------------------- predict
    def _decision_values(self, X):
        """Task decision values ``f_t(x)``, shape (n_samples, n_tasks)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64, allow_nd=self._precomputed)
        n_kernels = len(self._prediction_coef)
        # Only kernels with a non-zero coefficient are computed.
        active = [m for m, C in enumerate(self._prediction_coef) if np.any(C)]
        F = np.tile(self.intercept_, (X.shape[0], 1))
        if self._precomputed:
            K = _precomputed_stack(X, train=False)
            n_train = self.dual_coef_.shape[1]
            if K.shape[0] != n_kernels or K.shape[2] != n_train:
                raise ValueError(
                    f"Precomputed test kernels must have shape (n_samples, {n_train}, "
                    f"{n_kernels}); got {X.shape}.")
            for m in active:
                F += K[m] @ self.dual_coef_[m]
        elif active:
            width = max(C.shape[0] for C in self._prediction_coef)
            rows = max(1, _PREDICT_CHUNK_BYTES // (8 * width * (len(active) + 2)))
            dictionary = self.kernel_dictionary_
            for start in range(0, X.shape[0], rows):
                chunk = X[start:start + rows]
                blocks = (dictionary.features(chunk, kernels=active, n_jobs=self.n_jobs)
                          if self._low_rank else
                          dictionary.gram(chunk, kernels=active, n_jobs=self.n_jobs))
                for block, m in zip(blocks, active):
                    F[start:start + rows] += block @ self._prediction_coef[m]
        return F


class KernelTaskClassifier(ClassifierMixin, KernelTaskModel):
    """Base class of the classifiers: one binary task per label."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _validate_training_data(self, X, y, sample_weight):
        """Validated X and the encoded tasks (see :func:`mtmk._targets.encode_tasks`)."""
        X, y = validate_data(self, X, y, multi_output=True, dtype=np.float64,
                             allow_nd=self._precomputed, ensure_min_samples=2)
        return X, encode_tasks(y, sample_weight)

    def _set_targets(self, tasks):
        self.classes_ = tasks.classes
        self._target_kind = tasks.kind

    def decision_function(self, X):
        """Task decision values ``f_t(x)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Or, with precomputed kernels, (n_samples, n_samples_fit, n_kernels).

        Returns
        -------
        ndarray of shape (n_samples,) for a binary target, else (n_samples, n_tasks)
        """
        F = self._decision_values(X)
        return F[:, 0] if self._target_kind == "binary" else F

    def predict_proba(self, X):
        """Probability estimates ``sigmoid(f_t(x))``.

        Binary targets: columns for ``classes_``.  Multiclass: the one-vs-rest
        probabilities normalised to sum to 1.  Multilabel: column t is
        ``P(y_t = 1 | x)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Or, with precomputed kernels, (n_samples, n_samples_fit, n_kernels).

        Returns
        -------
        ndarray of shape (n_samples, n_classes) or (n_samples, n_tasks)
        """
        P = expit(self.decision_function(X))
        if self._target_kind == "binary":
            return np.column_stack([1.0 - P, P])
        if self._target_kind == "multiclass":
            total = P.sum(axis=1, keepdims=True)
            return np.where(total > 0, P / np.where(total > 0, total, 1.0), 1.0 / P.shape[1])
        return P

    def predict(self, X):
        """Predicted labels: class labels, or a 0/1 indicator matrix (multilabel).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Or, with precomputed kernels, (n_samples, n_samples_fit, n_kernels).

        Returns
        -------
        ndarray of shape (n_samples,), or (n_samples, n_tasks) for multilabel targets
        """
        F = self.decision_function(X)
        if self._target_kind == "binary":
            return self.classes_[(F > 0).astype(int)]
        if self._target_kind == "multiclass":
            return self.classes_[np.argmax(F, axis=1)]
        return (F > 0).astype(int)

    def score(self, X, y, sample_weight=None):
        """Mean accuracy, or the mean per-task accuracy under a task mask.

        With ``sample_weight`` of shape (n_samples,) or ``None`` this is
        scikit-learn's accuracy (subset accuracy for multilabel targets).  A
        per-task weight of shape (n_samples, n_tasks) -- the multi-task mask,
        0 where a task does not observe a sample -- gives the mean over tasks
        of each task's weighted accuracy on the samples it observes, so that
        unobserved labels are never scored.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Or, with precomputed kernels, (n_samples, n_samples_fit, n_kernels).
        y : array-like of shape (n_samples,) or (n_samples, n_tasks)
            True labels.
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_tasks), default=None
            Sample weights, or per-task weights (0 where a task does not observe a sample).

        Returns
        -------
        float
        """
        if sample_weight is None or np.ndim(sample_weight) < 2:
            return super().score(X, y, sample_weight=sample_weight)
        check_is_fitted(self)
        W, Y = np.asarray(sample_weight, dtype=float), np.asarray(y)
        if self._target_kind != "multilabel" or Y.shape != W.shape:
            raise ValueError(
                f"A per-task sample_weight of shape {W.shape} scores multilabel targets "
                f"of the same shape; got y of shape {Y.shape} for a {self._target_kind} "
                "model. Pass a sample_weight of shape (n_samples,) instead.")
        observed = W.sum(axis=0) > 0
        if not observed.any():
            raise ValueError("sample_weight is 0 everywhere: no task observes any sample.")
        correct = (self.predict(X) == Y) * W
        return float(np.mean(correct.sum(axis=0)[observed] / W.sum(axis=0)[observed]))


class KernelTaskRegressor(RegressorMixin, KernelTaskModel):
    """Base class of the regressors: one task per output."""

    def _validate_training_data(self, X, y, sample_weight):
        """Validated X, targets of shape (n_samples, n_tasks) and normalised weights."""
        X, y = validate_data(self, X, y, multi_output=True, dtype=np.float64,
                             y_numeric=True, allow_nd=self._precomputed, ensure_min_samples=2)
        return X, encode_outputs(y, sample_weight)

    def _set_targets(self, outputs):
        self._single_output = outputs.single

    def predict(self, X):
        """Predicted outputs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Or, with precomputed kernels, (n_samples, n_samples_fit, n_kernels).

        Returns
        -------
        ndarray of shape (n_samples,) for a 1-D target, else (n_samples, n_outputs)
        """
        F = self._decision_values(X)
        return F[:, 0] if self._single_output else F

    def score(self, X, y, sample_weight=None):
        """R^2, or the mean per-output R^2 under an output mask.

        With ``sample_weight`` of shape (n_samples,) or ``None`` this is
        scikit-learn's R^2 (averaged uniformly over outputs).  A per-output
        weight of shape (n_samples, n_outputs) -- 0 where an output is not
        observed -- gives the mean over outputs of each output's weighted R^2
        on the samples it observes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Or, with precomputed kernels, (n_samples, n_samples_fit, n_kernels).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True outputs.
        sample_weight : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Sample weights, or per-output weights (0 where an output is not observed).

        Returns
        -------
        float
        """
        if sample_weight is None or np.ndim(sample_weight) < 2:
            return super().score(X, y, sample_weight=sample_weight)
        W, Y = np.asarray(sample_weight, dtype=float), np.asarray(y, dtype=float)
        if Y.shape != W.shape:
            raise ValueError(f"A per-output sample_weight of shape {W.shape} needs y of the "
                             f"same shape; got {Y.shape}.")
        P = self.predict(X).reshape(Y.shape)
        scores = [r2_score(Y[W[:, t] > 0, t], P[W[:, t] > 0, t], sample_weight=W[W[:, t] > 0, t])
                  for t in range(Y.shape[1]) if np.count_nonzero(W[:, t]) >= 2]
        if not scores:
            raise ValueError("sample_weight leaves no output with two observed samples.")
        return float(np.mean(scores))
