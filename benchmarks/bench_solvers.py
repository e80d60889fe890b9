"""The native block solver against the cvxpy reference, for every datafit.

Synthetic data: x ~ N(0, I_10), T = 5 tasks whose logits (classification) or
values (regression) mix a linear and a smooth non-linear function of the
covariates, the default dictionary of M = 10 kernels (7 RBF widths, linear,
polynomial 2 and 3), lam_group = 0.01, lam_ridge = 0.  Problems:

- logistic loss, group penalty (kernels shared by the tasks);
- logistic loss, task-wise group penalty (each task its own kernels);
- squared hinge loss, group penalty;
- quadratic loss, group penalty; targets y_t = linear + sin(x_0) w_t +
  0.5 cos(x_1 x_2) + 0.3 noise, centred by the intercept.

Both solvers start from the same Gram stack: the native solver (solve_bcd,
tol 1e-6 on the scale-free certificate: the largest KKT violation over
blocks relative to the penalty level; median of 3 runs up to n = 400, one run
above; larger sizes of a problem are skipped once a fit took over --budget
seconds) and cvxpy with
Clarabel (factorisation and problem construction included; one run, it is
slow, only up to --cvxpy-max-n, default 200) are timed in the same run; their objectives
are compared (relative difference) and the cvxpy solution is certified with
the same certificate.  One BLAS thread, on a shared 2-core machine (other jobs
running): times carry a few tens of percent of noise.

Run from the repository root:  python benchmarks/bench_solvers.py [--sizes ...] [--cvxpy-max-n 200]
"""

import argparse
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import limit_threads  # noqa: E402

limit_threads()

import numpy as np  # noqa: E402
from _common import machine_header, measure, print_table, write_csv  # noqa: E402

from mtmk import KernelDictionary  # noqa: E402
from mtmk._targets import encode_outputs, encode_tasks  # noqa: E402
from mtmk.solvers import (  # noqa: E402
    GroupPenalty,
    Logistic,
    Quadratic,
    SquaredHinge,
    TaskGroupPenalty,
    solve_bcd,
    solve_cvxpy,
)

LAM_GROUP, LAM_RIDGE, TOL = 0.01, 0.0, 1e-6

PROBLEMS = [
    ("logistic", "group", Logistic, GroupPenalty),
    ("logistic", "task", Logistic, TaskGroupPenalty),
    ("squared_hinge", "group", SquaredHinge, GroupPenalty),
    ("quadratic", "group", Quadratic, GroupPenalty),
]


def make_problem(n, regression, n_tasks=5, n_features=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    W = rng.normal(size=(n_features, n_tasks))
    signal = X @ W / np.sqrt(n_features) + 2 * np.sin(X[:, [0]]) * rng.normal(size=n_tasks)
    if regression:
        Y = signal + 0.5 * np.cos(X[:, [1]] * X[:, [2]]) + 0.3 * rng.normal(size=signal.shape)
        targets = encode_outputs(Y)
        values = targets.values
    else:
        Y = (signal + 0.3 * rng.logistic(size=signal.shape) > 0).astype(int)
        targets = encode_tasks(Y)
        values = targets.signs
    operator = KernelDictionary().fit(X).training_kernels()
    return operator, values, targets.weights


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 200, 400, 1000])
    parser.add_argument("--budget", type=float, default=20.0,
                        help="skip the larger sizes of a problem once a native fit took longer")
    parser.add_argument("--cvxpy-max-n", type=int, default=200,
                        help="largest n given to cvxpy (its time grows steeply)")
    args = parser.parse_args(argv)
    machine_header(__file__)
    print("shared machine: other jobs ran on the 2 cores during this run; one BLAS thread\n")
    columns = ["loss", "penalty", "n", "native_seconds", "native_sweeps", "native_certificate",
               "cvxpy_seconds", "cvxpy_certificate", "relative_difference", "speedup"]
    rows = []
    for loss, penalty_name, datafit_class, penalty_class in PROBLEMS:
        for n in args.sizes:
            if rows and rows[-1]["loss"] == loss and rows[-1]["penalty"] == penalty_name \
                    and rows[-1]["native_seconds"] > args.budget:
                print(f"{loss} {penalty_name}: n = {n} skipped (time budget)\n")
                continue
            operator, Y, W = make_problem(n, regression=loss == "quadratic")
            datafit, penalty = datafit_class(), penalty_class(LAM_GROUP, LAM_RIDGE)
            native, native_time, native_mem = measure(
                lambda: solve_bcd(operator, Y, W, datafit, penalty, tol=TOL, max_iter=20_000),
                repeats=3 if n <= 400 else 1)
            row = dict(loss=loss, penalty=penalty_name, n=n, T=Y.shape[1], M=operator.n_kernels,
                       native_seconds=native_time, native_sweeps=native.n_iter,
                       native_objective=native.objective, native_certificate=native.violation,
                       native_converged=native.converged, native_peak_mib=native_mem,
                       cvxpy_seconds="", cvxpy_objective="", cvxpy_certificate="",
                       relative_difference="", speedup="")
            if n <= args.cvxpy_max_n:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # cvxpy's own chatter; certified below
                    ref, ref_time, _ = measure(
                        lambda: solve_cvxpy(operator, Y, W, datafit, penalty), repeats=1)
                row.update(cvxpy_seconds=ref_time, cvxpy_objective=ref.objective,
                           cvxpy_certificate=ref.violation,
                           relative_difference=(native.objective - ref.objective)
                           / abs(ref.objective),
                           speedup=ref_time / native_time)
            rows.append(row)
            print_table([row], columns)
            print(flush=True)
    print("summary (relative_difference = (native - cvxpy) / |cvxpy| objective; "
          "negative: the native solver is lower)")
    print_table(rows, columns)
    write_csv("bench_solvers.csv", rows)


if __name__ == "__main__":
    main()
