import numpy as np
import pytest
from sklearn.metrics.pairwise import laplacian_kernel, polynomial_kernel, rbf_kernel

from mtmk import KernelDictionary
from mtmk._kernels import median_gamma
from mtmk._validation import check_gram_stack
from mtmk.solvers import FactorStack, GramStack


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 3)), rng.normal(size=(7, 3))


def test_default_dictionary_names_and_shapes(data):
    X, X_new = data
    kd = KernelDictionary().fit(X)
    assert kd.n_kernels_ == 10
    assert kd.names_[7:] == ["linear", "polynomial(degree=2)", "polynomial(degree=3)"]
    assert all(name.startswith("rbf(gamma=") for name in kd.names_[:7])
    K = kd.gram()
    assert K.shape == (10, 40, 40)
    assert np.allclose(K, np.transpose(K, (0, 2, 1)))
    assert np.allclose(np.diagonal(K, axis1=1, axis2=2), 1.0)  # unit diagonal
    assert min(np.linalg.eigvalsh(Km)[0] for Km in K) > -1e-10
    assert kd.gram(X_new).shape == (10, 7, 40)


def test_rbf_grid_is_centred_on_the_median_heuristic(data):
    X, _ = data
    gammas = [s.gamma for s in KernelDictionary(rbf=5, polynomial=(), linear=False)
              .fit(X)._recipes]
    assert np.isclose(np.sqrt(gammas[0] * gammas[-1]), median_gamma(X))
    assert np.isclose(gammas[-1] / gammas[0], 100.0)
    d = ((X[:, None] - X[None]) ** 2).sum(-1)[np.triu_indices(40, 1)]
    assert np.isclose(median_gamma(X), 1 / np.sort(d)[len(d) // 2 - 1]) or \
        np.isclose(median_gamma(X), 1 / np.sort(d)[len(d) // 2])


def test_blocks_match_scikit_learn_kernels(data):
    X, X_new = data
    kd = KernelDictionary(rbf=[0.3], laplacian=[0.2], polynomial=(3,), linear=True,
                          normalize=None).fit(X)
    K = kd.gram(X_new)
    assert np.allclose(K[0], rbf_kernel(X_new, X, gamma=0.3))
    assert np.allclose(K[1], laplacian_kernel(X_new, X, gamma=0.2))
    assert np.allclose(K[2], X_new @ X.T)
    scale = 1 / np.mean((X**2).sum(1))
    assert np.allclose(K[3], polynomial_kernel(X_new, X, degree=3, gamma=scale, coef0=1))


def test_test_block_equals_slice_of_joint_gram(data):
    X, X_new = data
    kd = KernelDictionary(laplacian=2, normalize="diagonal").fit(X)
    joint = KernelDictionary(laplacian=2, normalize="diagonal")
    joint.fit(X)  # same data-driven parameters
    Z = np.vstack([X, X_new])
    full = joint.pairwise(Z, Z)
    assert np.allclose(kd.gram(X_new), full[:, 40:, :40])


def test_trace_normalisation(data):
    X, X_new = data
    kd = KernelDictionary(normalize="trace").fit(X)
    K = kd.gram()
    assert np.allclose(np.trace(K, axis1=1, axis2=2), 40)
    raw = KernelDictionary(normalize=None).fit(X)
    scale = np.trace(raw.gram(), axis1=1, axis2=2) / 40
    assert np.allclose(kd.gram(X_new), raw.gram(X_new) / scale[:, None, None])


def test_per_feature_and_group_kernels(data):
    X, _ = data
    kd = KernelDictionary(rbf=0, polynomial=(), linear=False, per_feature="rbf").fit(X)
    assert kd.names_ == ["rbf[x0]", "rbf[x1]", "rbf[x2]"]
    K = kd.gram()
    expected = rbf_kernel(X[:, [1]], gamma=kd._recipes[1].gamma)
    assert np.allclose(K[1], expected)
    groups = KernelDictionary(rbf=0, polynomial=(), linear=False, per_feature="linear",
                              feature_groups=[[0, 2], [1]], normalize=None).fit(X)
    assert groups.names_ == ["linear[x0,2]", "linear[x1]"]
    assert np.allclose(groups.gram()[0], X[:, [0, 2]] @ X[:, [0, 2]].T)
    with pytest.raises(ValueError, match="outside"):
        KernelDictionary(per_feature="linear", feature_groups=[[5]]).fit(X)


def test_named_feature_groups_join_the_default_dictionary(data):
    """Groups alone add one RBF kernel per group to the whole-feature kernels."""
    X, X_new = data
    default = KernelDictionary().fit(X)
    grouped = KernelDictionary(feature_groups={"first": [0], "rest": [1, 2]}).fit(X)
    assert grouped.names_ == default.names_ + ["rbf[first]", "rbf[rest]"]
    assert np.allclose(grouped.gram()[:default.n_kernels_], default.gram())
    rest = grouped._recipes[-1]
    assert rest.gamma == pytest.approx(median_gamma(X[:, [1, 2]]))
    assert np.allclose(grouped.gram(X_new)[-1],
                       rbf_kernel(X_new[:, [1, 2]], X[:, [1, 2]], gamma=rest.gamma))
    unnamed = KernelDictionary(feature_groups=[[0], [1, 2]]).fit(X)
    assert unnamed.names_[-2:] == ["rbf[x0]", "rbf[x1,2]"]
    linear = KernelDictionary(per_feature="linear", feature_groups=[[0], [1, 2]]).fit(X)
    assert linear.names_[-2:] == ["linear[x0]", "linear[x1,2]"]


def test_callable_kernels(data):
    X, X_new = data

    def cosine(A, B):
        return (A @ B.T) / np.outer(np.linalg.norm(A, axis=1), np.linalg.norm(B, axis=1))

    kd = KernelDictionary(rbf=0, polynomial=(), linear=False, callables=[cosine]).fit(X)
    assert kd.names_ == ["cosine"]
    assert np.allclose(kd.gram(X_new)[0], cosine(X_new, X))
    with pytest.raises(ValueError, match="not callable"):
        KernelDictionary(callables=[3]).fit(X)
    with pytest.raises(ValueError, match="returned shape"):
        KernelDictionary(callables=[lambda A, B: np.ones((2, 2))]).fit(X).gram()


def test_zero_row_under_linear_kernel_gets_a_zero_row(data):
    X, _ = data
    X = X.copy()
    X[3] = 0
    K = KernelDictionary(rbf=0, polynomial=(), linear=True).fit(X).gram()[0]
    assert np.all(K[3] == 0) and np.all(np.isfinite(K))


def test_memory_estimate_refuses_what_would_not_fit(data):
    X, _ = data
    kd = KernelDictionary(max_memory=20_000).fit(X)
    assert kd.memory_estimate(40) == 12 * 40 * 40 * 8
    with pytest.raises(ValueError, match=r"0.15 MiB.*n_components"):
        kd.gram()
    low = KernelDictionary(n_components=5, max_memory=20_000, random_state=0).fit(X)
    assert low.memory_estimate(40) == 12 * 40 * 5 * 8
    assert len(low.features()) == 10  # the full stack would not fit, the factors do


def test_sample_weight_acts_like_repetition(data):
    X, _ = data
    weights = np.r_[np.full(20, 2.0), np.zeros(20)]
    weighted = KernelDictionary(normalize="trace").fit(X, sample_weight=weights)
    repeated = KernelDictionary(normalize="trace").fit(np.vstack([X[:20], X[:20]]))
    assert weighted.names_ == repeated.names_
    assert np.allclose(weighted._trace_scale, repeated._trace_scale)


def test_nystroem_at_full_rank_reproduces_the_kernel(data):
    X, X_new = data
    exact = KernelDictionary().fit(X)
    low = KernelDictionary(n_components=40, random_state=0).fit(X)
    for Phi, Phi_new, K, K_new in zip(low.features(), low.features(X_new),
                                      exact.gram(), exact.gram(X_new)):
        assert np.allclose(Phi @ Phi.T, K, atol=1e-6)
        assert np.allclose(Phi_new @ Phi.T, K_new, atol=1e-6)
    assert isinstance(low.training_kernels(), FactorStack)
    assert isinstance(exact.training_kernels(), GramStack)
    with pytest.raises(ValueError, match="larger than the 40 training samples"):
        KernelDictionary(n_components=41).fit(X)


def test_factor_and_gram_stacks_agree(data):
    X, _ = data
    K = KernelDictionary().fit(X).gram()
    dense = GramStack(K)
    factors = FactorStack([dense.factor(m) for m in range(dense.n_kernels)])
    A = np.random.default_rng(1).normal(size=(40, 3))
    for m in range(dense.n_kernels):
        assert np.allclose(dense.dot(m, A), factors.dot(m, A), atol=1e-8)
        top = np.linalg.eigvalsh(K[m])[-1]
        assert top <= dense.top_eigenvalue(m) <= top * 1.01 + 1e-9
        assert top <= factors.top_eigenvalue(m) <= top * 1.01 + 1e-9


def test_bad_parameters_raise(data):
    X, _ = data
    with pytest.raises(ValueError, match="per_feature"):
        KernelDictionary(per_feature="gaussian").fit(X)
    with pytest.raises(ValueError, match="positive and finite"):
        KernelDictionary(rbf=[0.1, -1]).fit(X)
    with pytest.raises(ValueError, match="empty"):
        KernelDictionary(rbf=0, polynomial=(), linear=False).fit(X)
    with pytest.raises(ValueError, match="features"):
        KernelDictionary().fit(X).gram(np.ones((2, 5)))
    with pytest.raises(ValueError):
        KernelDictionary().fit(np.array([[np.nan, 1.0], [0.0, 1.0]]))


def test_check_gram_stack_rejects_non_psd_and_asymmetric():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(20, 20))
    psd = A @ A.T
    check_gram_stack(psd[None])
    with pytest.raises(ValueError, match="not positive semi-definite"):
        check_gram_stack((psd - 5 * np.eye(20) * np.abs(psd).max())[None])
    with pytest.raises(ValueError, match="not symmetric"):
        check_gram_stack(A[None])


def test_spectral_energy_rule_chooses_ranks(data):
    X, _ = data
    kd = KernelDictionary(rbf=[0.01, 5.0], polynomial=(), linear=False, n_components=30,
                          spectral_energy=0.99, random_state=0).fit(X)
    smooth, rough = kd.ranks_
    assert smooth < rough <= 30               # a wide RBF needs far fewer directions
    full = KernelDictionary(rbf=[0.01, 5.0], polynomial=(), linear=False, n_components=30,
                            random_state=0).fit(X)
    K = full.features()[0] @ full.features()[0].T
    Phi = kd.features()[0]
    assert np.trace(Phi @ Phi.T) >= 0.99 * np.trace(K) - 1e-9
