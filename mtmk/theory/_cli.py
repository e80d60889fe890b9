"""Command line: ``python -m mtmk simulate --preset quick --out DIR``.

Writes ``DIR/results.csv`` (one row per fit, appended as cells finish; a
rerun skips finished cells), ``DIR/summary.md`` (the tables below as
Markdown), ``DIR/summary.json`` (every fitted slope with its
bootstrap interval and the predicted value, the support and Rademacher
results, the checks as measured, the runtime and the machine) and
the PNG figures.

Presets
-------
quick
    The quick check (about a minute on 2 cores).  Finite-rank design:
    per-covariate polynomial kernels of degree 2 (rank 3), x ~ N(0, I_10),
    s = 2 active kernels shared by T = 3 tasks, ||f*_tm||_H = 1.

    Six replications per configuration.

    - ``rate_n``: n in {400, 800, 1600, 3200}, M = 16, MTMK-L1 with
      ``lam_group = 0.5 sqrt(log M / n)``.  The constant 0.5 is the
      prediction-tuned one: with 1.0 the shrinkage bias still dominates at
      these n and the fitted slope is flatter (about -0.8) than its
      asymptotic value -1.
    - ``kernels_M``: n = 400, M in {4, 16, 64}, MTMK-L1, same constant.
    - ``support``: n in {100, 200, 400}, M = 16, MTMK-L1, L2, mix,
      single-task MKL and the best single kernel, ``c_group = 2``.  Exact
      support recovery needs a larger constant than prediction does (the
      usual lasso trade-off; the paper preset shows 0.5, 1 and 2).
    - Rademacher: n = 150, M in {4, 8, ..., 256}, 200 sign vectors.
fair
    Each method with its own regularisation, chosen the same way (``tuning=
    "validation"``: six candidates, 1/8 to 4 times its schedule, scored on a
    fresh validation sample of size n from the model).  ``kernels_M``:
    n = 400, M in {4, 16, 64} x T in {1, 2, 4, 8}, MTMK-L1 and L2, for the
    L2 - L1 log-M slope difference and the exponent of the log-M slope in T
    with intervals over replications.  ``support``: n in {100, 200, 400},
    M = 16, T = 3, L1, mix, single-task MKL (the methods that can select
    kernels) and L2 for reference, around ``c_group = 1``.  Eight
    replications.
paper
    One factor at a time around n = 400, M = 16, p = 10,
    T = 3, 20 replications: n in {50, ..., 3200} (polynomial and Laplacian
    kernels, all five methods), M in {4, ..., 256} x T in {1, 3, 6, 12}
    (L1, L2), p in {2, 5, 10, 20, 50} with one kernel per covariate,
    support recovery over n for c_group in {0.5, 1, 2}; Rademacher with
    n = 400 and 1000 sign vectors.  ``--n-reps`` reduces the replications.
"""

import argparse
import json
import os
import platform
import sys
import time

_ALL = ("mtmk_l1", "mtmk_l2", "mtmk_mix", "stmkl", "best_single")
_BASE = dict(n_features=10, n_kernels=16, n_tasks=3, n_active=2, family="polynomial",
             design="gaussian", signal=1.0)


def _quick():
    grid = [
        dict(_BASE, experiment="rate_n", n=[400, 800, 1600, 3200], c_group=0.5,
             methods=[("mtmk_l1",)]),
        dict(_BASE, experiment="kernels_M", n=400, n_kernels=[4, 16, 64], c_group=0.5,
             methods=[("mtmk_l1",)]),
        dict(_BASE, experiment="support", n=[100, 200, 400], c_group=2.0, methods=[_ALL]),
    ]
    return dict(grid=grid, n_reps=6, n_test=2000,
                rademacher=dict(kernel_counts=[4, 8, 16, 32, 64, 128, 256], n=150,
                                n_draws=200))


def _paper():
    ns = [50, 100, 200, 400, 800, 1600, 3200]
    grid = [
        dict(_BASE, experiment="rate_n", n=ns, family=["polynomial", "laplacian"],
             c_group=0.5, methods=[_ALL]),
        dict(_BASE, experiment="kernels_M", n=400, n_kernels=[4, 8, 16, 32, 64, 128, 256],
             n_tasks=[1, 3, 6, 12], c_group=0.5, methods=[("mtmk_l1", "mtmk_l2")]),
        dict(_BASE, experiment="support", n=ns, c_group=[0.5, 1.0, 2.0],
             methods=[("mtmk_l1", "mtmk_l2", "mtmk_mix", "stmkl")]),
    ]
    # One kernel per covariate: p enters through the dictionary size.
    grid += [dict(_BASE, experiment="covariates_p", n=400, n_features=p, n_kernels=p,
                  c_group=0.5, methods=[("mtmk_l1", "mtmk_l2")])
             for p in (2, 5, 10, 20, 50)]
    return dict(grid=grid, n_reps=20, n_test=2000,
                rademacher=dict(kernel_counts=[4, 8, 16, 32, 64, 128, 256], n=400,
                                n_draws=1000))


def _fair():
    grid = [
        dict(_BASE, experiment="kernels_M", n=400, n_kernels=[4, 16, 64],
             n_tasks=[1, 2, 4, 8], c_group=0.5, tuning="validation",
             methods=[("mtmk_l1", "mtmk_l2")]),
        dict(_BASE, experiment="support", n=[100, 200, 400], c_group=1.0,
             tuning="validation", methods=[("mtmk_l1", "mtmk_l2", "mtmk_mix", "stmkl")]),
    ]
    return dict(grid=grid, n_reps=8, n_test=2000,
                rademacher=dict(kernel_counts=[4, 8, 16, 32, 64, 128, 256], n=150,
                                n_draws=200))


PRESETS = {"quick": _quick, "fair": _fair, "paper": _paper}


def preset(name):
    """The sweep configuration of a preset (a fresh dict)."""
    if name not in PRESETS:
        raise ValueError(f"Unknown preset {name!r}; choose one of {sorted(PRESETS)}.")
    return PRESETS[name]()


def _machine():
    info = dict(python=platform.python_version(), platform=platform.platform(),
                cpu_count=os.cpu_count())
    try:
        import joblib
        import numpy
        import sklearn

        import mtmk
        info.update(numpy=numpy.__version__, sklearn=sklearn.__version__,
                    joblib=joblib.__version__, mtmk=mtmk.__version__)
        from threadpoolctl import threadpool_info
        info["blas"] = [dict(api=p.get("internal_api"), threads=p.get("num_threads"))
                        for p in threadpool_info()]
    except ImportError:
        pass
    return info


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "item") and getattr(obj, "ndim", 1) == 0:
        return obj.item()
    if isinstance(obj, float) and obj != obj:
        return None
    return obj


def _integer(minimum, what):
    """An argparse type: an integer >= ``minimum``, with a message saying why not."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is below {minimum}: {what}")
        return value
    return parse


def _n_jobs(text):
    value = _integer(-(2**31), "")(text)
    if value == 0:
        raise argparse.ArgumentTypeError("0 jobs: use a positive number, or -1 for all cores")
    return value


def _parser():
    parser = argparse.ArgumentParser(prog="mtmk", description="mtmk command line")
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser("simulate", help="run a theory simulation sweep")
    sim.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    sim.add_argument("--out", required=True, help="output directory")
    sim.add_argument("--backend", choices=["loky", "threading", "sequential", "dask"],
                     default="loky", help="joblib backend (default loky)")
    sim.add_argument("--scheduler", default=None,
                     help="dask scheduler address (with --backend dask); without it a "
                          "LocalCluster on loopback is started")
    sim.add_argument("--n-jobs", type=_n_jobs, default=-1,
                     help="parallel jobs (default -1: all cores)")
    sim.add_argument("--n-reps", type=_integer(1, "give at least one replication"),
                     default=None, help="override the replications")
    sim.add_argument("--random-state", type=_integer(0, "seeds are non-negative integers"),
                     default=0)
    sim.add_argument("--n-boot", type=_integer(1, "give at least one bootstrap resample"),
                     default=2000, help="bootstrap resamples")
    sim.add_argument("--no-plots", action="store_true")
    sim.add_argument("--no-progress", action="store_true")
    return parser


def main(argv=None):
    """Entry point: ``simulate --preset quick|paper --out DIR [...]``.

    Parameters
    ----------
    argv : list of str or None
        Arguments without the program name (``sys.argv[1:]`` when None),
        starting with the subcommand ``simulate`` (which may be left out).

    Returns
    -------
    int
        Exit status: 0 on success, 1 if some fits failed (their rows carry the
        error; a rerun retries them), 2 if the sweep was refused (e.g. the
        output folder holds a sweep with another seed, or a results file that
        does not parse).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    # Accept the arguments with or without the subcommand (``python -m mtmk
    # simulate ...`` may hand over either).
    if not argv or argv[0] not in ("simulate", "-h", "--help"):
        argv = ["simulate"] + argv
    args = _parser().parse_args(argv)
    from ._plots import plot_all
    from ._rademacher import rademacher_curve
    from ._summary import format_markdown, summarize
    from ._sweep import simulate

    config = preset(args.preset)
    if args.n_reps is not None:
        config["n_reps"] = args.n_reps
    os.makedirs(args.out, exist_ok=True)
    start = time.perf_counter()
    client = cluster = None
    backend = args.backend
    n_jobs = 1 if backend == "sequential" else args.n_jobs
    if backend == "sequential":
        backend = "loky"
    if backend == "dask":
        from distributed import Client, LocalCluster
        if args.scheduler:
            client = Client(args.scheduler)
        else:
            workers = os.cpu_count() if args.n_jobs < 1 else args.n_jobs
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None)
            client = Client(cluster)
    try:
        rows = simulate(config["grid"], n_reps=config["n_reps"], n_test=config["n_test"],
                        results_path=os.path.join(args.out, "results.csv"), n_jobs=n_jobs,
                        backend=backend, random_state=args.random_state,
                        progress=not args.no_progress)
    except ValueError as exc:
        print(f"mtmk simulate: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    sweep_seconds = time.perf_counter() - start
    rad = config["rademacher"]
    rademacher = rademacher_curve(rad["kernel_counts"], n=rad["n"], n_draws=rad["n_draws"],
                                  random_state=args.random_state)
    summary = summarize(rows, rademacher=rademacher, n_boot=args.n_boot,
                        random_state=args.random_state)
    figures = [] if args.no_plots else plot_all(rows, summary, args.out)
    summary.update(
        preset=args.preset, random_state=args.random_state, backend=args.backend,
        n_jobs=args.n_jobs, config={k: v for k, v in config.items()},
        sweep_seconds=sweep_seconds, runtime_seconds=time.perf_counter() - start,
        figures=figures, machine=_machine(),
        note=("Runtime covers only the cells computed in this run (finished cells of "
              "an earlier run are read back, not recomputed). The MTMK rate and its "
              "log M / (nT) term are reconstructed."))
    with open(os.path.join(args.out, "summary.json"), "w") as fh:
        json.dump(_jsonable(summary), fh, indent=2)
    with open(os.path.join(args.out, "summary.md"), "w") as fh:
        fh.write(f"# mtmk theory simulation: preset {args.preset}\n\n"
                 f"Runtime {summary['runtime_seconds']:.1f} s (sweep "
                 f"{sweep_seconds:.1f} s) on {os.cpu_count()} cores, backend {args.backend}.\n\n")
        fh.write(format_markdown(_jsonable(summary)))
    checks = summary["checks"]
    print(f"wrote {args.out}/results.csv, summary.json and {len(figures)} figures "
          f"in {summary['runtime_seconds']:.1f} s")
    for name, value in checks.items():
        print(f"  {name}: {value}")
    failed = [r for r in rows if r.get("status") != "ok"]
    if failed:
        print(f"mtmk simulate: {len(failed)} of {len(rows)} fits failed (first: "
              f"{failed[0]['method']}, n={failed[0]['n']}: {failed[0]['status']}); the summary "
              "leaves them out and a rerun retries them.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
