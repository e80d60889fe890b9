"""Regularisation path, cross-validation and the distributed backend."""

import numpy as np
import pytest
from joblib import parallel_config
from shared import small_kernels
from sklearn.datasets import load_iris, make_multilabel_classification
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

from mtmk import KernelDictionary, MTMKClassifier, MTMKClassifierCV, mtmk_path

SMALL = small_kernels()


@pytest.fixture(scope="module")
def multilabel():
    X, Y = make_multilabel_classification(n_samples=90, n_features=5, n_classes=3,
                                          random_state=1)
    return StandardScaler().fit_transform(X), Y


def test_path_starts_empty_and_warm_starts_match_cold_fits(multilabel):
    X, Y = multilabel
    path = mtmk_path(X, Y, kernels=SMALL, lam_groups=6, eps=0.05, tol=1e-8)
    assert np.all(np.diff(path.lam_groups) < 0)
    assert path.lam_groups[0] == pytest.approx(path.lam_max)
    assert np.all(path.kernel_weights[0] == 0)           # lam_max zeroes every kernel
    assert np.any(path.kernel_weights[1] > 0)            # the next value does not
    assert path.dual_coef.shape == (6, 5, 90, 3)
    for lam, objective in zip(path.lam_groups[1:], path.objectives[1:]):
        cold = MTMKClassifier(kernels=SMALL, lam_group=lam, tol=1e-8).fit(X, Y)
        assert objective == pytest.approx(cold.objective_, rel=1e-7)
    assert np.all(path.violations < 1e-8)


def test_small_grid_values_are_solved_relative_to_lam(multilabel):
    # The grid's small end lies below the default tol: the certificate is
    # relative to the penalty level, so every value is certified to 1e-4 of its
    # own lam_group (in absolute terms, at most lam_group * 1e-4).
    X, Y = multilabel
    path = mtmk_path(X, Y, kernels=SMALL, lam_groups=5, eps=1e-4)
    assert path.lam_groups[-1] < 1e-4
    assert np.all(path.violations < 1e-4)


def test_explicit_grid_and_bad_grids(multilabel):
    X, Y = multilabel
    path = mtmk_path(X, Y, kernels=SMALL, lam_groups=[0.01, 0.1])
    assert list(path.lam_groups) == [0.1, 0.01]
    with pytest.raises(ValueError, match="non-negative"):
        mtmk_path(X, Y, kernels=SMALL, lam_groups=[])
    with pytest.raises(ValueError, match="both 0"):
        mtmk_path(X, Y, kernels=SMALL, lam_groups=[0.0])


def test_cv_estimator_chooses_from_the_grid_and_refits(multilabel):
    X, Y = multilabel
    clf = MTMKClassifierCV(kernels=SMALL, lam_groups=5, eps=0.01, cv=3).fit(X, Y)
    assert clf.cv_scores_.shape == (3, 5)
    best = np.argmax(clf.cv_scores_.mean(axis=0))
    assert clf.lam_group_ == clf.lam_groups_[best]
    ref = MTMKClassifier(kernels=SMALL, lam_group=clf.lam_group_).fit(X, Y)
    assert clf.objective_ == pytest.approx(ref.objective_, rel=1e-4)
    assert clf.predict(X).shape == Y.shape


def test_cv_with_precomputed_kernels():
    X, y = load_iris(return_X_y=True)
    K = np.moveaxis(SMALL.fit(X).gram(), 0, 2)
    clf = MTMKClassifierCV(kernels="precomputed", lam_groups=4, cv=3).fit(K, y)
    assert clf.score(K, y) > 0.9


@pytest.mark.slow
def test_distributed_backend_gives_the_local_results(multilabel):
    distributed = pytest.importorskip("distributed")
    X, Y = multilabel
    local = MTMKClassifierCV(kernels=SMALL, lam_groups=4, cv=2).fit(X, Y)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        with parallel_config(backend="dask"):
            remote = MTMKClassifierCV(kernels=SMALL, lam_groups=4, cv=2, n_jobs=2).fit(X, Y)
    assert np.array_equal(remote.cv_scores_, local.cv_scores_)
    assert np.allclose(remote.decision_function(X), local.decision_function(X))


def test_dask_backend_without_a_cluster_is_a_clear_error(multilabel):
    pytest.importorskip("distributed")
    X, Y = multilabel
    clf = MTMKClassifierCV(kernels=SMALL, lam_groups=3, cv=2, n_jobs=2)
    with pytest.raises(ValueError, match="Client"):
        with parallel_config(backend="dask"):
            clf.fit(X, Y)
    assert not hasattr(clf, "lam_group_")


def test_cv_scores_ignore_labels_a_task_does_not_observe():
    # A task mask: task t sees only half of the rows.  The labels it does not
    # see may be anything; validation must not score them.
    X, Y = make_multilabel_classification(n_samples=90, n_features=5, n_classes=3,
                                          random_state=1)
    rng = np.random.default_rng(0)
    mask = (rng.random(Y.shape) < 0.6).astype(float)
    scrambled = np.where(mask > 0, Y, 1 - Y)
    cv = KFold(3, shuffle=True, random_state=0)
    kd = KernelDictionary(rbf=2, polynomial=())
    a = MTMKClassifierCV(kernels=kd, lam_groups=4, cv=cv).fit(X, Y, sample_weight=mask)
    b = MTMKClassifierCV(kernels=kd, lam_groups=4, cv=cv).fit(X, scrambled, sample_weight=mask)
    np.testing.assert_allclose(a.cv_scores_, b.cv_scores_)
    # the masked score is the mean over tasks of the accuracy on observed rows
    P = a.predict(X)
    expected = np.mean([np.mean(P[mask[:, t] > 0, t] == Y[mask[:, t] > 0, t])
                        for t in range(Y.shape[1])])
    assert a.score(X, Y, sample_weight=mask) == pytest.approx(expected)
    assert a.score(X, Y, sample_weight=mask) == pytest.approx(
        a.score(X, scrambled, sample_weight=mask))
    with pytest.raises(ValueError, match="per-task sample_weight"):
        a.score(X, Y, sample_weight=mask[:, :2])
    with pytest.raises(ValueError, match="scoring='accuracy' cannot take a per-task"):
        MTMKClassifierCV(kernels=kd, scoring="accuracy").fit(X, Y, sample_weight=mask)
    # roc_auc under a mask: the mean per-task AUC on observed rows, blind to the rest
    auc = [MTMKClassifierCV(kernels=kd, lam_groups=4, cv=cv, scoring="roc_auc")
           .fit(X, labels, sample_weight=mask).cv_scores_ for labels in (Y, scrambled)]
    np.testing.assert_allclose(auc[0], auc[1])
    assert np.all((auc[0] >= 0.5) & (auc[0] <= 1.0))


def test_sorted_multilabel_rows_split_evenly_or_say_how_to_shuffle():
    # Rows sorted by label: the integer cv interleaves them and works; a
    # contiguous K-fold leaves a class out of a training part and says so.
    X, Y = make_multilabel_classification(n_samples=60, n_features=4, n_classes=2,
                                          random_state=0)
    order = np.lexsort((Y[:, 1], Y[:, 0]))
    X, Y = X[order], Y[order]
    kd = KernelDictionary(rbf=1, polynomial=())
    clf = MTMKClassifierCV(kernels=kd, lam_groups=2, cv=2).fit(X, Y)
    assert clf.cv_scores_.shape == (2, 2)
    with pytest.raises(ValueError, match=r"cross-validation fold.*shuffle=True"):
        MTMKClassifierCV(kernels=kd, lam_groups=2, cv=KFold(2)).fit(X, Y)
