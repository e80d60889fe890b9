"""Steps and time to a certificate for every datafit x penalty, beside a previous engine.

Problems (the same Gram matrices for every solver, written once to a file):

- synthetic: x ~ N(0, I_10), n = 400, T = 5 tasks mixing a linear and a
  smooth function of the covariates, the default dictionary (M = 10: 7 RBF
  widths, linear, polynomial 2 and 3), lam_group = 0.01; every datafit
  (logistic, squared hinge, least squares, and Huber where the engine has it)
  x penalty (group: kernels shared by the tasks; task: each task its own);
- guide: the user guide's least-squares example (n = 1,500, x ~ N(0, I_4),
  Y = [sin x0 + x1, x2^2] + 0.1 noise, seed 3, default dictionary,
  lam_group = 1e-3);
- digits: load_digits, the demo's 70/30 split, ten one-vs-rest tasks, the
  default dictionary, lam_group = 1e-3, logistic and squared hinge.

Solvers: ``solve_newton`` (Newton steps on the kernel weights; its steps are
counted) and ``solve_bcd`` (block coordinate descent; sweeps are counted); the
estimators' ``solver="auto"`` takes the first for least squares, the second
otherwise.  With ``--previous DIR`` (the root of a checkout of an earlier
mtmk) that version's ``solve_bcd`` runs on the same files in the same run (its
child processes import ``mtmk`` from DIR).  Every fit runs in its
own process with one BLAS thread, at tol 1e-4 and 1e-6 on the scale-free
certificate, with a step cap (--max-iter) and a time limit (--timeout): a fit
over either is reported as not converged.  The machine is shared: times carry
tens of percent of noise; the load average is printed.

Run from the repository root:
    python -m benchmarks.bench_solvers [--previous DIR]
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np

from benchmarks._harness import (
    ResultsCsv,
    argument_parser,
    emit,
    machine_header,
    print_table,
    run_isolated,
    timer,
)

TOLS = (1e-4, 1e-6)
AIMS = [
    ("guide", "quadratic", "group", "newton", 1e-6, 30, 2.0),
    ("digits", "squared_hinge", "group", "newton", 1e-6, 60, None),
]


def synthetic(n, regression, n_tasks=5, n_features=10, seed=0):
    from mtmk import KernelDictionary
    from mtmk._targets import encode_outputs, encode_tasks

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    B = rng.normal(size=(n_features, n_tasks))
    signal = X @ B / np.sqrt(n_features) + 2 * np.sin(X[:, [0]]) * rng.normal(size=n_tasks)
    if regression:
        Y = signal + 0.5 * np.cos(X[:, [1]] * X[:, [2]]) + 0.3 * rng.normal(size=signal.shape)
        # a few gross errors, which the Huber loss is for
        Y[rng.random(Y.shape) < 0.02] += 10.0
        targets = encode_outputs(Y)
        values = targets.values
    else:
        targets = encode_tasks((signal + 0.3 * rng.logistic(size=signal.shape) > 0).astype(int))
        values = targets.signs
    return KernelDictionary().fit(X).gram(), values, targets.weights


def guide():
    from mtmk import KernelDictionary

    rng = np.random.default_rng(3)
    X = rng.normal(size=(1500, 4))
    Y = np.column_stack([np.sin(X[:, 0]) + X[:, 1], X[:, 2] ** 2])
    Y += 0.1 * rng.normal(size=Y.shape)
    return KernelDictionary().fit(X).gram(), Y, np.full(Y.shape, 1.0 / len(Y))


def digits():
    from mtmk import KernelDictionary
    from mtmk._demo import digits_split
    from mtmk._targets import encode_tasks

    X, _, y, _ = digits_split()
    tasks = encode_tasks(y)
    return KernelDictionary().fit(X).gram(), tasks.signs, tasks.weights


def problems():
    """(problem, datafit, penalty, lam_group, builder) for every case."""
    cases = []
    for datafit in ("logistic", "squared_hinge", "quadratic", "huber"):
        for penalty in ("group", "task"):
            cases.append(("synthetic", datafit, penalty, 0.01))
    cases += [("guide", "quadratic", "group", 1e-3),
              ("digits", "logistic", "group", 1e-3),
              ("digits", "squared_hinge", "group", 1e-3)]
    return cases


# ------------------------------------------------------------- one fit (worker)
def worker(path, datafit, penalty, lam, solver, tol, max_iter):
    """Fit one problem with the ``mtmk`` this process imports; emit a JSON record."""
    import warnings

    import mtmk.solvers as engine

    data = np.load(path)
    names = {"logistic": "Logistic", "squared_hinge": "SquaredHinge",
             "quadratic": "Quadratic", "huber": "Huber"}
    if not hasattr(engine, names[datafit]) or (solver == "newton"
                                               and not hasattr(engine, "solve_newton")):
        emit({"missing": True})
        return
    fit = getattr(engine, names[datafit])()
    pen = (engine.GroupPenalty if penalty == "group" else engine.TaskGroupPenalty)(lam)
    solve = engine.solve_newton if solver == "newton" else engine.solve_bcd
    operator = engine.GramStack(data["K"])
    with warnings.catch_warnings(), timer() as watch:
        warnings.simplefilter("ignore")
        result = solve(operator, data["Y"], data["W"], fit, pen, tol=tol, max_iter=max_iter)
    emit(dict(seconds=watch.seconds, steps=int(result.n_iter),
              objective=float(result.objective), certificate=float(result.violation),
              converged=bool(result.converged), solver=solver))


def run_worker(engine, path, case, solver, tol, max_iter, timeout):
    """One fit in a fresh process, importing ``mtmk`` from ``engine`` (None: this checkout)."""
    _, datafit, penalty, lam = case
    out = run_isolated(__spec__.name, "--worker", path, datafit, penalty, repr(lam), solver,
                       repr(tol), max_iter, timeout=timeout, engine=engine)
    if out.get("timed_out"):
        return dict(seconds=float(timeout), converged=False, timed_out=True)
    return out


def main(argv=None):
    parser = argument_parser(__spec__.name, __doc__, resume=True)
    parser.add_argument("--worker", nargs=7, help=argparse.SUPPRESS)
    parser.add_argument("--previous", type=Path, metavar="DIR",
                        help="root of a checkout of an earlier mtmk whose solve_bcd runs beside")
    parser.add_argument("--max-iter", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--only", nargs="+", help="problem names to run (default: all)")
    parser.add_argument("--csv", default="bench_solvers.csv")
    args = parser.parse_args(argv)
    if args.worker:
        path, datafit, penalty, lam, solver, tol, max_iter = args.worker
        worker(path, datafit, penalty, float(lam), solver, float(tol), int(max_iter))
        return
    if args.previous is not None and not (args.previous / "mtmk" / "__init__.py").is_file():
        parser.error(f"--previous {args.previous}: no mtmk package there (give a checkout's root)")
    machine_header(__spec__.name, argv)
    engines = [("current", None, s) for s in ("newton", "bcd")]
    if args.previous is not None:
        engines.append(("previous", args.previous, "bcd"))
    builders = {"synthetic": None, "guide": guide, "digits": digits}
    results = ResultsCsv(args.out / args.csv, resume=args.resume,
                         key=("problem", "datafit", "penalty", "engine", "solver", "tol"))
    files = {}
    columns = ["problem", "datafit", "penalty", "engine", "solver", "tol", "steps", "seconds",
               "certificate", "converged"]
    with tempfile.TemporaryDirectory() as scratch:
        for case in problems():
            name, datafit, penalty, lam = case
            if args.only and name not in args.only:
                continue
            key = (name, datafit == "quadratic" or datafit == "huber")
            for engine, root, solver in engines:
                for tol in TOLS:
                    if results.done(dict(problem=name, datafit=datafit, penalty=penalty,
                                         engine=engine, solver=solver, tol=tol)):
                        continue
                    if key not in files:
                        K, Y, W = (synthetic(400, regression=key[1]) if name == "synthetic"
                                   else builders[name]())
                        files[key] = Path(scratch) / f"{name}_{len(files)}.npz"
                        np.savez(files[key], K=K, Y=Y, W=W)
                    out = run_worker(root, files[key], case, solver, tol, args.max_iter,
                                     args.timeout)
                    if out.get("missing"):
                        continue
                    row = dict(problem=name, datafit=datafit, penalty=penalty, lam_group=lam,
                               engine=engine, solver=out.get("solver", solver), tol=tol,
                               steps=out.get("steps", ""), seconds=out["seconds"],
                               objective=out.get("objective", ""),
                               certificate=out.get("certificate", ""),
                               converged=out["converged"],
                               timed_out=out.get("timed_out", False))
                    results.add(row)
                    print_table([row], columns)
    rows = results.rows
    print("\nsummary")
    print_table(rows, columns)
    print("\naims")
    for name, datafit, penalty, solver, tol, max_steps, max_seconds in AIMS:
        match = [r for r in rows if (r["problem"], r["datafit"], r["penalty"], r["engine"],
                                     r["tol"]) == (name, datafit, penalty, "current", tol)
                 and r["solver"] == solver]
        for r in match[:1]:
            met = r["converged"] and r["steps"] <= max_steps and (
                max_seconds is None or r["seconds"] <= max_seconds)
            limit = f"<= {max_steps} steps" + (f", <= {max_seconds} s" if max_seconds else "")
            print(f"{name} {datafit} {penalty} tol {tol:g}: {r['steps']} steps, "
                  f"{r['seconds']:.2f} s ({limit}): {'met' if met else 'not met'}")
    print(f"wrote {results.path}")


if __name__ == "__main__":
    main()
