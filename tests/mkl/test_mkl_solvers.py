"""The MKL solvers against their cvxpy references and optimality conditions."""


import numpy as np
import pytest
from shared import small_kernels
from sklearn.exceptions import ConvergenceWarning

from mtmk.solvers._alignf import alignment_matrix, solve_alignf
from mtmk.solvers._easymkl import solve_easymkl
from mtmk.solvers._mkl_reference import alignf_cvxpy, easymkl_cvxpy, lp_mkl_cvxpy, simplemkl_cvxpy
from mtmk.solvers._simplemkl import quadratic_forms, solve_simplemkl
from mtmk.solvers._smo import DenseColumns, RBFColumns, lp_weights, solve_smo


def problem(seed, n=40):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    s = np.where(X[:, 0] + 0.5 * X[:, 1] ** 2 + 0.3 * rng.normal(size=n) > 0.5, 1.0, -1.0)
    K = small_kernels().fit(X).gram()
    c = rng.uniform(0.5, 2.0, size=n)
    return X, K, s, c


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("C", [0.5, 5.0])
def test_simplemkl_matches_cvxpy_and_optimality(seed, C):
    _, K, s, c = problem(seed)
    r = solve_simplemkl(K, s, c, C=C, tol=1e-7, svm_tol=1e-10, max_iter=3000)
    ref, d_ref = simplemkl_cvxpy(K, s, c, C=C)
    assert abs(r.objective - ref) <= 1e-5 * abs(ref)
    assert r.weights.min() >= 0 and np.isclose(r.weights.sum(), 1)
    # Optimality on the simplex: every kernel in use has the largest
    # alpha^T H_m alpha, the others no larger.
    u = quadratic_forms(K, r.beta)
    active = r.weights > 1e-6
    np.testing.assert_allclose(u[active], u.max(), rtol=1e-4)
    assert np.all(u <= u.max() * (1 + 1e-8))
    np.testing.assert_allclose(r.weights, d_ref, atol=1e-3)


@pytest.mark.parametrize("p", [1.25, 2.0, 4.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_smo_matches_cvxpy_primal_and_weight_formula(p, seed):
    _, K, s, c = problem(seed)
    r = solve_smo(DenseColumns(K), s, c, p=p, C=1.0, lam=0.7, tol=1e-8)
    ref, d_ref = lp_mkl_cvxpy(K, s, c, p=p, C=1.0, lam=0.7)
    assert abs(r.objective - ref) <= 1e-4 * abs(ref)
    # The derived weight formula, evaluated at the SMO alpha, is the primal d
    # of cvxpy.
    np.testing.assert_allclose(r.weights, d_ref, rtol=1e-4, atol=1e-6)
    # Optimality of d in the primal for fixed w: grad of lam/2 ||d||_p^2
    # equals 1/2 ||w_m||^2 / d_m^2 = 1/2 u_m.
    u = quadratic_forms(K, r.beta)
    norm = np.sum(r.weights**p) ** (1 / p)
    np.testing.assert_allclose(0.7 * norm ** (2 - p) * r.weights ** (p - 1), 0.5 * u, rtol=1e-5)
    # KKT of the SVM on the combined kernel: margins of free alphas equal 1.
    f = np.tensordot(r.weights, K, axes=1) @ r.beta + r.intercept
    alpha = s * r.beta
    free = (alpha > 1e-6) & (alpha < c - 1e-6)
    np.testing.assert_allclose(s[free] * f[free], 1.0, atol=1e-5)
    # y^T alpha = 0 is kept by the pairwise updates.
    assert abs(np.sum(r.beta)) < 1e-10


def test_smo_on_the_fly_rbf_columns_match_dense():
    X, _, s, c = problem(3, n=60)
    gammas = np.array([0.1, 0.5, 2.0])
    K = np.exp(-gammas[:, None, None] * ((X[:, None] - X[None]) ** 2).sum(-1)[None])
    a = solve_smo(DenseColumns(K), s, c, p=2.0, tol=1e-8)
    b = solve_smo(RBFColumns(X, gammas, cache_bytes=8 * 3 * 60 * 4), s, c, p=2.0, tol=1e-8)
    assert abs(a.objective - b.objective) <= 1e-9 * abs(a.objective)
    np.testing.assert_allclose(a.weights, b.weights, rtol=1e-6)


def test_smo_warns_when_stopped_early():
    _, K, s, c = problem(0)
    with pytest.warns(ConvergenceWarning, match="KKT violation of"):
        solve_smo(DenseColumns(K), s, c, p=2.0, tol=1e-10, max_iter=5)
    with pytest.raises(ValueError, match="p > 1"):
        solve_smo(DenseColumns(K), s, c, p=1.0)


def test_lp_weights_large_q_is_finite():
    u = np.array([1e-200, 1e-3, 2.0])
    d = lp_weights(u, p=1.01, lam=1.0)
    assert np.all(np.isfinite(d)) and d[-1] > 0


@pytest.mark.parametrize("lam", [0.1, 0.5])
@pytest.mark.parametrize("seed", [0, 2])
def test_easymkl_matches_cvxpy(lam, seed):
    _, K, s, c = problem(seed)
    c[:3] = 0.0  # removed samples
    gamma, weights, objective, gap = solve_easymkl(K, s, c, lam=lam, tol=1e-9)
    ref, gamma_ref = easymkl_cvxpy(K.sum(axis=0), s, c, lam=lam)
    assert abs(objective - ref) <= 1e-5 * abs(ref)
    assert gap <= 1e-9 and np.all(gamma[:3] == 0)
    assert weights.min() >= 0 and np.isclose(weights.sum(), 1)


def test_easymkl_fista_polish_matches_cvxpy():
    _, K, s, c = problem(4)
    # svm_tol far above tol forces the projected-gradient polish.
    gamma, weights, objective, gap = solve_easymkl(K, s, c, lam=0.3, tol=1e-8, svm_tol=1e-1)
    ref, _ = easymkl_cvxpy(K.sum(axis=0), s, c, lam=0.3)
    assert abs(objective - ref) <= 1e-5 * abs(ref) and gap <= 1e-8


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_alignf_matches_cvxpy_and_is_nonnegative(seed):
    _, K, s, c = problem(seed)
    A = alignment_matrix(K, c)
    v, objective = solve_alignf(K, s, c, A)
    z = c * s
    zc = z - (c / c.sum()) * z.sum()
    a = np.einsum("i,mij,j->m", zc, K, zc)
    ref, v_ref = alignf_cvxpy(A, a)
    assert abs(objective - ref) <= 1e-5 * abs(ref)
    assert np.all(v >= 0)
    np.testing.assert_allclose(v, v_ref, atol=1e-4 * max(1.0, v_ref.max()))
    # The weighted alignment matrix equals the explicit weighted centring.
    p = c / c.sum()
    H = np.eye(len(c)) - np.outer(np.ones(len(c)), p)
    Kc = np.array([H @ k @ H.T for k in K])
    explicit = np.einsum("aij,bij,i,j->ab", Kc, Kc, c, c)
    np.testing.assert_allclose(A, explicit, rtol=1e-9, atol=1e-9 * np.abs(explicit).max())


@pytest.mark.parametrize("first", [1.0, -1.0])
def test_svm_dual_matches_svc(first):
    """svm_dual returns SVC's solution with +1 positive (signs, support, intercept)."""
    from sklearn.svm import SVC

    from mtmk.solvers._svm import svm_dual
    _, K, s, c = problem(5, n=50)
    s = s.copy()
    s[0] = first
    c[4] = 0.0
    Kc = K.sum(axis=0)
    sol = svm_dual(Kc, s, c, C=2.0, tol=1e-8)
    keep = c > 0
    svc = SVC(C=2.0, kernel="precomputed", tol=1e-8).fit(Kc[np.ix_(keep, keep)], s[keep],
                                                         sample_weight=c[keep])
    np.testing.assert_allclose(sol.beta[keep] @ Kc[np.ix_(keep, keep)] + sol.intercept,
                               svc.decision_function(Kc[np.ix_(keep, keep)]), atol=1e-8)
    assert sol.beta[4] == 0.0


def test_no_private_scikit_learn_module():
    """mtmk imports only scikit-learn's public modules (plus _param_validation's
    constraint classes, which scikit-learn documents for estimator authors)."""
    import re
    from pathlib import Path

    import mtmk
    pattern = re.compile(r"sklearn(\.\w+)*\._(?!_|param_validation)\w+")
    offenders = [f"{path.name}: {m.group(0)}" for path in Path(mtmk.__file__).parent.rglob("*.py")
                 for m in pattern.finditer(path.read_text())]
    assert not offenders, offenders
