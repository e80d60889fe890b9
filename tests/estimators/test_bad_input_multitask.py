"""Bad input to MTMK: the classifier and regressor, their CV versions and the path.

Every case asserts the error type (or warning) and that the message names the
problem.  Public scikit-learn API only.
"""

import numpy as np
import pytest
from shared import two_class_problem
from sklearn.exceptions import ConvergenceWarning

from mtmk import (
    MTMKClassifier,
    MTMKClassifierCV,
    MTMKRegressor,
    MTMKRegressorCV,
    lam_group_grid,
    mtmk_path,
)

X, y, y_reg, KD, STACK = two_class_problem()

CLASSIFIERS = [MTMKClassifier, MTMKClassifierCV]
ESTIMATORS = [(MTMKClassifier, y), (MTMKClassifierCV, y), (MTMKRegressor, y_reg),
              (MTMKRegressorCV, y_reg)]
IDS = ["MTMKClassifier", "MTMKClassifierCV", "MTMKRegressor", "MTMKRegressorCV"]


def _small(Estimator, **params):
    if Estimator in (MTMKClassifierCV, MTMKRegressorCV):
        params.setdefault("lam_groups", 3)
        params.setdefault("cv", 2)
    return Estimator(**params)


@pytest.mark.parametrize("Estimator,target", ESTIMATORS, ids=IDS)
def test_extreme_feature_scales(Estimator, target, extreme_scale):
    scale, match = extreme_scale
    with pytest.raises(ValueError, match=rf"X has .*{match}.*[Ss]cale the features"):
        _small(Estimator, kernels=KD).fit(X * scale, target)


@pytest.mark.parametrize("Estimator,target", ESTIMATORS, ids=IDS)
def test_degenerate_precomputed_stacks(Estimator, target, degenerate_stack):
    stack, match = degenerate_stack
    with pytest.raises(ValueError, match=match):
        _small(Estimator, kernels="precomputed").fit(stack, target)


def test_precomputed_test_stack_of_the_wrong_shape():
    clf = MTMKClassifier(kernels="precomputed").fit(STACK, y)
    with pytest.raises(ValueError, match=r"X has 30 features.*expecting 40"):
        clf.predict(STACK[:, :30])
    with pytest.raises(ValueError, match=r"must have shape \(n_samples, 40, 4\)"):
        clf.predict(STACK[:, :, :3])


@pytest.mark.parametrize("Estimator,target", ESTIMATORS, ids=IDS)
def test_non_finite_inputs(Estimator, target):
    Z = X.copy()
    Z[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        _small(Estimator, kernels=KD).fit(Z, target)


def test_non_finite_regression_target():
    t = y_reg.copy()
    t[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MTMKRegressor(kernels=KD).fit(X, t)


@pytest.mark.parametrize("Estimator", CLASSIFIERS, ids=str)
def test_object_labels(Estimator):
    numbers = _small(Estimator, kernels=KD).fit(X, y.astype(object))
    assert set(numbers.classes_) == {0, 1}
    strings = _small(Estimator, kernels=KD).fit(X, np.where(y == 1, "b", "a").astype(object))
    assert list(strings.classes_) == ["a", "b"]
    np.testing.assert_array_equal(strings.predict(X) == "b", numbers.predict(X) == 1)
    mixed = np.array(["b" if v else 0 for v in y], dtype=object)
    with pytest.raises(ValueError, match=r"mixed types .*int.*str"):
        _small(Estimator, kernels=KD).fit(X, mixed)


SHARED = [("tol", 0.0), ("max_iter", 0), ("kernels", "linear"), ("n_jobs", 1.5)]
SINGLE = [("lam_group", -1.0), ("p", 0.0), ("q", 3.0)]       # the CV versions choose lam_group


@pytest.mark.parametrize("Estimator,target,param,value",
                         [(E, t, p, v) for E, t in ESTIMATORS for p, v in SHARED]
                         + [(E, t, p, v) for E, t in ESTIMATORS[::2] for p, v in SINGLE])
def test_parameter_constraints(Estimator, target, param, value):
    with pytest.raises(ValueError, match=rf"'{param}' parameter of {Estimator.__name__}"):
        _small(Estimator, **{param: value}).fit(X, target)


@pytest.mark.parametrize("kwargs,match", [
    (dict(lam_groups=0), "'lam_groups' parameter of mtmk_path"),
    (dict(lam_groups=[0.1, -1.0]), r"lam_groups must be non-negative"),
    (dict(lam_groups=[np.nan]), r"lam_groups must be non-negative and finite"),
    (dict(eps=0), "'eps' parameter of mtmk_path"),
    (dict(eps=2), "'eps' parameter of mtmk_path"),
    (dict(eps=-1), "'eps' parameter of mtmk_path"),
    (dict(eps=np.nan), "'eps' parameter of mtmk_path"),
    (dict(loss="hinge"), "'loss' parameter of mtmk_path"),
    (dict(lam_groups=[0.0], lam_ridge=0.0), "lam_groups contains 0 and lam_ridge is 0"),
])
def test_path_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mtmk_path(X, y, kernels=KD, **kwargs)


def test_path_extreme_scales(extreme_scale):
    scale, match = extreme_scale
    with pytest.raises(ValueError, match=rf"X has .*{match}"):
        mtmk_path(X * scale, y, kernels=KD, lam_groups=3)


def test_path_all_zero_and_empty_stacks():
    with pytest.raises(ValueError, match="Every precomputed kernel"):
        mtmk_path(STACK * 0.0, y, kernels="precomputed", lam_groups=3)
    with pytest.raises(ValueError, match="no kernel"):
        mtmk_path(STACK[:, :, :0], y, kernels="precomputed", lam_groups=3)


@pytest.mark.parametrize("kwargs,match", [(dict(lam_max=0.0), "'lam_max'"),
                                          (dict(lam_max=1.0, n_lams=0), "'n_lams'"),
                                          (dict(lam_max=1.0, eps=1.0), "'eps'")])
def test_lam_group_grid_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        lam_group_grid(**kwargs)


def test_unconverged_fit_reports_its_certificate():
    with pytest.warns(ConvergenceWarning, match=r"certificate is [0-9.e+-]+"):
        MTMKClassifier(kernels=KD, tol=1e-14, max_iter=1).fit(X, y)


def test_task_mask_that_empties_a_task():
    Y = np.column_stack([y, 1 - y])
    W = np.ones(Y.shape)
    W[:, 1] = 0.0
    with pytest.raises(ValueError, match="task"):
        MTMKClassifier(kernels=KD).fit(X, Y, sample_weight=W)
