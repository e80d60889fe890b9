"""SMO for p-norm MKL: against cvxpy, and how its time grows with M and n.

1. n = 1000, M = 10 (default KernelDictionary on a standardised subsample of
   digits, one-vs-rest task "digit 3"), p = 2: SMO (tol 1e-6) vs the cvxpy
   primal (Clarabel); objective relative difference (target 1e-4) and speed
   ratio (target 20x).
2. Growth: RBF kernels computed column by column (RBFColumns, memory O(M n)),
   M in {10, 100, 1000} at n = 2000 and n in {2000, 5000, 20000} at M = 10
   on synthetic data.  Each run is capped by max_iter (reported; a capped run
   emits ConvergenceWarning and its KKT violation is printed).

Run:  python benchmarks/bench_smo.py [--quick]
"""

import csv
import os
import platform
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from mtmk.kernels import KernelDictionary
from mtmk.solvers.mkl_reference import lp_mkl_cvxpy
from mtmk.solvers.smo import DenseColumns, RBFColumns, solve_smo


def versus_cvxpy(n=1000):
    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(0)
    rows = rng.choice(len(y), n, replace=False)
    X = StandardScaler().fit_transform(X[rows])
    s = np.where(y[rows] == 3, 1.0, -1.0)
    K = KernelDictionary().fit(X).gram()
    c = np.ones(n)
    start = time.perf_counter()
    r = solve_smo(DenseColumns(K), s, c, p=2.0, C=1.0, lam=1.0, tol=1e-6)
    t_smo = time.perf_counter() - start
    start = time.perf_counter()
    ref, d_ref = lp_mkl_cvxpy(K, s, c, p=2.0, C=1.0, lam=1.0)
    t_cvx = time.perf_counter() - start
    rel = abs(r.objective - ref) / abs(ref)
    print(f"n={n} M={K.shape[0]}: SMO {t_smo:.3f}s ({r.n_iter} steps, objective {r.objective:.8f}); "
          f"cvxpy {t_cvx:.2f}s (objective {ref:.8f}); relative difference {rel:.2e} "
          f"(target 1e-4: {'met' if rel <= 1e-4 else 'NOT met'}); speed-up x{t_cvx / t_smo:.1f} "
          f"(target 20: {'met' if t_cvx / t_smo >= 20 else 'NOT met'}); "
          f"max |d - d_cvxpy| {np.abs(r.weights - d_ref).max():.2e}")
    return dict(case="vs_cvxpy", n=n, M=K.shape[0], smo_s=t_smo, cvxpy_s=t_cvx, steps=r.n_iter,
                rel_objective_diff=rel, violation=r.gap)


def growth(n, M, max_iter, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 10))
    s = np.where(X[:, 0] * X[:, 1] + 0.5 * X[:, 2] + 0.3 * rng.normal(size=n) > 0, 1.0, -1.0)
    gammas = np.geomspace(1e-3, 1.0, M) / 10
    columns = RBFColumns(X, gammas)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = solve_smo(columns, s, np.ones(n), p=2.0, C=1.0, lam=1.0, tol=1e-3, max_iter=max_iter)
    elapsed = time.perf_counter() - start
    print(f"n={n:6d} M={M:5d}: {elapsed:8.2f}s  {r.n_iter:7d} steps  "
          f"{1e3 * elapsed / r.n_iter:.3f} ms/step  KKT violation {r.gap:.2e}  "
          f"{'converged' if r.converged else 'capped at max_iter'}", flush=True)
    return dict(case="growth", n=n, M=M, smo_s=elapsed, cvxpy_s="", steps=r.n_iter,
                rel_objective_diff="", violation=r.gap)


def main():
    quick = "--quick" in sys.argv
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, numpy {np.__version__}")
    rows = [versus_cvxpy(300 if quick else 1000)]
    cap = 20000 if quick else 60000
    for M in (10, 100, 1000):
        rows.append(growth(2000, M, cap))
    for n in (5000, 20000):
        rows.append(growth(n, 10, cap))
    with open("benchmarks/results/bench_smo.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
