"""mtmk._sklearn_compat: every private scikit-learn name mtmk uses, and only there.

Each test checks a name for the job mtmk gives it (not only that it imports),
so that running this file under the oldest and the newest supported
scikit-learn shows whether the range in setup.cfg holds.
"""

import ast
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator

import mtmk
from mtmk import MTMKClassifier, MTMKClassifierCV, lam_group_grid
from mtmk._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    _safe_split,
    validate_params,
)

PACKAGE = Path(mtmk.__file__).resolve().parent


def _private_sklearn_imports(path):
    """``module.name`` of every import of a private scikit-learn module or name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "sklearn":
            private_module = any(part.startswith("_") for part in node.module.split("."))
            found += [f"{node.module}.{alias.name}" for alias in node.names
                      if private_module or alias.name.startswith("_")]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names
                      if alias.name.split(".")[0] == "sklearn"
                      and any(part.startswith("_") for part in alias.name.split("."))]
    return found


def test_private_scikit_learn_names_are_imported_in_one_module_only():
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        names = _private_sklearn_imports(path)
        if names and path.name != "_sklearn_compat.py":
            offenders[str(path.relative_to(PACKAGE))] = names
    assert not offenders, offenders
    # The compatibility module itself is found by the same scan (the scan works).
    assert _private_sklearn_imports(PACKAGE / "_sklearn_compat.py")


def test_supported_range_in_setup_cfg_contains_the_installed_release():
    setup = (PACKAGE.parent / "setup.cfg").read_text()
    line = next(s.strip() for s in setup.splitlines() if s.strip().startswith("scikit-learn"))
    low, high = (tuple(int(v) for v in bound.split(".")) for bound in
                 (line.split(">=")[1].split(",")[0], line.split("<")[1]))
    installed = tuple(int(v) for v in sklearn.__version__.split(".")[:2])
    assert low <= installed < high, (line, sklearn.__version__)


# ---------------------------------------------------- parameter constraints
class _Toy(BaseEstimator):
    """An estimator declaring constraints the way mtmk's estimators do."""

    _parameter_constraints = {
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "mode": [StrOptions({"fast", "exact"})],
        "loss": [StrOptions({"logistic"}), HasMethods(["value", "gradient"])],
    }

    def __init__(self, alpha=1.0, n_iter=10, mode="fast", loss="logistic"):
        self.alpha = alpha
        self.n_iter = n_iter
        self.mode = mode
        self.loss = loss

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        self.nested_validation_skipped_ = sklearn.get_config()["skip_parameter_validation"]
        return self


class _Loss:
    def value(self):
        return 0.0

    def gradient(self):
        return 0.0


@pytest.mark.parametrize("params,name", [
    (dict(alpha=0.0), "alpha"),            # closed="neither": 0 excluded
    (dict(alpha="1"), "alpha"),
    (dict(n_iter=2.5), "n_iter"),          # Integral: a float refused
    (dict(n_iter=0), "n_iter"),
    (dict(mode="slow"), "mode"),
    (dict(loss="hinge"), "loss"),
    (dict(loss=object()), "loss"),         # neither a known name nor the methods
])
def test_constraints_refuse_bad_parameters_at_fit(params, name):
    toy = _Toy(**params)                   # __init__ stores, never validates
    with pytest.raises(ValueError, match=rf"'{name}' parameter of _Toy must be"):
        toy.fit(None)


def test_constraints_accept_good_parameters_and_fit_context_skips_nested_checks():
    toy = _Toy(alpha=1e-3, n_iter=1, mode="exact", loss=_Loss()).fit(None)
    assert toy.nested_validation_skipped_ is True
    # Outside fit the global setting is back to validating.
    assert sklearn.get_config()["skip_parameter_validation"] is False


def test_mtmk_estimators_refuse_bad_parameters_through_the_constraints():
    X, Y = np.random.default_rng(0).normal(size=(12, 2)), np.tile([0, 1], 6)
    with pytest.raises(ValueError, match="'lam_group' parameter of MTMKClassifier"):
        MTMKClassifier(lam_group=-1.0).fit(X, Y)
    with pytest.raises(ValueError, match="'penalty' parameter of MTMKClassifier"):
        MTMKClassifier(penalty="elastic").fit(X, Y)


def test_validate_params_checks_public_functions():
    @validate_params({"eps": [Interval(Real, 0, 1, closed="neither")]},
                     prefer_skip_nested_validation=True)
    def halve(eps):
        return eps / 2

    assert halve(0.5) == 0.25
    with pytest.raises(ValueError, match=r"'eps' parameter of .*halve must be"):
        halve(1.0)
    # mtmk's own decorated function
    grid = lam_group_grid(2.0, n_lams=4, eps=0.01)
    assert len(grid) == 4 and np.isclose(max(grid), 2.0)
    with pytest.raises(ValueError, match="'lam_max' parameter of lam_group_grid"):
        lam_group_grid(-2.0)


# ---------------------------------------------------------- sample weights
def test_check_sample_weight_as_mtmk_calls_it():
    X = np.zeros((4, 3))
    ones = _check_sample_weight(None, X, ensure_non_negative=True)
    assert ones.dtype == np.float64 and np.array_equal(ones, np.ones(4))
    assert np.array_equal(_check_sample_weight(2.0, X), np.full(4, 2.0))
    ints = _check_sample_weight([1, 0, 2, 3], X, ensure_non_negative=True)
    assert ints.dtype == np.float64 and np.array_equal(ints, [1.0, 0.0, 2.0, 3.0])
    # Only the number of rows of X is read: mtmk passes an (n, 0) placeholder.
    assert _check_sample_weight([1, 2], np.empty((2, 0))).shape == (2,)
    with pytest.raises(ValueError, match="(?i)negative"):
        _check_sample_weight([1.0, -1.0, 1.0, 1.0], X, ensure_non_negative=True)
    with pytest.raises(ValueError, match=r"\(4,\)"):
        _check_sample_weight([1.0, 1.0], X)
    with pytest.raises(ValueError, match="1D"):
        _check_sample_weight(np.ones((4, 2)), X)


# ---------------------------------------------------------- fold splitting
def test_safe_split_takes_rows_of_features_and_blocks_of_gram_stacks():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 2)), np.arange(6)
    train, test = np.array([0, 2, 3, 5]), np.array([1, 4])
    Xs, ys = _safe_split(MTMKClassifierCV(), X, y, test, train)
    assert np.array_equal(Xs, X[test]) and np.array_equal(ys, y[test])
    # A precomputed estimator is pairwise: the fold takes rows and training
    # columns of the (n, n, M) stack, kernels kept.
    K = rng.normal(size=(6, 6, 3))
    precomputed = MTMKClassifierCV(kernels="precomputed")
    K_train, y_train = _safe_split(precomputed, K, y, train)
    K_test, _ = _safe_split(precomputed, K, y, test, train)
    assert K_train.shape == (4, 4, 3) and K_test.shape == (2, 4, 3)
    assert np.array_equal(K_test, K[np.ix_(test, train)])
    assert np.array_equal(y_train, y[train])
    with pytest.raises(ValueError, match="square"):
        _safe_split(precomputed, K[:, :5], y, train)
