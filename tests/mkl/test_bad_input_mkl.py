"""Bad input to the MKL family (Average, Easy, ALIGNF, SimpleMKL, Lp-MKL).

Every case asserts the error type (or warning) and that the message names the
problem.  Public scikit-learn API only.
"""

import re
import time
import warnings

import numpy as np
import pytest
from shared import two_class_problem

from mtmk import (
    AlignfMKLClassifier,
    AverageMKLClassifier,
    EasyMKLClassifier,
    LpMKLClassifier,
    SimpleMKLClassifier,
)

X, y, _, KD, STACK = two_class_problem()

ESTIMATORS = [AverageMKLClassifier, EasyMKLClassifier, AlignfMKLClassifier,
              SimpleMKLClassifier, LpMKLClassifier]
IDS = [e.__name__ for e in ESTIMATORS]


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=IDS)
def test_extreme_feature_scales(Estimator, extreme_scale):
    scale, match = extreme_scale
    with pytest.raises(ValueError, match=rf"X has .*{match}.*[Ss]cale the features"):
        Estimator(kernels=KD).fit(X * scale, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=IDS)
def test_degenerate_precomputed_stacks(Estimator, degenerate_stack):
    stack, match = degenerate_stack
    start = time.perf_counter()
    with pytest.raises(ValueError, match=match):
        Estimator(kernels="precomputed").fit(stack, y)
    assert time.perf_counter() - start < 60        # refused up front, not after a solve


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=IDS)
def test_non_finite_inputs(Estimator):
    Z = X.copy()
    Z[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        Estimator(kernels=KD).fit(Z, y)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=IDS)
def test_object_labels(Estimator):
    # numbers stored as objects are read as numbers, like strings are read as strings
    numbers = Estimator(kernels=KD).fit(X, y.astype(object))
    assert set(numbers.classes_) == {0, 1}
    strings = Estimator(kernels=KD).fit(X, np.where(y == 1, "yes", "no").astype(object))
    assert list(strings.classes_) == ["no", "yes"]
    mixed = np.array(["yes" if v else 0 for v in y], dtype=object)
    with pytest.raises(ValueError, match=r"mixed types .*int.*str"):
        Estimator(kernels=KD).fit(X, mixed)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize("param,value", [("C", 0.0), ("C", -1.0), ("kernels", "rbf"),
                                         ("n_jobs", 1.5)])
def test_parameter_constraints(Estimator, param, value):
    with pytest.raises(ValueError, match=rf"'{param}' parameter of {Estimator.__name__}"):
        Estimator(**{param: value}).fit(X, y)


def test_one_class_target():
    with pytest.raises(ValueError, match="only one class"):
        AverageMKLClassifier(kernels=KD).fit(X, np.zeros(40, dtype=int))


def test_alignf_warns_when_it_falls_back_to_uniform_weights():
    # Constant kernels: no centred alignment with any label vector.
    ones = np.ones_like(STACK)
    with pytest.warns(UserWarning, match=r"ALIGNF.*uniform weights"):
        clf = AlignfMKLClassifier(kernels="precomputed").fit(ones, y)
    np.testing.assert_allclose(clf.kernel_weights_, 1.0 / STACK.shape[2])


@pytest.mark.parametrize("params", [dict(tol=1e-6), dict(max_iter=50)])
def test_lp_mkl_p1_refuses_smo_settings_it_cannot_honour(params):
    with pytest.raises(ValueError, match=r"p=1 .*SimpleMKL.*SimpleMKLClassifier"):
        LpMKLClassifier(p=1, kernels=KD, **params).fit(X, y)


def test_lp_mkl_p1_is_simplemkl_at_its_defaults():
    lp = LpMKLClassifier(p=1, kernels=KD).fit(X, y)
    simple = SimpleMKLClassifier(kernels=KD).fit(X, y)
    np.testing.assert_allclose(lp.kernel_weights_, simple.kernel_weights_, atol=1e-12)


@pytest.mark.parametrize("C", [1e300, 1e150])
def test_lp_mkl_smo_stops_at_once_on_overflowing_problems(C):
    start = time.perf_counter()
    with pytest.raises(ValueError, match=re.escape(f"C={C:g} is too large")):
        LpMKLClassifier(C=C, kernels=KD).fit(X, y)
    assert time.perf_counter() - start < 60        # not 100,000 steps


def test_p_infinite_and_smo_at_p1():
    with pytest.raises(ValueError, match="'p' parameter of LpMKLClassifier"):
        LpMKLClassifier(p=np.inf, kernels=KD).fit(X, y)
    with pytest.raises(ValueError, match="solver='smo' needs p > 1"):
        LpMKLClassifier(p=1, solver="smo", kernels=KD).fit(X, y)


@pytest.mark.parametrize("Estimator", [SimpleMKLClassifier, LpMKLClassifier], ids=str)
def test_unconverged_fits_report_their_certificate(Estimator):
    from sklearn.exceptions import ConvergenceWarning
    params = dict(max_iter=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Estimator(kernels=KD, tol=1e-12, **params).fit(X, y) if Estimator is SimpleMKLClassifier \
            else Estimator(kernels=KD, p=2, tol=1e-12, **params).fit(X, y)
    messages = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert messages and all(("gap" in m or "violation" in m) and "tol=" in m for m in messages)
