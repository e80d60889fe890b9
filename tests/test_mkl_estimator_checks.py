"""scikit-learn's estimator checks and meta-estimator use of the MKL family."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import has_fit_parameter

from mtmk.kernels import KernelDictionary
from mtmk.mkl import (AlignfMKLClassifier, AverageMKLClassifier, EasyMKLClassifier,
                      LpMKLClassifier, SimpleMKLClassifier)

# A 5-kernel dictionary keeps the ~70 checks per estimator fast; the code
# paths are those of the default 10-kernel dictionary.
SMALL = KernelDictionary(rbf=3, polynomial=(2,))
ESTIMATORS = [AverageMKLClassifier(), EasyMKLClassifier(kernels=SMALL),
              AlignfMKLClassifier(kernels=SMALL), SimpleMKLClassifier(kernels=SMALL, tol=1e-2),
              LpMKLClassifier(kernels=SMALL)]
ALL = [AverageMKLClassifier, EasyMKLClassifier, AlignfMKLClassifier, SimpleMKLClassifier,
       LpMKLClassifier]


def expected_failures(estimator):
    failures = {
        # Weighting is exactly equivalent to repetition in every formulation
        # (C_i = C w_i; EasyMKL's ridge lam gamma_i^2 / w_i; ALIGNF's weighted
        # centring), but libsvm / SMO stop at tol, so the two fits agree only
        # to about 1e-4 while the check demands 1e-7.  scikit-learn marks its
        # own SVC the same way.  test_weights_equal_repetition below checks
        # the equivalence with tight tolerances.
        "check_sample_weight_equivalence_on_dense_data":
            "the inner SVM solvers agree with repetition only up to their tolerance",
    }
    if isinstance(estimator, LpMKLClassifier):
        # SMO's exact pair step makes the outputs of the last pair equal; on
        # this check's data two decision values come out 1 ulp apart
        # (0.99990669 and 0.99990669 - 2.2e-16), expit maps both to the same
        # float and rankdata then differs.  The ranking itself is kept up to
        # rounding: test_lp_proba_ranks_follow_decision checks it on the same data.
        failures["check_classifier_multioutput"] = (
            "two decision values 1 ulp apart map to one probability (exact SMO pair step)")
    if not has_fit_parameter(KernelDictionary(), "sample_weight"):
        # The KernelDictionary of this branch's base (before the core fix that
        # also brings weighted median widths) rejects an all-zero row under
        # unit-diagonal normalisation (linear kernel k(0, 0) = 0).
        failures["check_estimators_dtypes"] = (
            "core KernelDictionary rejects all-zero rows (fixed in the core branch)")
    return failures


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("cls", ALL)
def test_pipeline_gridsearch_clone_pickle(cls, iris):
    X, y = iris
    grid = {"mklclf__C": [0.5, 2.0]}
    pipe = make_pipeline(StandardScaler(), cls(kernels=SMALL))
    pipe.steps[-1] = ("mklclf", pipe.steps[-1][1])
    search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert search.best_score_ > 0.85
    fitted = search.best_estimator_
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_allclose(restored.decision_function(X), fitted.decision_function(X))
    assert clone(fitted).get_params()["mklclf__C"] == fitted.get_params()["mklclf__C"]


@pytest.mark.parametrize("cls", ALL)
def test_precomputed_matches_features(cls, iris):
    X, y = iris
    kd = KernelDictionary(rbf=2, polynomial=()).fit(X[::2])
    K_train = np.moveaxis(kd.gram(), 0, 2)
    K_test = np.moveaxis(kd.gram(X[1::2]), 0, 2)
    a = cls(kernels=KernelDictionary(rbf=2, polynomial=())).fit(X[::2], y[::2])
    b = cls(kernels="precomputed").fit(K_train, y[::2])
    np.testing.assert_allclose(a.decision_function(X[1::2]), b.decision_function(K_test),
                               atol=1e-8)
    np.testing.assert_allclose(a.kernel_weights_, b.kernel_weights_, atol=1e-10)
    assert b.kernel_names_ == ["kernel0", "kernel1", "kernel2"]
    assert cross_val_score(cls(kernels="precomputed"), K_train, y[::2], cv=3).mean() > 0.8


@pytest.mark.parametrize("cls", ALL)
def test_targets_and_weights_on_simplex(cls, iris):
    X, y = iris
    Y = np.column_stack([y == 0, y == 1, (y == 2) | (X[:, 0] > 1)]).astype(int)
    clf = cls(kernels=SMALL).fit(X, Y)
    assert clf.predict(X).shape == Y.shape and clf.n_tasks_ == 3
    assert np.mean(clf.predict(X) == Y) > 0.85
    assert clf.predict_proba(X).shape == Y.shape
    assert np.all(clf.kernel_weights_ >= 0) and np.isclose(clf.kernel_weights_.sum(), 1)
    binary = cls(kernels=SMALL).fit(X, y == 1)
    assert binary.decision_function(X).shape == (X.shape[0],)
    assert binary.predict_proba(X).shape == (X.shape[0], 2)


@pytest.mark.parametrize("cls", ALL)
def test_weights_equal_repetition(cls, iris):
    """Integer weights give the repetition fit once the solvers are tight."""
    X, y = iris
    rng = np.random.default_rng(0)
    rows = rng.choice(X.shape[0], 40, replace=False)
    X, y = X[rows], y[rows]
    w = rng.integers(0, 3, size=40)
    w[:6] = 1
    tight = {"AverageMKLClassifier": dict(tol=1e-10), "EasyMKLClassifier": dict(tol=1e-9, svm_tol=1e-10),
             "AlignfMKLClassifier": dict(svm_tol=1e-10),
             "SimpleMKLClassifier": dict(tol=1e-6, svm_tol=1e-10),
             "LpMKLClassifier": dict(tol=1e-9)}[cls.__name__]
    kernels = np.moveaxis(KernelDictionary(rbf=[0.1, 1.0], polynomial=()).fit(X).gram(), 0, 2)
    a = cls(kernels="precomputed", **tight).fit(kernels, y, sample_weight=w)
    keep = np.repeat(np.arange(40), w)
    b = cls(kernels="precomputed", **tight).fit(kernels[np.ix_(keep, keep)], y[keep])
    atol = 1e-3 if cls is SimpleMKLClassifier else 1e-5  # gap 1e-6 bounds d only loosely
    np.testing.assert_allclose(a.kernel_weights_, b.kernel_weights_, atol=atol)
    np.testing.assert_allclose(a.decision_function(kernels),
                               b.decision_function(kernels[:, keep]), atol=10 * atol)


@pytest.mark.parametrize("params, message", [
    ({"p": 1.0, "solver": "smo"}, "needs p > 1"),
    ({"p": 0.5}, "range"),
])
def test_bad_parameters(params, message, iris):
    X, y = iris
    with pytest.raises(ValueError, match=message):
        LpMKLClassifier(**params).fit(X, y)


def test_bad_precomputed_input(iris):
    X, y = iris
    K = np.random.default_rng(0).normal(size=(150, 150, 2))
    with pytest.raises(ValueError, match="not symmetric"):
        AverageMKLClassifier(kernels="precomputed").fit(K, y)
    good = np.moveaxis(KernelDictionary(rbf=2, polynomial=()).fit(X).gram(), 0, 2)
    clf = AverageMKLClassifier(kernels="precomputed").fit(good, y)
    with pytest.raises(ValueError, match="features"):
        clf.decision_function(good[:, :100])


def test_lp_proba_ranks_follow_decision():
    """What check_classifier_multioutput tests, up to floating-point ties."""
    from sklearn.datasets import make_multilabel_classification
    X, y = make_multilabel_classification(random_state=42, n_samples=42, n_labels=5, n_classes=3)
    est = LpMKLClassifier(kernels=SMALL).fit(X, y)
    D, P = est.decision_function(X), est.predict_proba(X)
    for t in range(3):
        order = np.argsort(D[:, t], kind="stable")
        # Probabilities are non-decreasing along the decision order, and
        # strictly increasing wherever the decisions differ by more than 1e-12.
        dp, dd = np.diff(P[order, t]), np.diff(D[order, t])
        assert np.all(dp >= 0)
        assert np.all(dp[dd > 1e-12] > 0)
