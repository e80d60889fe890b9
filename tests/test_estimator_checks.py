"""scikit-learn's own estimator checks, run on the MTMK estimators."""

import pytest
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    parametrize_with_checks,
)

from mtmk import KernelDictionary, MTMKClassifier, MTMKRegressor, MTMKRegressorCV

SMALL = KernelDictionary(rbf=3, polynomial=(2,))


def expected_failed(estimator):
    # The check compares a weighted fit with a fit on repeated samples to
    # rtol=1e-7.  Both fits stop at the default certificate, which leaves
    # differences around 1e-6; the weighting itself is exact, as
    # test_sample_weight_equivalence_at_tight_tolerance shows.
    return {"check_sample_weight_equivalence_on_dense_data":
            "needs 1e-7 agreement; run at a tight tol in a dedicated test"}


@parametrize_with_checks([MTMKClassifier(), MTMKRegressor(),
                          MTMKRegressorCV(kernels=SMALL, lam_groups=3, cv=2)],
                         expected_failed_checks=expected_failed)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", [
    MTMKClassifier(tol=1e-12, max_iter=100_000),
    MTMKRegressor(tol=1e-10, max_iter=100_000),
    MTMKRegressorCV(kernels=SMALL, lam_groups=3, cv=2, tol=1e-10, max_iter=100_000)],
    ids=["classifier", "regressor", "regressor-cv"])
def test_sample_weight_equivalence_at_tight_tolerance(estimator):
    check_sample_weight_equivalence_on_dense_data(type(estimator).__name__, estimator)
