"""Extreme sample weights (1e-300, 1e300): a correct fit where the weights'
scale is invisible or only their product with C matters, a clear ValueError
where float64 cannot represent the problem.

The MKL estimators multiply C by the raw weights (as SVC does), so
``fit(C=1, sample_weight=t)`` must equal ``fit(C=t)`` wherever the kernel
weights do not depend on the weights' scale (ALIGNF, the average, SimpleMKL).
"""

import numpy as np
import pytest

from mtmk import (
    AlignfMKLClassifier,
    AverageMKLClassifier,
    EasyMKLClassifier,
    KernelDictionary,
    LpMKLClassifier,
    MTMKClassifier,
    SimpleMKLClassifier,
)
from mtmk.contrastive import median_gamma

rng = np.random.default_rng(0)
N = 40
X = rng.normal(size=(N, 3))
y = (X[:, 0] + 0.3 * rng.normal(size=N) > 0).astype(int)
KD = KernelDictionary(rbf=2, polynomial=(2,))
ONES = np.ones(N)
ODD = np.arange(N) % 2 == 1


def _close(a, b):
    np.testing.assert_allclose(a.kernel_weights_, b.kernel_weights_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(a.decision_function(X), b.decision_function(X),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("Estimator", [AlignfMKLClassifier, AverageMKLClassifier,
                                       SimpleMKLClassifier], ids=lambda e: e.__name__)
@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_only_c_times_the_weights_matters(Estimator, scale):
    weighted = Estimator(kernels=KD, C=1.0).fit(X, y, sample_weight=scale * ONES)
    _close(weighted, Estimator(kernels=KD, C=scale).fit(X, y))


@pytest.mark.parametrize("scale,lam", [(1e300, 0.0), (1e-300, 1.0)])
def test_easymkl_uniform_extreme_weights_are_the_limits_of_its_ridge(scale, lam):
    # EasyMKL's QP has the ridge lam gamma_i^2 / c_i: weights of 1e300 remove it
    # (lam = 0), weights of 1e-300 leave only it (lam = 1).  libsvm failed on
    # the latter ("dual coefficients or intercepts are not finite").
    weighted = EasyMKLClassifier(kernels=KD, C=1.0).fit(X, y, sample_weight=scale * ONES)
    _close(weighted, EasyMKLClassifier(kernels=KD, C=scale, lam=lam).fit(X, y))


def test_alignf_mixed_extreme_weights():
    # 1 and 1e300 (w_i w_j overflowed: LAPACK "Eigenvalues did not converge")
    # gives the fit of C=1e300 with weights 1e-300 and 1: same boxes C w_i,
    # same (scale-free) alignment weights.
    heavy = np.where(ODD, 1.0, 1e300)
    light = np.where(ODD, 1e-300, 1.0)
    _close(AlignfMKLClassifier(kernels=KD).fit(X, y, sample_weight=heavy),
           AlignfMKLClassifier(kernels=KD, C=1e300).fit(X, y, sample_weight=light))


@pytest.mark.parametrize("tiny", [1e-300, 1e-20])
def test_easymkl_refuses_weights_too_far_apart(tiny):
    w = np.where(ODD, tiny, 1.0)
    with pytest.raises(ValueError, match=rf"sample_weight spans {tiny:.3g} to 1: EasyMKL's QP "
                                         r"divides lam by each weight.*Narrow the range.*"
                                         r"set the negligible ones to 0"):
        EasyMKLClassifier(kernels=KD).fit(X, y, sample_weight=w)
    # The advice works: a weight of 0 removes the sample.
    dropped = EasyMKLClassifier(kernels=KD).fit(X, y, sample_weight=np.where(ODD, 0.0, 1.0))
    assert np.all(np.isfinite(dropped.decision_function(X)))


def test_easymkl_accepts_weights_within_float64_resolution():
    w = np.where(ODD, 1e-12, 1.0)
    clf = EasyMKLClassifier(kernels=KD).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(clf.kernel_weights_.sum(), 1.0)


@pytest.mark.parametrize("Estimator", [AverageMKLClassifier, EasyMKLClassifier,
                                       AlignfMKLClassifier, SimpleMKLClassifier],
                         ids=lambda e: e.__name__)
def test_c_times_weight_overflow_is_refused(Estimator):
    with pytest.raises(ValueError, match=r"C \* sample_weight overflows float64 \(C=10, "
                                         r"largest weight 1e\+308\).*Rescale the sample weights"):
        Estimator(kernels=KD, C=10.0).fit(X, y, sample_weight=1e308 * ONES)


def test_lpmkl_names_the_weights_when_the_box_is_too_large():
    with pytest.raises(ValueError, match=r"C=1 is too large for these kernels and sample "
                                         r"weights \(largest weight 1e\+300\).*"
                                         r"Lower C or the sample weights"):
        LpMKLClassifier(kernels=KD).fit(X, y, sample_weight=1e300 * ONES)


@pytest.mark.parametrize("scale", [1e300, 1.7e308, 1e-300])
def test_mtmk_weights_are_scale_free(scale):
    # Weights of 1e307 and more made the normalising sums overflow: zero weights.
    weighted = MTMKClassifier(kernels=KD).fit(X, y, sample_weight=scale * ONES)
    _close(weighted, MTMKClassifier(kernels=KD).fit(X, y))


def test_dictionary_statistics_are_scale_free():
    w = 1.0 + np.arange(N) % 3
    for scale in (1e300, 1e-300):
        assert (KernelDictionary().fit(X, sample_weight=scale * w).names_
                == KernelDictionary().fit(X, sample_weight=w).names_)
        assert median_gamma(X, scale * w) == pytest.approx(median_gamma(X, w), rel=1e-12)
