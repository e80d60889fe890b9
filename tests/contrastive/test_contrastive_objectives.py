"""Analytic gradients of the contrastive objectives against finite differences."""

import numpy as np
import pytest

from mtmk.contrastive import (
    clip_regularized_loss,
    cloob_loss,
    contrastive_weights,
    hopfield_retrieval,
    info_loob_loss,
    info_nce_loss,
    normalize_rows,
)
from mtmk.contrastive._aligner import head_loss_and_gradients
from mtmk.contrastive._objectives import (
    _hopfield_backward,
    _hopfield_forward,
    normalize_rows_backward,
)


def _numeric_gradient(f, A, eps=1e-6):
    G = np.zeros_like(A)
    for idx in np.ndindex(A.shape):
        old = A[idx]
        A[idx] = old + eps
        up = f()
        A[idx] = old - eps
        down = f()
        A[idx] = old
        G[idx] = (up - down) / (2 * eps)
    return G


def _pair(n=7, k=4, seed=0, unit=True):
    rng = np.random.default_rng(seed)
    U, V = rng.normal(size=(n, k)), rng.normal(size=(n, k))
    if unit:
        U, V = normalize_rows(U)[0], normalize_rows(V)[0]
    return U, V


OBJECTIVES = {
    "info_nce": lambda U, V: info_nce_loss(U, V, tau=0.3),
    "clip_reg": lambda U, V: clip_regularized_loss(U, V, tau=0.3, reg=0.7),
    "info_loob": lambda U, V: info_loob_loss(U, V, tau=0.3),
    "cloob": lambda U, V: cloob_loss(U, V, tau=0.3, beta=2.5),
}


@pytest.mark.parametrize("name", sorted(OBJECTIVES))
@pytest.mark.parametrize("unit", [True, False])
def test_objective_gradients_match_finite_differences(name, unit):
    objective = OBJECTIVES[name]
    U, V = _pair(unit=unit, seed=1)
    _, dU, dV = objective(U, V)
    num_U = _numeric_gradient(lambda: objective(U, V)[0], U)
    num_V = _numeric_gradient(lambda: objective(U, V)[0], V)
    np.testing.assert_allclose(dU, num_U, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(dV, num_V, rtol=1e-5, atol=1e-7)
    assert np.abs(dU).max() > 1e-3  # the check is not vacuous


def test_normalisation_backward():
    rng = np.random.default_rng(2)
    E, G = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    def f():
        return float(np.sum(G * normalize_rows(E)[0]))
    U, norms = normalize_rows(E)
    np.testing.assert_allclose(normalize_rows_backward(G, U, norms),
                               _numeric_gradient(f, E), rtol=1e-6, atol=1e-8)


def test_hopfield_backward():
    rng = np.random.default_rng(3)
    Q, M, G = rng.normal(size=(4, 3)), rng.normal(size=(6, 3)), rng.normal(size=(4, 3))
    def f():
        return float(np.sum(G * _hopfield_forward(Q, M, 1.7)[0]))
    _, P = _hopfield_forward(Q, M, 1.7)
    dQ, dM = _hopfield_backward(G, P, Q, M, 1.7)
    np.testing.assert_allclose(dQ, _numeric_gradient(f, Q), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dM, _numeric_gradient(f, M), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("loss", ["clip", "clip_reg", "infoloob", "cloob"])
def test_head_gradients_match_finite_differences(loss):
    rng = np.random.default_rng(4)
    Phi, Psi = rng.normal(size=(6, 5)), rng.normal(size=(6, 4))
    Wx, Wy = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    def f():
        return head_loss_and_gradients(Phi, Psi, Wx, Wy, loss, 0.5, 0.3, 3.0)[0]
    _, gx, gy = head_loss_and_gradients(Phi, Psi, Wx, Wy, loss, 0.5, 0.3, 3.0)
    np.testing.assert_allclose(gx, _numeric_gradient(f, Wx), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(gy, _numeric_gradient(f, Wy), rtol=1e-5, atol=1e-7)


def test_infoloob_never_counts_the_positive():
    U, V = _pair(n=6, k=3, seed=5)
    tau = 0.4
    base, dU, dV = info_loob_loss(U, V, tau)
    # Brute force: the denominator sums over j != i only.
    S = U @ V.T / tau
    n = len(S)
    rows = [-(S[i, i] - np.log(sum(np.exp(S[i, j]) for j in range(n) if j != i)))
            for i in range(n)]
    cols = [-(S[i, i] - np.log(sum(np.exp(S[j, i]) for j in range(n) if j != i)))
            for i in range(n)]
    assert base == pytest.approx(np.mean(rows) + np.mean(cols), rel=1e-12)
    # Moving a positive pair changes the loss only through the numerator
    # S_ii, so d loss / d S_ii = -2/n exactly (InfoNCE would give a smaller
    # magnitude because the positive also sits in its denominators).
    eps = 1e-6
    S_up = S.copy()
    S_up[2, 2] += eps
    masked = S_up.copy()
    np.fill_diagonal(masked, -np.inf)
    from scipy.special import logsumexp
    value = (np.mean(logsumexp(masked, 1) - np.diag(S_up))
             + np.mean(logsumexp(masked, 0) - np.diag(S_up)))
    assert (value - base) / eps == pytest.approx(-2.0 / n, rel=1e-5)
    # And the InfoLOOB value can go below zero, InfoNCE's cannot.
    assert info_loob_loss(np.eye(4), np.eye(4), 0.05)[0] < 0
    assert info_nce_loss(np.eye(4), np.eye(4), 0.05)[0] > 0


def test_hopfield_large_beta_returns_nearest_pattern():
    rng = np.random.default_rng(6)
    M = normalize_rows(rng.normal(size=(20, 5)))[0]
    Q = normalize_rows(M[[3, 7, 11]] + 0.3 * rng.normal(size=(3, 5)))[0]
    nearest = np.argmin(((Q[:, None, :] - M[None]) ** 2).sum(-1), axis=1)
    out = hopfield_retrieval(Q, M, beta=1e4, normalize=False)
    np.testing.assert_allclose(out, M[nearest], atol=1e-8)
    # Small beta averages the memory instead.
    smooth = hopfield_retrieval(Q, M, beta=1e-6, normalize=False)
    np.testing.assert_allclose(smooth, np.tile(M.mean(0), (3, 1)), atol=1e-5)
    with pytest.raises(ValueError, match="beta"):
        hopfield_retrieval(Q, M, beta=0)


def test_clip_weights_are_minus_the_loss_gradient():
    U, V = _pair(n=8, k=3, seed=7, unit=False)
    tau = 0.6
    _, dU, dV = info_nce_loss(U, V, tau)
    W = contrastive_weights(U @ V.T, "clip", tau)
    # d loss / dU = (d loss / dS) V, and W = -tau d loss / dS.
    np.testing.assert_allclose(-W @ V / tau, dU, atol=1e-12)
    np.testing.assert_allclose(-W.T @ U / tau, dV, atol=1e-12)


def test_objectives_reject_bad_batches():
    with pytest.raises(ValueError, match="same shape"):
        info_nce_loss(np.ones((3, 2)), np.ones((4, 2)), 1.0)
    with pytest.raises(ValueError, match="at least 2"):
        info_loob_loss(np.ones((1, 2)), np.ones((1, 2)), 1.0)
