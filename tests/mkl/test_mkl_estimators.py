"""The MKL family in meta-estimators, with precomputed kernels and multi-task targets."""

import pickle

import numpy as np
import pytest
from shared import small_kernels
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mtmk import (
    AlignfMKLClassifier,
    AverageMKLClassifier,
    EasyMKLClassifier,
    KernelDictionary,
    LpMKLClassifier,
    SimpleMKLClassifier,
)

SMALL = small_kernels()
ALL = [AverageMKLClassifier, EasyMKLClassifier, AlignfMKLClassifier, SimpleMKLClassifier,
       LpMKLClassifier]


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
