"""Bad input to the kernel dictionary, the Gram-stack check and the memory guard.

Every case asserts the error type and that the message names the problem.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from scipy.spatial.distance import cdist

import mtmk._memory as memory_module
from mtmk import KernelDictionary
from mtmk._kernels import median_gamma
from mtmk._memory import available_memory
from mtmk._validation import check_gram_stack

X = np.random.default_rng(0).normal(size=(30, 3))


@pytest.mark.parametrize("params,match", [
    (dict(polynomial=(2.5,)), r"polynomial must hold integer degrees.*2\.5"),
    (dict(polynomial=("a",)), r"polynomial must hold integer degrees.*'a'"),
    (dict(polynomial=(0,)), r"polynomial must hold integer degrees >= 1"),
    (dict(per_feature="linear", feature_groups=[[0.7]]), r"feature_groups.*\[0\.7\]"),
    (dict(per_feature="linear", feature_groups=[[]]), r"feature_groups.*\[\]"),
    (dict(per_feature="rbf", feature_groups=[[0, 5]]), r"outside 0\.\.2"),
    (dict(feature_groups=[]), r"feature_groups is empty"),
    (dict(feature_groups={"a": [0], "b": []}), r"feature_groups.*\[\]"),
    (dict(spectral_energy=0.9), r"spectral_energy=0\.9.*n_components is None"),
    (dict(rbf=[-1.0]), r"gamma.*positive"),
    (dict(rbf=0, polynomial=(), linear=False), r"dictionary is empty"),
])
def test_dictionary_options(params, match):
    with pytest.raises(ValueError, match=match):
        KernelDictionary(**params).fit(X)


def test_features_without_n_components_names_the_cause():
    kd = KernelDictionary().fit(X)
    with pytest.raises(ValueError, match=r"n_components=None.*use gram\(\)"):
        kd.features()


@pytest.mark.parametrize("n_rows", [-5, 2.5, True])
def test_memory_estimate_needs_a_row_count(n_rows):
    with pytest.raises(ValueError, match=r"n_rows must be a non-negative integer"):
        KernelDictionary().fit(X).memory_estimate(n_rows)


def _asymmetric(A, B):
    # k(x, x) = |x|^2 >= 0, but k(x, z) != k(z, x)
    return A @ B.T + 0.3 * (A[:, :1] - B[:, :1].T)


def _indefinite(A, B):
    # symmetric, unit diagonal, but not positive semi-definite
    return 1.0 - 2.0 * cdist(A, B, "sqeuclidean")


@pytest.mark.parametrize("function,match", [(_asymmetric, "not symmetric"),
                                            (_indefinite, "not positive semi-definite")])
@pytest.mark.parametrize("normalize", ["diagonal", None])
def test_callable_kernels_are_checked_like_precomputed_ones(function, match, normalize):
    kd = KernelDictionary(rbf=0, polynomial=(), linear=False, callables=[function],
                          normalize=normalize)
    with pytest.raises(ValueError, match=rf"user kernel '{function.__name__}'.*{match}"):
        kd.fit(X)


def test_extreme_scales_are_refused_with_the_fix(extreme_scale):
    scale, match = extreme_scale
    with pytest.raises(ValueError, match=rf"{match}.*[Ss]cale the features"):
        KernelDictionary().fit(X * scale)
    with pytest.raises(ValueError, match=rf"X has .*{match}"):
        median_gamma(X * scale)
    kd = KernelDictionary().fit(X)
    with pytest.raises(ValueError, match=match):
        kd.gram(X * scale)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_inputs(bad):
    Z = X.copy()
    Z[3, 1] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        KernelDictionary().fit(Z)


# ------------------------------------------------------------ Gram stacks
def _stack(eigenvalues, seed=0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(len(eigenvalues), len(eigenvalues))))
    K = (Q * eigenvalues) @ Q.T
    return ((K + K.T) / 2)[None]


def test_gram_stack_refuses_eigenvalues_below_its_documented_threshold():
    # -5e-6 x top is below -1e-6 x top: refused, as the docstring promises
    with pytest.raises(ValueError, match="not positive semi-definite"):
        check_gram_stack(_stack([1.0, 0.5, 0.2, -5e-6]))
    # -5e-7 x top is within the documented rounding allowance
    check_gram_stack(_stack([1.0, 0.5, 0.2, -5e-7]))


@pytest.mark.parametrize("K,match", [
    (np.zeros((0, 4, 4)), r"no kernel .*n_kernels >= 1"),
    (np.zeros((2, 4, 4)), r"Every precomputed kernel .* is 0"),
    (1e300 * np.eye(4)[None], r"1e\+300.*overflow.*Rescale the kernels"),
    (1e-300 * np.eye(4)[None], r"underflow.*Rescale the kernels"),
    (np.ones((1, 4, 3)), r"square"),
])
def test_gram_stack_degenerate(K, match):
    with pytest.raises(ValueError, match=match):
        check_gram_stack(K)


# ------------------------------------------------------------ memory guard
def test_memory_guard_uses_the_smallest_limit(monkeypatch):
    monkeypatch.setattr(memory_module, "_meminfo_available", lambda: 64 * 2**30)
    monkeypatch.setattr(memory_module, "_cgroup_headroom", lambda: None)
    monkeypatch.setattr(memory_module, "_address_space_headroom", lambda: None)
    assert available_memory() == 64 * 2**30
    monkeypatch.setattr(memory_module, "_address_space_headroom", lambda: 3 * 2**20)
    assert available_memory() == 3 * 2**20
    monkeypatch.setattr(memory_module, "_cgroup_headroom", lambda: 2**20)
    assert available_memory() == 2**20
    # 30 x 30 x (10 + 2) doubles = 84 KiB fit in half of 1 MiB; 300 rows do not
    kd = KernelDictionary().fit(X)
    kd.gram()
    big = KernelDictionary().fit(np.random.default_rng(1).normal(size=(300, 3)))
    with pytest.raises(ValueError, match=r"more than the 0\.50 MiB allowed"):
        big.gram()


def test_address_space_limit_is_read(monkeypatch):
    import resource

    with open("/proc/self/status") as fh:
        used = [int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:")][0]
    limit = used + 200 * 2**20
    monkeypatch.setattr(resource, "getrlimit", lambda what: (limit, resource.RLIM_INFINITY)
                        if what == resource.RLIMIT_AS else (resource.RLIM_INFINITY,) * 2)
    headroom = memory_module._address_space_headroom()
    assert 150 * 2**20 < headroom <= 200 * 2**20
    assert available_memory() <= headroom


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_cgroup_limits_are_read(tmp_path, monkeypatch, version):
    limit, usage = tmp_path / "limit", tmp_path / "usage"
    monkeypatch.setattr(memory_module, "CGROUP_FILES", ((str(limit), str(usage)),))
    limit.write_text("max\n" if version == "v2" else "9223372036854771712\n")
    usage.write_text("1000\n")
    assert memory_module._cgroup_headroom() is None      # no limit set
    limit.write_text(f"{5 * 2**30}\n")
    usage.write_text(f"{2**30}\n")
    assert memory_module._cgroup_headroom() == 4 * 2**30
    monkeypatch.setattr(memory_module, "_meminfo_available", lambda: 64 * 2**30)
    assert available_memory() <= 4 * 2**30


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc (Linux)")
def test_exact_fit_under_a_real_address_space_limit_is_refused_not_killed():
    # Under RLIMIT_AS (ulimit -v) an exact fit whose kernels would need about
    # 2 GiB stops with the guard's ValueError before allocating anything.
    code = textwrap.dedent("""
        import resource, numpy as np
        with open("/proc/self/status") as fh:
            used = [int(l.split()[1]) * 1024 for l in fh if l.startswith("VmSize:")][0]
        resource.setrlimit(resource.RLIMIT_AS, (used + 1536 * 2**20, resource.RLIM_INFINITY))
        from mtmk import KernelDictionary
        X = np.random.default_rng(0).normal(size=(8000, 2))
        kd = KernelDictionary(rbf=2, polynomial=(), linear=False).fit(X)
        try:
            kd.gram()
        except ValueError as exc:
            print("refused:", exc)
        except MemoryError:
            print("MemoryError")
    """)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("refused:"), out.stdout + out.stderr[-2000:]
    assert "allowed (max_memory)" in out.stdout
