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
otherwise.  With ``--previous DIR`` (a checkout of an earlier mtmk) its
``solve_bcd`` runs on the same files in the same run.  Every fit runs in its
own process with one BLAS thread, at tol 1e-4 and 1e-6 on the scale-free
certificate, with a step cap (--max-iter) and a time limit (--timeout): a fit
over either is reported as not converged.  The machine is shared: times carry
tens of percent of noise; the load average is printed.

Run from the repository root:
    python benchmarks/bench_solvers.py --previous ../mtmk-previous
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import limit_threads  # noqa: E402

limit_threads()

import numpy as np  # noqa: E402
from _common import machine_header, print_table, write_csv  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
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
    """Fit one problem with the mtmk on ``sys.path``; print a JSON line."""
    import time
    import warnings

    import mtmk.solvers as engine

    data = np.load(path)
    names = {"logistic": "Logistic", "squared_hinge": "SquaredHinge",
             "quadratic": "Quadratic", "huber": "Huber"}
    if not hasattr(engine, names[datafit]) or (solver == "newton"
                                               and not hasattr(engine, "solve_newton")):
        print(json.dumps({"missing": True}))
        return
    fit = getattr(engine, names[datafit])()
    pen = (engine.GroupPenalty if penalty == "group" else engine.TaskGroupPenalty)(lam)
    solve = engine.solve_newton if solver == "newton" else engine.solve_bcd
    operator = engine.GramStack(data["K"])
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = solve(operator, data["Y"], data["W"], fit, pen, tol=tol, max_iter=max_iter)
    print(json.dumps(dict(seconds=time.perf_counter() - start, steps=int(result.n_iter),
                          objective=float(result.objective),
                          certificate=float(result.violation),
                          converged=bool(result.converged), solver=solver)))


def run_worker(root, path, case, solver, tol, max_iter, timeout):
    _, datafit, penalty, lam = case
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(path), datafit,
               penalty, repr(lam), solver, repr(tol), str(max_iter)]
    env = dict(os.environ, PYTHONPATH=str(root))
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              env=env, cwd=root, check=True)
    except subprocess.TimeoutExpired:
        return dict(seconds=float(timeout), converged=False, timed_out=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", nargs=7, help=argparse.SUPPRESS)
    parser.add_argument("--previous", type=Path,
                        help="checkout of an earlier mtmk whose solve_bcd runs beside")
    parser.add_argument("--max-iter", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--only", nargs="+", help="problem names to run (default: all)")
    parser.add_argument("--csv", default="bench_solvers.csv")
    args = parser.parse_args(argv)
    if args.worker:
        path, datafit, penalty, lam, solver, tol, max_iter = args.worker
        worker(path, datafit, penalty, float(lam), solver, float(tol), int(max_iter))
        return
    header = machine_header(__file__)
    header.append(f"load average at start: {os.getloadavg()}")
    print(header[-1])
    engines = [("current", REPO, s) for s in ("newton", "bcd")]
    if args.previous is not None:
        engines.append(("previous", args.previous.resolve(), "bcd"))
    builders = {"synthetic": None, "guide": guide, "digits": digits}
    rows, files = [], {}
    columns = ["problem", "datafit", "penalty", "engine", "solver", "tol", "steps", "seconds",
               "certificate", "converged"]
    with tempfile.TemporaryDirectory() as scratch:
        for case in problems():
            name, datafit, penalty, lam = case
            if args.only and name not in args.only:
                continue
            key = (name, datafit == "quadratic" or datafit == "huber")
            if key not in files:
                K, Y, W = (synthetic(400, regression=key[1]) if name == "synthetic"
                           else builders[name]())
                files[key] = Path(scratch) / f"{name}_{len(files)}.npz"
                np.savez(files[key], K=K, Y=Y, W=W)
            for engine, root, solver in engines:
                for tol in TOLS:
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
                    rows.append(row)
                    print_table([row], columns)
                    sys.stdout.flush()
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
    write_csv(args.csv, rows)


if __name__ == "__main__":
    main()
