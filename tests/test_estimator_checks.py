"""scikit-learn's own estimator checks, run on MTMKClassifier."""

from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    parametrize_with_checks,
)

from mtmk import MTMKClassifier

# The check compares predict_proba of a weighted fit and of a fit on repeated
# samples to rtol=1e-7.  Both fits stop at the default tol=1e-4 of the KKT
# violation, which leaves differences around 1e-3, so the check cannot pass at
# the default tolerance; the weighting itself is exact, and
# test_sample_weight_equivalence_at_tight_tolerance runs the same check with a
# tolerance fine enough to show it (1e-12; 1e-10 leaves 1.5e-7).
EXPECTED_FAILED = {
    "check_sample_weight_equivalence_on_dense_data":
        "needs 1e-7 agreement; run with tol=1e-12 in a dedicated test",
}


@parametrize_with_checks([MTMKClassifier()],
                         expected_failed_checks=lambda est: EXPECTED_FAILED)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_sample_weight_equivalence_at_tight_tolerance():
    check_sample_weight_equivalence_on_dense_data(
        "MTMKClassifier", MTMKClassifier(tol=1e-12, max_iter=100_000))
