"""SMO for p-norm MKL: against cvxpy, and how its time grows with M and n.

1. n = 1000, M = 10 (default KernelDictionary on a standardised subsample of
   digits, one-vs-rest task "digit 3"), p = 2: SMO (tol 1e-6) vs the cvxpy
   primal (Clarabel); objective relative difference and speed ratio.
2. Growth: RBF kernels computed column by column (RBFColumns, memory O(M n)),
   M in {10, 100, 1000} at n = 2000 and n in {2000, 5000, 20000} at M = 10
   on synthetic data, tol 1e-3.  To bound the run time on a shared 2-core
   machine the large runs are capped by max_iter (printed with the KKT
   violation reached; "capped" rows did not converge): the time per step is
   the figure that grows with M and n, the number of steps is data dependent.

Rows are written to benchmarks/results/bench_smo.csv as they are measured.

Run (from the repository root):
    python -m benchmarks.bench_smo [--quick]
        [--cvxpy-only | --growth-only]   (part 1 only | part 2 only, to
                                          bench_smo_growth.csv)
"""

import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from benchmarks._harness import ResultsCsv, argument_parser, machine_header, timer
from mtmk import KernelDictionary
from mtmk.solvers._mkl_reference import lp_mkl_cvxpy
from mtmk.solvers._smo import DenseColumns, RBFColumns, solve_smo


def versus_cvxpy(n=1000):
    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(0)
    rows = rng.choice(len(y), n, replace=False)
    X = StandardScaler().fit_transform(X[rows])
    s = np.where(y[rows] == 3, 1.0, -1.0)
    K = KernelDictionary().fit(X).gram()
    c = np.ones(n)
    times = []
    for _ in range(3):  # median of 3 (cheap); cvxpy once (minutes)
        with timer() as watch:
            r = solve_smo(DenseColumns(K), s, c, p=2.0, C=1.0, lam=1.0, tol=1e-6)
        times.append(watch.seconds)
    t_smo = float(np.median(times))
    with timer() as watch:
        ref, d_ref = lp_mkl_cvxpy(K, s, c, p=2.0, C=1.0, lam=1.0)
    t_cvx = watch.seconds
    rel = abs(r.objective - ref) / abs(ref)
    print(f"n={n} M={K.shape[0]}: SMO {t_smo:.3f}s ({r.n_iter} steps, "
          f"objective {r.objective:.8f}); "
          f"cvxpy {t_cvx:.2f}s (objective {ref:.8f}); relative difference {rel:.2e}; "
          f"speed-up x{t_cvx / t_smo:.1f}; "
          f"max |d - d_cvxpy| {np.abs(r.weights - d_ref).max():.2e}")
    return dict(case="vs_cvxpy", n=n, M=K.shape[0], smo_s=round(t_smo, 4),
                cvxpy_s=round(t_cvx, 3), steps=r.n_iter,
                ms_per_step=round(1e3 * t_smo / r.n_iter, 4), rel_objective_diff=f"{rel:.3e}",
                violation=f"{r.violation:.3e}", converged=r.converged)


def growth(n, M, max_iter, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 10))
    s = np.where(X[:, 0] * X[:, 1] + 0.5 * X[:, 2] + 0.3 * rng.normal(size=n) > 0, 1.0, -1.0)
    gammas = np.geomspace(1e-3, 1.0, M) / 10
    columns = RBFColumns(X, gammas)
    with timer() as watch, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = solve_smo(columns, s, np.ones(n), p=2.0, C=1.0, lam=1.0, tol=1e-3, max_iter=max_iter)
    elapsed = watch.seconds
    print(f"n={n:6d} M={M:5d}: {elapsed:8.2f}s  {r.n_iter:7d} steps  "
          f"{1e3 * elapsed / r.n_iter:.3f} ms/step  KKT violation {r.violation:.2e}  "
          f"{'converged' if r.converged else 'capped at max_iter'}", flush=True)
    return dict(case="growth", n=n, M=M, smo_s=round(elapsed, 3), cvxpy_s="", steps=r.n_iter,
                ms_per_step=round(1e3 * elapsed / r.n_iter, 4), rel_objective_diff="",
                violation=f"{r.violation:.3e}", converged=r.converged)


def main(argv=None):
    parser = argument_parser(__spec__.name, __doc__, resume=True)
    parser.add_argument("--quick", action="store_true", help="smaller sizes and step caps")
    parts = parser.add_mutually_exclusive_group()
    parts.add_argument("--cvxpy-only", action="store_true", help="part 1 only")
    parts.add_argument("--growth-only", action="store_true",
                       help="part 2 only, to bench_smo_growth.csv")
    args = parser.parse_args(argv)
    machine_header(__spec__.name, argv)
    name = "bench_smo_growth.csv" if args.growth_only else "bench_smo.csv"
    results = ResultsCsv(args.out / name, key=("case", "n", "M"), resume=args.resume)
    n_cvxpy = 300 if args.quick else 1000
    if not args.growth_only and not results.done({"case": "vs_cvxpy", "n": n_cvxpy, "M": 10}):
        results.add(versus_cvxpy(n_cvxpy))
    if args.cvxpy_only:
        return
    # (n, M, step cap): bounded run time; the cap is printed with the result.
    runs = ([(2000, 10, 20000), (2000, 100, 3000), (5000, 10, 5000)] if args.quick else
            [(2000, 10, 60000), (2000, 100, 10000), (2000, 1000, 1000),
             (5000, 10, 30000), (20000, 10, 8000)])
    for n, M, cap in runs:
        if not results.done({"case": "growth", "n": n, "M": M}):
            results.add(growth(n, M, cap))


if __name__ == "__main__":
    main()
