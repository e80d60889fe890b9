"""Input checks shared by the two-view estimators."""

import numpy as np
from sklearn.utils.validation import check_array, validate_data

from .._validation import check_scale


def validate_views(estimator, X, Z, reset=True, min_samples=2):
    """Validate a pair of views and check that their rows are paired.

    ``X`` goes through ``validate_data`` (so ``n_features_in_`` refers to it);
    ``Z`` through ``check_array``.  A 1-D ``Z`` is read as one column, like
    scikit-learn's ``PLSSVD``.
    """
    if Z is None:
        # Worded so that scikit-learn's common checks recognise a graceful failure.
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is "
            "None: pass the second view as Z, fit(X, Z).")
    X = validate_data(estimator, X, reset=reset, dtype=np.float64,
                      ensure_min_samples=min_samples)
    Z = check_array(Z, dtype=np.float64, ensure_2d=False, input_name="Z",
                    ensure_min_samples=min_samples)
    if Z.ndim == 1:
        Z = Z.reshape(-1, 1)
    check_scale(X, "X")
    check_scale(Z, "the second view")
    if X.shape[0] != Z.shape[0]:
        raise ValueError(
            f"X and Z must hold the same number of rows, one row per pair: X has "
            f"{X.shape[0]} rows and Z has {Z.shape[0]}. Row i of X must be paired "
            "with row i of Z (pass unpaired samples separately where supported).")
    if reset:
        estimator.n_features_z_in_ = Z.shape[1]
    elif Z.shape[1] != estimator.n_features_z_in_:
        raise ValueError(
            f"Z has {Z.shape[1]} features, but {type(estimator).__name__} was fitted "
            f"with {estimator.n_features_z_in_} features for Z.")
    return X, Z


def validate_z(estimator, Z, min_samples=1):
    """Validate the second view alone (after fitting)."""
    Z = check_array(Z, dtype=np.float64, ensure_2d=False, input_name="Z",
                    ensure_min_samples=min_samples)
    if Z.ndim == 1:
        Z = Z.reshape(-1, 1)
    check_scale(Z, "the second view")
    if Z.shape[1] != estimator.n_features_z_in_:
        raise ValueError(
            f"Z has {Z.shape[1]} features, but {type(estimator).__name__} was fitted "
            f"with {estimator.n_features_z_in_} features for Z.")
    return Z
