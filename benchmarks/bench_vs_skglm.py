"""mtmk's solvers against skglm on the same group-logistic objective.

One task (binary labels), the Nystroem factors of mtmk's default dictionary
(7 RBF widths, linear, polynomial 2 and 3; ``n_components`` per kernel) as
the groups of one design matrix, no ridge term:

    (1/n) sum_i log(1 + exp(-y_i (x_i^T w + b))) + lam * sum_m ||w_m||_2

which is mtmk's group objective with uniform weights, and skglm's
``LogisticGroup`` datafit with the ``WeightedGroupL2`` penalty (unit
weights).  Problems: breast cancer (scikit-learn, 569 rows, 30 features) and
a simulated set (x ~ N(0, I_10), n = 2,000, labels from a smooth function of
two covariates).  Solvers: mtmk's ``solve_rows`` (block steps over row blocks,
what the estimators use for low-rank kernels) and ``solve_newton`` (Newton on
the kernel weights), both at a certificate of 1e-6; skglm's ``GroupBCD`` and
``GroupProxNewton`` with an intercept at tol 1e-8 (its own stopping
criterion, an absolute KKT violation; mtmk's 1e-6 is relative to lam, i.e.
1e-9 absolute here), at most 20 outer iterations (it took minutes per fit
here), after a warm-up fit on 50
rows that compiles its numba code.  Every objective is evaluated with the same
formula from the returned coefficients; one timed run each, one BLAS thread.

Run from the repository root (skglm from the bench extra):
    pip install -e .[bench]; python -m benchmarks.bench_vs_skglm
"""

import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from benchmarks._harness import (
    argument_parser,
    load_average,
    machine_header,
    print_table,
    timer,
    write_csv,
)
from mtmk import KernelDictionary
from mtmk.solvers import (
    FactorStack,
    GroupPenalty,
    Logistic,
    solve_newton,
    solve_rows,
)
from mtmk.solvers._rows import LocalBlocks

LAM = 1e-3


def problems(rank):
    X, y = load_breast_cancer(return_X_y=True)
    yield "breast_cancer", StandardScaler().fit_transform(X), y
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 10))
    y = (np.sin(2 * X[:, 0]) + X[:, 1] ** 2 - 1 + 0.5 * rng.logistic(size=2000) > 0)
    yield "simulated", X, y.astype(int)


def objective(Phi, s, coef, intercept, groups):
    margins = s * (Phi @ coef + intercept)
    return float(np.mean(np.logaddexp(0.0, -margins))
                 + LAM * sum(np.linalg.norm(coef[g]) for g in groups))


def main(argv=None):
    parser = argument_parser(__spec__.name, __doc__)
    parser.add_argument("--n-components", type=int, default=100)
    parser.add_argument("--sets", nargs="+", default=["breast_cancer", "simulated"])
    args = parser.parse_args(argv)
    from skglm.datafits import LogisticGroup
    from skglm.penalties import WeightedGroupL2
    from skglm.solvers import GroupBCD, GroupProxNewton

    machine_header(__spec__.name, argv)
    rows = []
    for name, X, y in problems(args.n_components):
        if name not in args.sets:
            continue
        kd = KernelDictionary(n_components=args.n_components, random_state=0).fit(X)
        factors = kd.features(X)
        Phi = np.hstack(factors)
        bounds = np.cumsum([0] + [P.shape[1] for P in factors])
        groups = [np.arange(bounds[m], bounds[m + 1]) for m in range(len(factors))]
        s = np.where(y > 0, 1.0, -1.0)
        S, W = s[:, None], np.full((len(s), 1), 1.0 / len(s))
        penalty = GroupPenalty(LAM)

        def rows_fit():
            blocks = LocalBlocks.split(factors, S, W, Logistic())
            result = solve_rows(blocks, [P.shape[1] for P in factors], 1, Logistic(), penalty,
                                tol=1e-6, max_iter=20_000)
            return np.concatenate(result.coef)[:, 0], result.intercept[0], result.n_iter

        def newton_fit():
            result = solve_newton(FactorStack(factors), S, W, Logistic(), penalty, tol=1e-6)
            coef = np.concatenate([P.T @ a for P, a in zip(factors, result.alpha)])[:, 0]
            return coef, result.intercept[0], result.n_iter

        def skglm_fit(solver_class):
            def fit(rows=slice(None)):
                datafit = LogisticGroup(grp_ptr=bounds.astype(np.int32),
                                        grp_indices=np.arange(Phi.shape[1], dtype=np.int32))
                pen = WeightedGroupL2(alpha=LAM, weights=np.ones(len(groups)),
                                      grp_ptr=bounds.astype(np.int32),
                                      grp_indices=np.arange(Phi.shape[1], dtype=np.int32))
                solver = solver_class(tol=1e-8, fit_intercept=True, max_iter=20)
                w, objectives, _ = solver.solve(np.ascontiguousarray(Phi[rows]), s[rows],
                                                datafit, pen)
                return w[:-1], w[-1], len(objectives)
            return fit

        methods = [("mtmk solve_rows", rows_fit), ("mtmk solve_newton", newton_fit),
                   ("skglm GroupBCD", skglm_fit(GroupBCD)),
                   ("skglm GroupProxNewton", skglm_fit(GroupProxNewton))]
        for method, fit in methods:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if method.startswith("skglm"):
                    fit(slice(0, 50))  # compiles skglm's numba code
                with timer() as watch:
                    coef, b, steps = fit()
                seconds = watch.seconds
            if method.startswith("skglm"):
                steps = f"{steps} outer"
            rows.append(dict(data=name, n=X.shape[0], groups=len(groups), width=Phi.shape[1],
                             method=method, seconds=seconds, steps=steps if steps else "",
                             objective=objective(Phi, s, coef, b, groups),
                             active_groups=sum(np.any(coef[g] != 0) for g in groups)))
            print_table(rows[-1:], ["data", "method", "seconds", "objective"])
        best = min(r["objective"] for r in rows if r["data"] == name)
        for r in rows:
            if r["data"] == name:
                r["objective_minus_best"] = r["objective"] - best
    columns = ["data", "n", "width", "method", "seconds", "steps", "objective",
               "objective_minus_best", "active_groups"]
    print()
    print_table(rows, columns)
    print(f"load average at the end: {load_average()}")
    write_csv(args.out / "bench_vs_skglm.csv", rows)


if __name__ == "__main__":
    main()
