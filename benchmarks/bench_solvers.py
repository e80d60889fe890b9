"""The fast block solver against the cvxpy reference on the same MTMK objective.

Synthetic data: x ~ N(0, I_10), T = 5 tasks whose logits mix a linear and a
non-linear function of a few covariates, the default dictionary of M = 10
kernels (7 RBF widths, linear, polynomial 2 and 3), lam_group = 0.01,
lam_ridge = 0.  Both solvers start from the same Gram stack: the fast solver
(tol 1e-6 on the KKT violation; median of 3 runs) and cvxpy with Clarabel
(factorisation and problem construction included; one run, it is slow) are
timed in the same run and their objectives compared.

Run from the repository root:  python benchmarks/bench_solvers.py [--cvxpy-max-n 400]
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_header, measure, print_table, write_csv  # noqa: E402

from mtmk import KernelDictionary  # noqa: E402
from mtmk._targets import encode_tasks  # noqa: E402
from mtmk.solvers import solve_bcd, solve_cvxpy  # noqa: E402

LAM_GROUP, LAM_RIDGE, TOL = 0.01, 0.0, 1e-6


def make_problem(n, n_tasks=5, n_features=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    W = rng.normal(size=(n_features, n_tasks))
    logits = X @ W / np.sqrt(n_features) + 2 * np.sin(X[:, [0]]) * rng.normal(size=n_tasks)
    Y = (logits + 0.3 * rng.logistic(size=logits.shape) > 0).astype(int)
    kernels = KernelDictionary().fit(X).training_kernels()
    tasks = encode_tasks(Y)
    return kernels, tasks.signs, tasks.weights


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 200, 400, 1000, 2000])
    parser.add_argument("--cvxpy-max-n", type=int, default=400,
                        help="largest n given to cvxpy (its time grows steeply)")
    args = parser.parse_args(argv)
    machine_header(__file__)
    rows = []
    for n in args.sizes:
        gram, S, W = make_problem(n)
        fast, fast_time, fast_mem = measure(
            lambda: solve_bcd(gram, S, W, LAM_GROUP, LAM_RIDGE, tol=TOL, max_iter=20_000))
        row = dict(n=n, T=S.shape[1], M=gram.n_kernels, fast_seconds=fast_time,
                   fast_sweeps=fast.n_iter, fast_objective=fast.objective,
                   fast_violation=fast.violation, fast_peak_mib=fast_mem,
                   cvxpy_seconds="", cvxpy_objective="", relative_difference="", speedup="")
        if n <= args.cvxpy_max_n:
            ref, ref_time, _ = measure(
                lambda: solve_cvxpy(gram, S, W, LAM_GROUP, LAM_RIDGE), repeats=1)
            row.update(cvxpy_seconds=ref_time, cvxpy_objective=ref.objective,
                       relative_difference=abs(fast.objective - ref.objective) / ref.objective,
                       speedup=ref_time / fast_time)
        rows.append(row)
        print_table([row], list(row))
        print(flush=True)
    print("target (issue 2): at n = 400 the fast solver >= 50x faster with the same objective")
    write_csv("bench_solvers.csv", rows)


if __name__ == "__main__":
    main()
