"""Input checks shared by the two-view estimators."""

import numpy as np
from sklearn.utils.validation import check_array, validate_data

from .._validation import check_scale


def validate_views(estimator, X, Y, reset=True, min_samples=2):
    """Validate a pair of views and check that their rows are paired.

    ``X`` goes through ``validate_data`` (so ``n_features_in_`` refers to it);
    ``Y`` through ``check_array``.  A 1-D ``Y`` is read as one column, like
    scikit-learn's ``PLSSVD``.
    """
    if Y is None:
        # Worded so that scikit-learn's common checks recognise a graceful failure.
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is "
            "None: pass the second view as Y, fit(X, Y).")
    X = validate_data(estimator, X, reset=reset, dtype=np.float64,
                      ensure_min_samples=min_samples)
    Y = check_array(Y, dtype=np.float64, ensure_2d=False, input_name="Y",
                    ensure_min_samples=min_samples)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    check_scale(X, "X")
    check_scale(Y, "Y")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"X and Y must hold the same number of rows, one row per pair: X has "
            f"{X.shape[0]} rows and Y has {Y.shape[0]}. Row i of X must be paired "
            "with row i of Y (pass unpaired samples separately where supported).")
    if reset:
        estimator.n_features_y_in_ = Y.shape[1]
    elif Y.shape[1] != estimator.n_features_y_in_:
        raise ValueError(
            f"Y has {Y.shape[1]} features, but {type(estimator).__name__} was fitted "
            f"with {estimator.n_features_y_in_} features for Y.")
    return X, Y


def validate_y(estimator, Y, min_samples=1):
    """Validate the second view alone (after fitting)."""
    Y = check_array(Y, dtype=np.float64, ensure_2d=False, input_name="Y",
                    ensure_min_samples=min_samples)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    check_scale(Y, "Y")
    if Y.shape[1] != estimator.n_features_y_in_:
        raise ValueError(
            f"Y has {Y.shape[1]} features, but {type(estimator).__name__} was fitted "
            f"with {estimator.n_features_y_in_} features for Y.")
    return Y
