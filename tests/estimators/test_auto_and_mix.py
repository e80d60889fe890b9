"""``lam_group="auto"`` of the MTMK estimators, and the mix ``l1_ratio`` of the CV estimators."""

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from mtmk import (
    KernelDictionary,
    MTMKClassifier,
    MTMKClassifierCV,
    MTMKRegressor,
    MTMKRegressorCV,
    mtmk_path,
)
from mtmk._multitask import auto_fraction, training_lam_max
from mtmk.solvers import FactorStack, GroupPenalty, Logistic, Quadratic, TaskGroupPenalty, lam_max
from mtmk.solvers._rows import LocalBlocks

SMALL = KernelDictionary(rbf=3, polynomial=(2,))
rng = np.random.default_rng(0)
X = StandardScaler().fit_transform(rng.normal(size=(80, 3)))
Y = np.column_stack([np.sin(X[:, 0]), X[:, 1] ** 2]) + 0.3 * rng.normal(size=(80, 2))
y = (X[:, 0] + 0.5 * rng.normal(size=80) > 0).astype(int)
# what the user guide documents: lam_group="auto" is this fraction of lam_max, and the
# regressor's lam_ridge="auto" is lam_group / (2 s), s the targets' root mean square
# deviation (the classifier's lam_ridge is 0)
DOCUMENTED = {MTMKClassifier: (0.03, 0.0), MTMKRegressor: (0.1, 0.5 / np.sqrt(Y.var(0).mean()))}


# ---------------------------------------------------------------- lam_group="auto"
@pytest.mark.parametrize("Estimator,target,loss", [(MTMKClassifier, y, "logistic"),
                                                   (MTMKRegressor, Y, "squared_error")],
                         ids=["classifier", "regressor"])
def test_auto_is_the_documented_fraction_of_the_training_lam_max(Estimator, target, loss):
    model = Estimator(kernels=SMALL, tol=1e-6).fit(X, target)
    fraction, ridge = DOCUMENTED[Estimator]
    assert Estimator().lam_group == "auto"
    top = mtmk_path(X, target, kernels=SMALL, lam_groups=1, loss=loss).lam_max
    assert model.lam_group_ == pytest.approx(fraction * top, rel=1e-12)
    assert model.lam_ridge_ == pytest.approx(ridge * model.lam_group_, rel=1e-12)
    fixed = Estimator(kernels=SMALL, lam_group=model.lam_group_, lam_ridge=model.lam_ridge_,
                      tol=1e-6).fit(X, target)
    assert model.objective_ == pytest.approx(fixed.objective_, rel=1e-10)
    assert np.any(model.kernel_weights_ > 0)


@pytest.mark.parametrize("Estimator", [MTMKClassifier, MTMKRegressor])
def test_auto_shrinks_as_one_over_root_n_beyond_300_rows(Estimator):
    # 1,200 rows: sqrt(300 / 1200) = 1/2 of the fraction measured on small sets
    big = np.random.default_rng(1)
    X_big = big.normal(size=(1200, 2))
    target = (np.column_stack([np.sin(X_big[:, 0]), X_big[:, 1]]) + 0.3 * big.normal(size=(1200, 2))
              if Estimator is MTMKRegressor else (X_big[:, 0] > 0).astype(int))
    kernels = KernelDictionary(rbf=2, polynomial=(), linear=False, n_components=50,
                               random_state=0)
    model = Estimator(kernels=kernels, max_iter=1).fit(X_big, target)
    loss = "squared_error" if Estimator is MTMKRegressor else "logistic"
    top = mtmk_path(X_big, target, kernels=kernels, lam_groups=1, loss=loss).lam_max
    assert model.lam_group_ == pytest.approx(0.5 * DOCUMENTED[Estimator][0] * top, rel=1e-12)
    assert auto_fraction(0.1, 300) == auto_fraction(0.1, 10) == 0.1
    assert auto_fraction(0.1, 30_000) == pytest.approx(0.01, rel=1e-12)


def test_auto_follows_the_scale_of_the_targets():
    # lam_max scales with the targets, so the "auto" model does too; a fixed
    # lam_group regularises large targets less than small ones
    small = MTMKRegressor(kernels=SMALL, tol=1e-6).fit(X, Y)
    large = MTMKRegressor(kernels=SMALL, tol=1e-6).fit(X, 100 * Y)
    assert large.lam_group_ == pytest.approx(100 * small.lam_group_, rel=1e-10)
    assert large.lam_ridge_ == pytest.approx(small.lam_ridge_, rel=1e-10)
    np.testing.assert_allclose(large.predict(X), 100 * small.predict(X), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(large.kernel_weights_, small.kernel_weights_, atol=1e-6)
    levels = dict(lam_group=small.lam_group_, lam_ridge=small.lam_ridge_)
    fixed_small = MTMKRegressor(kernels=SMALL, **levels).fit(X, Y)
    fixed_large = MTMKRegressor(kernels=SMALL, **levels).fit(X, 100 * Y)
    assert not np.allclose(fixed_large.kernel_weights_, fixed_small.kernel_weights_, atol=1e-3)


def test_numbers_are_kept_and_a_penalty_object_uses_its_own_levels():
    clf = MTMKClassifier(kernels=SMALL, lam_group=0.02).fit(X, y)
    assert (clf.lam_group_, clf.lam_ridge_) == (0.02, 0.0)
    reg = MTMKRegressor(kernels=SMALL, lam_group=0.02).fit(X, Y / Y.std(axis=0))
    # lam_ridge="auto": half of lam_group on targets of unit deviation
    assert reg.lam_group_ == 0.02 and reg.lam_ridge_ == pytest.approx(0.01, rel=1e-12)
    reg = MTMKRegressor(kernels=SMALL, lam_ridge=0.0).fit(X, Y)  # pure group at "auto"
    assert reg.lam_group_ > 0 and reg.lam_ridge_ == 0.0
    own = MTMKRegressor(kernels=SMALL, penalty=GroupPenalty(0.03, 0.001)).fit(X, Y)
    assert own.lam_group == "auto" and (own.lam_group_, own.lam_ridge_) == (0.03, 0.001)


def test_auto_with_the_lplq_penalty():
    group = MTMKClassifier(kernels=SMALL).fit(X, y)
    # p = 1, q = 2 is the group penalty: the same lam_max, the same level
    lplq = MTMKClassifier(kernels=SMALL, penalty="lplq", q=2.0).fit(X, y)
    assert lplq.lam_group_ == pytest.approx(group.lam_group_, rel=1e-12)
    with pytest.raises(ValueError, match=r"lam_group='auto'.*p=0.5 < 1 has none.*Pass a number"):
        MTMKClassifier(kernels=SMALL, penalty="lplq", p=0.5).fit(X, y)
    assert MTMKClassifier(kernels=SMALL, penalty="lplq", p=0.5, lam_group=0.01).fit(X, y)
    # the regressor's lam_ridge="auto" is 0 for lp-lq, which has no ridge term
    assert MTMKRegressor(kernels=SMALL, penalty="lplq").fit(X, Y).lam_ridge_ == 0.0


@pytest.mark.parametrize("datafit,penalty,targets", [
    (Logistic(), GroupPenalty(1.0), np.where(np.eye(2)[y] > 0, 1.0, -1.0)),
    (Quadratic(), TaskGroupPenalty(1.0), Y)], ids=["logistic-group", "squares-task"])
def test_lam_max_over_row_blocks_equals_the_whole_operator(datafit, penalty, targets):
    factors = [f.astype(np.float64) for f in
               KernelDictionary(rbf=2, n_components=30, random_state=0).fit(X).features(X)]
    W = np.full(targets.shape, 1.0 / len(targets))
    blocks = LocalBlocks.split(factors, targets, W, datafit, block_rows=25)
    blocks.ranks = [f.shape[1] for f in factors]
    whole = lam_max(FactorStack(factors), targets, W, datafit, penalty)
    assert whole > 0
    assert training_lam_max(blocks, targets, W, datafit, penalty) == pytest.approx(whole,
                                                                                   rel=1e-10)


def test_auto_on_a_constant_target_fits_the_intercept():
    # lam_max = 0: every level gives the intercept-only model
    model = MTMKRegressor(kernels=SMALL).fit(X, np.full(80, 3.0))
    assert np.all(model.kernel_weights_ == 0)
    np.testing.assert_allclose(model.predict(X), 3.0)


# ------------------------------------------------------------------------ l1_ratio
def test_each_mix_has_its_own_grid_from_its_lam_max():
    ratios = [0.25, 1.0]
    reg = MTMKRegressorCV(kernels=SMALL, l1_ratio=ratios, lam_groups=4, eps=0.01, cv=3,
                          tol=1e-6).fit(X, Y)
    top = mtmk_path(X, Y, kernels=SMALL, lam_groups=1, loss="squared_error").lam_max
    assert reg.lam_groups_.shape == (2, 4) and reg.cv_scores_.shape == (3, 2, 4)
    np.testing.assert_allclose(reg.lam_groups_[:, 0], [top / 0.25, top], rtol=1e-12)
    np.testing.assert_allclose(reg.lam_groups_[:, -1], [top / 0.25 * 0.01, top * 0.01])
    for r, lams in zip(ratios, reg.lam_groups_):
        at_top = MTMKRegressor(kernels=SMALL, lam_group=r * lams[0],
                               lam_ridge=(1 - r) * lams[0] / 2).fit(X, Y)
        below = MTMKRegressor(kernels=SMALL, lam_group=r * lams[1],
                              lam_ridge=(1 - r) * lams[1] / 2).fit(X, Y)
        assert np.all(at_top.kernel_weights_ == 0) and np.any(below.kernel_weights_ > 0)


def test_the_best_mix_and_level_are_refitted():
    reg = MTMKRegressorCV(kernels=SMALL, l1_ratio=[0.1, 0.5, 1.0], lam_groups=5, eps=0.01,
                          cv=3, tol=1e-6).fit(X, Y)
    mean = reg.cv_scores_.mean(axis=0)
    i, j = np.unravel_index(np.argmax(mean), mean.shape)
    assert reg.l1_ratio_ == [0.1, 0.5, 1.0][i]
    lam = reg.lam_groups_[i, j]
    assert reg.lam_group_ == pytest.approx(reg.l1_ratio_ * lam, rel=1e-12)
    assert reg.lam_ridge_ == pytest.approx((1 - reg.l1_ratio_) * lam / 2, rel=1e-12)
    single = MTMKRegressor(kernels=SMALL, lam_group=reg.lam_group_, lam_ridge=reg.lam_ridge_,
                           tol=1e-6).fit(X, Y)
    assert reg.objective_ == pytest.approx(single.objective_, rel=1e-6)
    np.testing.assert_allclose(reg.predict(X), single.predict(X), atol=1e-4)


def test_one_mix_keeps_two_dimensional_scores_and_pure_group_is_the_default():
    clf = MTMKClassifierCV(kernels=SMALL, lam_groups=4, cv=3).fit(X, y)
    assert clf.l1_ratio == 1.0 and clf.l1_ratio_ == 1.0 and clf.lam_ridge_ == 0.0
    assert clf.cv_scores_.shape == (3, 4) and clf.lam_groups_.shape == (4,)
    top = mtmk_path(X, y, kernels=SMALL, lam_groups=1).lam_max
    assert clf.lam_groups_[0] == pytest.approx(top, rel=1e-12)
    half = MTMKClassifierCV(kernels=SMALL, lam_groups=4, cv=3, l1_ratio=0.5).fit(X, y)
    assert half.cv_scores_.shape == (3, 4) and half.l1_ratio_ == 0.5
    assert half.lam_groups_[0] == pytest.approx(2 * top, rel=1e-12)


def test_ridge_only_with_explicit_values():
    reg = MTMKRegressorCV(kernels=SMALL, l1_ratio=0.0, lam_groups=[1.0, 0.1], cv=3).fit(X, Y)
    assert reg.lam_group_ == 0.0 and reg.lam_ridge_ in (0.5, 0.05)
    assert np.all(reg.kernel_weights_ > 0)  # no kernel selection without the group term


# ---------------------------------------------------------------------- bad values
@pytest.mark.parametrize("Estimator,target", [(MTMKClassifierCV, y), (MTMKRegressorCV, Y)],
                         ids=["classifier", "regressor"])
@pytest.mark.parametrize("params,match", [
    (dict(l1_ratio=1.5), r"'l1_ratio' parameter of MTMK\w+CV must be .*\[0.0, 1.0\]"),
    (dict(l1_ratio=-0.1), r"'l1_ratio' parameter of MTMK\w+CV must be .*\[0.0, 1.0\]"),
    (dict(l1_ratio="half"), r"'l1_ratio' parameter of MTMK\w+CV"),
    (dict(l1_ratio=[]), r"l1_ratio must be a float in \[0, 1\] or a non-empty list"),
    (dict(l1_ratio=[0.5, 2.0]), r"l1_ratio must be a float in \[0, 1\] or a non-empty list"),
    (dict(l1_ratio=[np.nan]), r"l1_ratio must be a float in \[0, 1\] or a non-empty list"),
    (dict(l1_ratio=[[0.5]]), r"l1_ratio must be a float in \[0, 1\] or a non-empty list"),
    (dict(l1_ratio=["a"]), r"l1_ratio must be a float in \[0, 1\] or a non-empty list"),
    (dict(l1_ratio=[0.0, 0.5]), r"l1_ratio = 0 .*no lam_max.*lam_groups=\[\.\.\.\]"),
    (dict(l1_ratio=0.0), r"l1_ratio = 0 .*no lam_max"),
    (dict(lam_groups=0), r"'lam_groups' parameter of MTMK\w+CV"),
    (dict(lam_groups=-3), r"'lam_groups' parameter of MTMK\w+CV"),
    (dict(lam_groups=[]), r"lam_groups must be positive and finite"),
    (dict(lam_groups=[0.1, -1.0]), r"lam_groups must be positive and finite"),
    (dict(lam_groups=[0.0]), r"lam_groups must be positive and finite"),
    (dict(lam_groups=[np.inf]), r"lam_groups must be positive and finite"),
    (dict(lam_groups=["a"]), r"lam_groups must be positive and finite"),
])
def test_bad_mixes_and_grids_are_refused(Estimator, target, params, match):
    with pytest.raises(ValueError, match=match):
        Estimator(kernels=SMALL, cv=2, **{"lam_groups": 3, **params}).fit(X, target)


@pytest.mark.parametrize("Estimator,target", [(MTMKClassifier, y), (MTMKRegressor, Y)],
                         ids=["classifier", "regressor"])
@pytest.mark.parametrize("param", ["lam_group", "lam_ridge"])
@pytest.mark.parametrize("value", ["max", -1.0, None])
def test_bad_levels_are_refused(Estimator, target, param, value):
    with pytest.raises(ValueError, match=rf"'{param}' parameter of {Estimator.__name__} "
                                         r"must be .*'auto'"):
        Estimator(kernels=SMALL, **{param: value}).fit(X, target)
