"""Constant features (or constant regression targets): the CV estimators and
the path refuse at once, the plain estimators fit the intercept-only model at
once.

With every feature constant every kernel is constant, so the gradient of every
kernel block vanishes at the intercept-only model (lam_max = 0) and no
lam_group can change the model.  Before lam_max treated rounding-level
gradients as zero, the CV estimators built a grid of rounding-level values and
ran for minutes.
"""

import time
import warnings

import numpy as np
import pytest

from mtmk import (
    AlignfMKLClassifier,
    AverageMKLClassifier,
    EasyMKLClassifier,
    KernelDictionary,
    LpMKLClassifier,
    MTMKClassifier,
    MTMKClassifierCV,
    MTMKRegressor,
    MTMKRegressorCV,
    SimpleMKLClassifier,
    mtmk_path,
)

rng = np.random.default_rng(2)
N = 50
CONSTANT = np.tile([1.0, -2.0, 3.5, 0.0], (N, 1))
Y3 = rng.integers(0, 3, N)                     # three classes: the case that ran for minutes
Y_REG = rng.normal(size=N)
REFUSAL = r"lam_max = 0.*constant.*Drop the constant features.*explicit lam_groups"


@pytest.mark.parametrize("Estimator,target,params", [
    (MTMKClassifierCV, Y3, {}),
    (MTMKClassifierCV, Y3, {"loss": "squared_hinge"}),
    (MTMKClassifierCV, Y3, {"kernels": KernelDictionary(n_components=10, random_state=0)}),
    (MTMKRegressorCV, Y_REG, {}),
    (MTMKRegressorCV, Y_REG, {"loss": "huber"}),
], ids=["logistic", "squared_hinge", "nystroem", "squared_error", "huber"])
def test_cv_estimators_refuse_constant_features_at_once(Estimator, target, params):
    start = time.perf_counter()
    with pytest.raises(ValueError, match=REFUSAL):
        Estimator(**params).fit(CONSTANT, target)
    assert time.perf_counter() - start < 30       # was more than a minute


@pytest.mark.parametrize("value", [3.0, -2.5])
def test_regressor_cv_refuses_constant_targets_at_once(value):
    X = rng.normal(size=(N, 4))
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"lam_max = 0.*targets carry no signal"):
        MTMKRegressorCV().fit(X, np.full(N, value))
    assert time.perf_counter() - start < 30       # was a minute at 200 rows


def test_path_refuses_constant_features():
    with pytest.raises(ValueError, match=REFUSAL):
        mtmk_path(CONSTANT, Y3)


@pytest.mark.parametrize("Estimator,target", [(MTMKClassifierCV, Y3),
                                              (MTMKRegressorCV, Y_REG)],
                         ids=["classifier", "regressor"])
def test_explicit_grid_gives_the_intercept_only_model(Estimator, target):
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # no ConvergenceWarning either
        model = Estimator(lam_groups=[1.0, 1e-3], cv=3).fit(CONSTANT, target)
    assert np.all(model.dual_coef_ == 0)
    plain = Estimator._single_class().fit(CONSTANT, target)
    np.testing.assert_allclose(model.intercept_, plain.intercept_, rtol=1e-6)


def test_plain_estimators_fit_the_intercept_only_model():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = MTMKClassifier().fit(CONSTANT, Y3)
        reg = MTMKRegressor().fit(CONSTANT, Y_REG)
    assert np.all(clf.dual_coef_ == 0) and np.all(reg.dual_coef_ == 0)
    majority = np.bincount(Y3).argmax()
    assert np.all(clf.predict(CONSTANT) == majority)
    np.testing.assert_allclose(reg.predict(CONSTANT), Y_REG.mean(), rtol=1e-6)


@pytest.mark.parametrize("Estimator", [AverageMKLClassifier, EasyMKLClassifier,
                                       AlignfMKLClassifier, SimpleMKLClassifier,
                                       LpMKLClassifier],
                         ids=lambda e: e.__name__)
def test_mkl_estimators_end_at_once_with_one_prediction(Estimator):
    y = (np.arange(N) % 3 == 0).astype(int)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # ALIGNF says that no kernel aligns with the labels (its documented warning).
        warnings.filterwarnings("ignore", "ALIGNF: no kernel", UserWarning)
        warnings.simplefilter("error", category=RuntimeWarning)
        clf = Estimator(kernels=KernelDictionary(rbf=2, polynomial=(2,))).fit(CONSTANT, y)
    assert time.perf_counter() - start < 30
    assert np.unique(clf.predict(CONSTANT)).size == 1
