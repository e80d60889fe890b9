"""MTMKClassifier as users meet it: targets, weights, pipelines, bad input."""

import pickle
import warnings

import numpy as np
import pytest
from shared import small_kernels
from sklearn.base import clone
from sklearn.datasets import make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mtmk import KernelDictionary, MTMKClassifier

SMALL = small_kernels()


@pytest.fixture(scope="module")
def multilabel():
    X, Y = make_multilabel_classification(n_samples=120, n_features=6, n_classes=4,
                                          random_state=0)
    return StandardScaler().fit_transform(X), Y


def test_multilabel_target_gives_one_task_per_column(multilabel):
    X, Y = multilabel
    clf = MTMKClassifier(kernels=SMALL).fit(X, Y)
    assert clf.n_tasks_ == 4
    assert np.array_equal(clf.classes_, np.arange(4))
    assert clf.decision_function(X).shape == (120, 4)
    proba = clf.predict_proba(X)
    assert proba.shape == (120, 4) and np.all((proba >= 0) & (proba <= 1))
    assert np.array_equal(clf.predict(X), (clf.decision_function(X) > 0).astype(int))
    assert clf.dual_coef_.shape == (5, 120, 4)
    assert clf.kernel_weights_.shape == (5,)
    assert clf.kernel_weights_.sum() == pytest.approx(1.0)
    assert np.all(clf.kernel_weights_ >= 0)
    assert clf.kernel_names_ == SMALL.fit(X).names_
    assert clf.optimality_violation_ < clf.tol
    assert (clf.predict(X) == Y).mean() > 0.8


def test_multiclass_target_gives_one_vs_rest_tasks(iris):
    X, y = iris
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = MTMKClassifier(kernels=SMALL).fit(X, labels)
    assert clf.n_tasks_ == 3
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert set(clf.predict(X)) <= set(clf.classes_)
    assert np.allclose(clf.predict_proba(X).sum(axis=1), 1.0)
    assert clf.score(X, labels) > 0.9


def test_binary_target_gives_one_task(iris):
    X, y = iris
    yb = np.where(y == 2, "yes", "no")
    clf = MTMKClassifier(kernels=SMALL).fit(X, yb)
    assert clf.n_tasks_ == 1
    assert clf.decision_function(X).shape == (150,)
    assert clf.predict_proba(X).shape == (150, 2)
    assert np.array_equal(clf.predict(X) == "yes", clf.decision_function(X) > 0)


def test_shared_sparse_kernel_selection(multilabel):
    X, Y = multilabel
    Xn = np.hstack([X, np.random.default_rng(0).normal(size=(120, 3))])
    kd = KernelDictionary(rbf=0, polynomial=(), linear=False, per_feature="linear",
                          feature_groups=[list(range(6)), [6, 7, 8]])
    weak = MTMKClassifier(kernels=kd, lam_group=0.01).fit(Xn, Y)
    assert weak.kernel_weights_[1] > 0              # weak penalty: noise is fitted too
    clf = MTMKClassifier(kernels=kd, lam_group=0.1).fit(Xn, Y)
    assert clf.kernel_weights_[1] == 0.0            # the noise group is dropped for all tasks
    assert clf.kernel_weights_[0] == 1.0
    assert np.all(clf.dual_coef_[1] == 0)


def test_sample_weight_zero_marks_unobserved_labels(multilabel):
    X, Y = multilabel
    W = np.ones(Y.shape)
    W[:40, 2] = 0.0
    Y_changed = Y.copy()
    Y_changed[:40, 2] = 1 - Y_changed[:40, 2]     # labels nobody observed
    a = MTMKClassifier(kernels=SMALL, tol=1e-8).fit(X, Y, sample_weight=W)
    b = MTMKClassifier(kernels=SMALL, tol=1e-8).fit(X, Y_changed, sample_weight=W)
    assert np.allclose(a.decision_function(X), b.decision_function(X), atol=1e-6)
    c = MTMKClassifier(kernels=SMALL, tol=1e-8).fit(X, Y)
    assert not np.allclose(a.decision_function(X), c.decision_function(X), atol=1e-3)


def test_precomputed_kernels_match_the_dictionary(iris):
    X, y = iris
    kd = SMALL.fit(X)
    K_train = np.moveaxis(kd.gram(), 0, 2)
    K_test = np.moveaxis(kd.gram(X[:20]), 0, 2)
    pre = MTMKClassifier(kernels="precomputed", tol=1e-8).fit(K_train, y)
    feat = MTMKClassifier(kernels=SMALL, tol=1e-8).fit(X, y)
    assert pre.objective_ == pytest.approx(feat.objective_, rel=1e-9)
    assert np.allclose(pre.decision_function(K_test), feat.decision_function(X[:20]))
    assert pre.__sklearn_tags__().input_tags.pairwise
    # scikit-learn slices (n, n, M) stacks correctly in cross-validation
    scores = cross_val_score(MTMKClassifier(kernels="precomputed"), K_train, y, cv=3)
    assert scores.mean() > 0.85


def test_cvxpy_solver_gives_the_same_model(iris):
    X, y = iris
    X, y = X[::3], y[::3]
    kd = KernelDictionary(rbf=2, polynomial=())
    fast = MTMKClassifier(kernels=kd, lam_group=0.01, tol=1e-9).fit(X, y)
    ref = MTMKClassifier(kernels=kd, lam_group=0.01, solver="cvxpy").fit(X, y)
    assert fast.objective_ == pytest.approx(ref.objective_, rel=1e-5)
    assert np.mean(fast.predict(X) == ref.predict(X)) > 0.95


def test_low_rank_kernels_fit_and_predict(iris):
    X, y = iris
    low = MTMKClassifier(kernels=KernelDictionary(n_components=150, random_state=0),
                         tol=1e-8).fit(X, y)
    exact = MTMKClassifier(tol=1e-8).fit(X, y)
    assert low.objective_ == pytest.approx(exact.objective_, rel=1e-5)
    assert np.allclose(low.decision_function(X), exact.decision_function(X), atol=1e-3)
    rough = MTMKClassifier(kernels=KernelDictionary(n_components=30, random_state=0)).fit(X, y)
    assert rough.score(X, y) > 0.9


def test_clone_pickle_pipeline_and_grid_search(iris):
    X, y = iris
    clf = MTMKClassifier(kernels=SMALL, lam_group=0.01)
    assert clone(clf).get_params()["lam_group"] == 0.01
    fitted = clf.fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    assert np.array_equal(restored.predict(X), fitted.predict(X))
    pipe = make_pipeline(StandardScaler(), MTMKClassifier(kernels=SMALL))
    assert pipe.fit(X, y).score(X, y) > 0.9
    search = GridSearchCV(pipe, {"mtmkclassifier__lam_group": [1e-3, 1e-1],
                                 "mtmkclassifier__kernels__rbf": [1, 3]}, cv=3).fit(X, y)
    assert search.best_params_["mtmkclassifier__lam_group"] in (1e-3, 1e-1)
    assert search.score(X, y) > 0.9


def test_warm_start_reuses_the_previous_solution(iris):
    X, y = iris
    clf = MTMKClassifier(kernels=SMALL, lam_group=0.01, warm_start=True, tol=1e-6).fit(X, y)
    first_iters = clf.n_iter_
    clf.set_params(lam_group=0.009).fit(X, y)
    cold = MTMKClassifier(kernels=SMALL, lam_group=0.009, tol=1e-6).fit(X, y)
    assert clf.objective_ == pytest.approx(cold.objective_, rel=1e-5)
    assert clf.n_iter_ <= max(first_iters, cold.n_iter_)


def test_non_convergence_warns_and_leaves_a_usable_model(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match=r"max_iter=1 .*certificate is"):
        clf = MTMKClassifier(kernels=SMALL, max_iter=1).fit(X, y)
    assert clf.score(X, y) > 0.5


@pytest.mark.parametrize("kwargs, match", [
    (dict(lam_group=-1.0), "lam_group"),
    (dict(lam_ridge=-0.1), "lam_ridge"),
    (dict(lam_group=0.0, lam_ridge=0.0), "both 0"),
    (dict(lam_group=np.inf), "lam_group"),
    (dict(lam_ridge=np.nan), "lam_ridge"),
    (dict(tol=0.0), "tol"),
    (dict(max_iter=0), "max_iter"),
    (dict(kernels="rbf"), "kernels"),
    (dict(solver="sgd"), "solver"),
])
def test_bad_hyperparameters_raise_value_error(iris, kwargs, match):
    X, y = iris
    with pytest.raises(ValueError, match=match):
        MTMKClassifier(**kwargs).fit(X, y)


def test_bad_data_raises_clear_errors(iris, multilabel):
    X, y = iris
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MTMKClassifier().fit(X_nan, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        MTMKClassifier().fit(X, y[:-1])
    with pytest.raises(ValueError, match="only one class"):
        MTMKClassifier().fit(X, np.zeros(150))
    Xm, Y = multilabel
    Y_one = Y.copy()
    Y_one[:, 1] = 1
    with pytest.raises(ValueError, match="Task 1 .* no negative sample"):
        MTMKClassifier().fit(Xm, Y_one)
    Y_bad = Y.copy()
    Y_bad[0, 0] = 2
    with pytest.raises(ValueError, match="0/1"):
        MTMKClassifier().fit(Xm, Y_bad)
    with pytest.raises(ValueError, match="sample_weight"):
        MTMKClassifier().fit(Xm, Y, sample_weight=np.ones((120, 3)))
    with pytest.raises(ValueError, match="features"):
        MTMKClassifier(kernels=SMALL).fit(X, y).predict(X[:, :2])


def test_bad_precomputed_kernels(iris):
    X, y = iris
    K = SMALL.fit(X).gram()
    not_psd = K.copy()
    not_psd[0] -= 2 * np.eye(150)
    with pytest.raises(ValueError, match="not positive semi-definite"):
        MTMKClassifier(kernels="precomputed").fit(np.moveaxis(not_psd, 0, 2), y)
    with pytest.raises(ValueError, match="square"):
        MTMKClassifier(kernels="precomputed").fit(np.moveaxis(K[:, :, :100], 0, 2), y)
    clf = MTMKClassifier(kernels="precomputed").fit(np.moveaxis(K, 0, 2), y)
    with pytest.raises(ValueError, match="shape"):
        clf.predict(np.moveaxis(K[:2, :10, :], 0, 2))


def test_failed_fit_leaves_the_previous_model_untouched(iris):
    X, y = iris
    clf = MTMKClassifier(kernels=SMALL).fit(X, y)
    before = clf.decision_function(X).copy()
    with pytest.raises(ValueError):
        clf.fit(X, np.zeros(150))
    assert np.array_equal(clf.decision_function(X), before)


def test_memory_refusal_reaches_the_user(iris):
    X, y = iris
    with pytest.raises(ValueError, match="n_components"):
        MTMKClassifier(kernels=KernelDictionary(max_memory=10_000)).fit(X, y)


def test_digits_one_vs_rest_is_accurate():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, train_size=600, stratify=y,
                                              random_state=0)
    pipe = make_pipeline(StandardScaler(), MTMKClassifier())
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        assert pipe.fit(X_tr, y_tr).score(X_te, y_te) > 0.95


SMOOTH = dict(rbf=[0.05, 0.2], polynomial=(2,))  # well approximated from 100 landmarks


@pytest.mark.parametrize("kernels", [KernelDictionary(**SMOOTH),
                                     KernelDictionary(**SMOOTH, n_components=80,
                                                      random_state=0)])
def test_embedding_reproduces_the_learned_kernel(iris, kernels):
    X, y = iris
    rng = np.random.default_rng(0)
    train = rng.permutation(150)[:100]
    test = np.setdiff1d(np.arange(150), train)
    clf = MTMKClassifier(kernels=kernels, lam_group=1e-3, lam_ridge=1e-3).fit(X[train], y[train])
    assert np.sum(clf.kernel_weights_ > 0) >= 2          # a genuine combination
    E = clf.embed(X[test])
    learned = np.tensordot(clf.kernel_weights_,
                           KernelDictionary(**SMOOTH).fit(X[train])
                           .pairwise(X[test], X[test]), axes=1)
    assert E.shape[0] == 50
    assert np.abs(E @ E.T - learned).max() < 0.05          # held-out pairs (Nystroem error)
    E_train = clf.embed(X[train])
    exact_on_landmarks = kernels.n_components is None
    if exact_on_landmarks:
        K_train = np.tensordot(clf.kernel_weights_, clf.kernel_dictionary_.gram(), axes=1)
        assert np.allclose(E_train @ E_train.T, K_train, atol=1e-8)
    with pytest.raises(ValueError, match="precomputed"):
        K = np.moveaxis(KernelDictionary(rbf=1).fit(X).gram(), 0, 2)
        MTMKClassifier(kernels="precomputed").fit(K, y).embed(K)


def test_low_rank_accuracy_is_close_to_exact_on_held_out_data():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, train_size=700, test_size=500,
                                              stratify=y, random_state=0)
    exact = MTMKClassifier().fit(X_tr, y_tr).score(X_te, y_te)
    low = MTMKClassifier(kernels=KernelDictionary(n_components=200, random_state=0)) \
        .fit(X_tr, y_tr).score(X_te, y_te)
    assert exact > 0.95
    assert abs(low - exact) <= 0.02


def test_low_rank_rejects_bad_input(iris):
    X, y = iris
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MTMKClassifier(kernels=KernelDictionary(n_components=20)).fit(X_nan, y)
    with pytest.raises(ValueError, match="n_components=200 is larger"):
        MTMKClassifier(kernels=KernelDictionary(n_components=200)).fit(X, y)


@pytest.mark.parametrize("seed", range(6))
def test_default_fits_agree_with_tight_fits(seed):
    # The certificate is relative to the penalty level, so the default tol
    # holds at small lam_group too: held-out decision values within 1e-3 of a
    # fit solved to 1e-10.
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 4))
    logits = np.column_stack([X[:, 0] + 0.5 * t * X[:, 1] for t in range(3)])
    Y = (logits + 0.5 * rng.normal(size=logits.shape) > 0).astype(int)
    default = MTMKClassifier(lam_group=1e-3).fit(X[:40], Y[:40])
    tight = MTMKClassifier(lam_group=1e-3, tol=1e-10, max_iter=100_000).fit(X[:40], Y[:40])
    difference = default.decision_function(X[40:]) - tight.decision_function(X[40:])
    assert np.abs(difference).max() < 1e-3
