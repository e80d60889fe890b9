"""How MTMK scales: low-rank fits up to n = 100,000, exact fits against the
Gram matrices alone (this engine and the previous one, at the same
certificate), and a warm-started path against one fit.

Synthetic data: x ~ N(0, I_20), T = 5 tasks with logits mixing a linear and a
non-linear part, the default dictionary (M = 10 kernels), lam_group = 1e-3,
logistic loss, group penalty.

3. Low rank (Nystroem, r = min(200, n) landmarks shared by all kernels) at
   n = 1,000 / 10,000 (default --sizes; n = 100,000 no longer fits the time
   budget of one run: the rows of sizes not run are carried over from the
   results file already in the output directory, the committed earlier run,
   and marked so): fit time, sweeps,
   certificate and peak resident memory, each fit in a fresh subprocess (so
   the memory is the whole process's peak) with a time limit (--timeout),
   for this engine and, with --old-engine, the previous one at the same
   certificate.
1. Exact kernels at n = 2000: fit time divided by the time to compute the M
   Gram matrices alone (medians of 3, same run), before and after the engine
   rewrite.  "before" is the previous engine (the block solver as it was
   before the rewrite, whose tol was an absolute certificate) run from a
   separate checkout of that version (``--old-engine DIR``, the checkout's
   root; without it only this engine runs) in a subprocess of this
   run, on the same data; its Gram time is measured in that process too.  Both
   stop at the same certificate: this engine's tol is relative to the penalty
   level (1e-4), the previous engine's tol was absolute, so it gets
   1e-4 * lam_group.  Both solutions are then re-certified here with this
   engine's scale-free certificate (``mtmk.solvers.optimality_violation``),
   and their objectives compared.
2. A path of 20 lam_group values (lam_max down to 1e-3 lam_max) with warm
   starts against one cold fit at the smallest value (n = 2000, exact), both
   at the default tol (1e-4, relative).

4. Large low-rank fits (``--large``): n = 100,000, 300,000 and 1,000,000
   (p = 20, T = 5, M = 10, r = 200 shared landmarks, float32 factors, the
   row-block solver), each in a fresh process: fit time split into features
   and solver, sweeps, solver seconds per sweep, peak resident memory,
   held-out log-loss and Hamming error (20,000 test rows) and the
   certificate; next to each, what a user would otherwise do at that size:
   scikit-learn's ``Nystroem`` (one RBF kernel, median-heuristic width, 200
   components) + one ``LogisticRegression`` per task, its held-out loss and
   time, and the ratio of the two times (the cost of learning the kernel
   combination).  The same two fits on a real data set: the 2013 New York
   City flights (``mtmk.datasets.load_flights``, 327,346 rows, 3 tasks;
   80 % train, 20 % test, standardised features).  The n = 1,000,000 fit is
   started only when at least ``--min-free-gib`` GiB of memory are
   available (the machine is shared); the load average is recorded next to
   every timing.

Times are wall-clock on a shared 2-core machine (other jobs running), with
one BLAS thread; expect a few tens of percent of noise.

Run from the repository root:  python -m benchmarks.bench_scale [--sizes ...]
[--old-engine DIR]  (part 4 alone: python -m benchmarks.bench_scale --large)
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._harness import (
    ResultsCsv,
    argument_parser,
    emit,
    machine_header,
    measure,
    peak_rss_mib,
    print_table,
    read_csv,
    run_isolated,
    timer,
    write_csv,
)

LAM_GROUP = 1e-3
TOL_RELATIVE = 1e-4
#: Label of the previous engine's rows.
BEFORE = "before (previous engine)"


def make_data(n, n_features=20, n_tasks=5, seed=0):
    # The tasks (W) are fixed; only the samples depend on the seed, so a test
    # set drawn with another seed comes from the same tasks.
    W = np.random.default_rng(12345).normal(size=(n_features, n_tasks)) / np.sqrt(n_features)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    logits = X @ W + np.sin(X[:, :n_tasks]) + 0.5 * rng.logistic(size=(n, n_tasks))
    return X, (logits > 0).astype(int)


def one_low_rank_fit(n, rank, tol):
    """Child process: one low-rank fit; prints JSON with time, sweeps, peak RSS."""
    import mtmk
    from mtmk import KernelDictionary, MTMKClassifier
    X, Y = make_data(n)
    X_test, Y_test = make_data(2000, seed=1)
    clf = MTMKClassifier(kernels=KernelDictionary(n_components=rank, random_state=0),
                         lam_group=LAM_GROUP, tol=tol)
    with timer() as fit:
        clf.fit(X, Y)
    emit(dict(
        n=n, rank=rank, tol_given=tol, fit_seconds=fit.seconds, sweeps=int(clf.n_iter_),
        own_certificate=float(clf.optimality_violation_),
        peak_rss_mib=peak_rss_mib(),
        test_hamming=float(np.mean(clf.predict(X_test) != Y_test)),
        package=str(Path(mtmk.__file__).resolve().parent)))


def _held_out(clf_proba, Y_test):
    """Mean over tasks of the log-loss, and the Hamming error, of P(y_t = 1 | x)."""
    P = np.clip(clf_proba, 1e-12, 1 - 1e-12)
    loss = -np.mean(Y_test * np.log(P) + (1 - Y_test) * np.log(1 - P))
    return float(loss), float(np.mean((P > 0.5) != Y_test))


def _large_data(name, n):
    if name == "flights":
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        from mtmk.datasets import load_flights
        X, Y = load_flights(return_X_y=True)
        X, X_test, Y, Y_test = train_test_split(X, Y, test_size=0.2, random_state=0)
        scaler = StandardScaler().fit(X)
        return scaler.transform(X), Y, scaler.transform(X_test), Y_test
    X, Y = make_data(n)
    X_test, Y_test = make_data(20_000, seed=1)
    return X, Y, X_test, Y_test


def one_large_fit(name, n, rank, dtype):
    """Child process: one large low-rank MTMK fit; prints JSON."""
    import mtmk._fit
    from mtmk import KernelDictionary, MTMKClassifier
    X, Y, X_test, Y_test = _large_data(name, n)
    solver = {}
    original = mtmk._fit.solve_rows

    def timed(*args, **kwargs):
        with timer() as watch:
            result = original(*args, **kwargs)
        solver["seconds"] = watch.seconds
        solver["factor_bytes"] = sum(P.nbytes for block in args[0].blocks for P in block.factors)
        return result

    mtmk._fit.solve_rows = timed
    load_before = os.getloadavg()[0]
    clf = MTMKClassifier(kernels=KernelDictionary(n_components=rank, random_state=0,
                                                  dtype=dtype, max_memory=20 * 2**30),
                         lam_group=LAM_GROUP, tol=TOL_RELATIVE)
    with timer() as fit:
        clf.fit(X, Y)
    seconds = fit.seconds
    loss, hamming = _held_out(clf.predict_proba(X_test), Y_test)
    emit(dict(
        data=name, method="MTMK (M = 10 kernels, learned combination)", n=X.shape[0],
        tasks=Y.shape[1], rank=rank, dtype=dtype, fit_seconds=seconds,
        feature_seconds=seconds - solver["seconds"], solver_seconds=solver["seconds"],
        sweeps=int(clf.n_iter_), seconds_per_sweep=solver["seconds"] / clf.n_iter_,
        certificate=float(clf.optimality_violation_),
        factor_gib=solver["factor_bytes"] / 2**30, peak_rss_gib=peak_rss_mib() / 1024,
        held_out_log_loss=loss, held_out_hamming=hamming,
        kernels_selected=int(np.sum(clf.kernel_weights_ > 0)),
        load_before=load_before, load_after=os.getloadavg()[0]))


def one_sklearn_fit(name, n, rank):
    """Child process: Nystroem (one RBF) + one LogisticRegression per task; prints JSON."""
    from sklearn.kernel_approximation import Nystroem
    from sklearn.linear_model import LogisticRegression
    from sklearn.multioutput import MultiOutputClassifier
    from sklearn.pipeline import make_pipeline

    from mtmk.contrastive import median_gamma
    X, Y, X_test, Y_test = _large_data(name, n)
    load_before = os.getloadavg()[0]
    with timer() as fit:
        model = make_pipeline(
            Nystroem(gamma=median_gamma(X[:20_000]), n_components=rank, random_state=0),
            MultiOutputClassifier(LogisticRegression(max_iter=1000))).fit(X, Y)
    P = np.column_stack([p[:, 1] for p in model.predict_proba(X_test)])
    loss, hamming = _held_out(P, Y_test)
    emit(dict(
        data=name, method="Nystroem (1 RBF) + LogisticRegression per task", n=X.shape[0],
        tasks=Y.shape[1], rank=rank, fit_seconds=fit.seconds,
        peak_rss_gib=peak_rss_mib() / 1024,
        held_out_log_loss=loss, held_out_hamming=hamming, load_before=load_before,
        load_after=os.getloadavg()[0]))


def free_gib():
    with open("/proc/meminfo") as fh:
        return next(int(line.split()[1]) for line in fh
                    if line.startswith("MemAvailable")) / 2**20


def large_part(args):
    print("\n4. large low-rank fits (fresh process each; times on a shared machine, "
          "load average recorded)")
    # the real data before the largest simulated size, which may have to wait for memory
    runs = ([("simulated", n) for n in args.large_sizes if n < 1_000_000] + [("flights", 0)]
            + [("simulated", n) for n in args.large_sizes if n >= 1_000_000])
    results = ResultsCsv(args.out / "bench_scale_large.csv")
    columns = ["data", "method", "n", "fit_seconds", "feature_seconds",
                         "solver_seconds", "sweeps", "seconds_per_sweep", "certificate",
                         "peak_rss_gib", "held_out_log_loss", "held_out_hamming",
                         "time_ratio_vs_sklearn", "load_before", "load_after"]
    for name, n in runs:
        if n >= 1_000_000:
            for _ in range(20):
                if free_gib() >= args.min_free_gib:
                    break
                print(f"only {free_gib():.1f} GiB available, waiting for "
                      f"{args.min_free_gib} GiB", flush=True)
                time.sleep(60)
            else:
                results.add(dict(data=name, n=n, fit_seconds="not run (memory)"))
                continue
        pair = []
        for child in (["--one-large", name, n, args.rank, args.dtype],
                      ["--one-sklearn", name, n, args.rank]):
            out = run_isolated(__spec__.name, *child, timeout=args.large_timeout)
            if out.get("timed_out"):
                out = dict(data=name, n=n, method=child[0],
                           fit_seconds=f"timed out (> {args.large_timeout:g} s)")
            pair.append(out)
        if all(isinstance(r.get("fit_seconds"), float) for r in pair):
            pair[0]["time_ratio_vs_sklearn"] = pair[0]["fit_seconds"] / pair[1]["fit_seconds"]
        for r in pair:
            r.update(p=20 if name == "simulated" else 10, M=10, r=args.rank,
                     lam_group=LAM_GROUP, tol=TOL_RELATIVE)
        results.extend(pair)
        shown = [c for c in columns if any(c in r for r in pair)]
        print_table([{c: r.get(c, "") for c in shown} for r in pair], shown)
        print(flush=True)
    rows = results.rows
    print(f"wrote {results.path}")
    sim = [r for r in rows if r.get("data") == "simulated" and "seconds_per_sweep" in r]
    if len(sim) >= 2:
        first, last = sim[0], sim[-1]
        growth = last["seconds_per_sweep"] / first["seconds_per_sweep"]
        print(f"solver time per sweep grows {growth:.2f}x from n = {first['n']:,} to "
              f"{last['n']:,} ({last['n'] / first['n']:.0f}x the rows)")
    return rows


def exact_fit(n, tol, out):
    """Child or parent: exact fit at n with the ``mtmk`` on the path; saves alpha, b.

    Prints JSON with the Gram time, fit time (medians of 3), sweeps, the
    engine's own certificate and objective.
    """
    import warnings

    import mtmk
    from mtmk import KernelDictionary, MTMKClassifier
    X, Y = make_data(n)
    gram_time = measure(lambda: KernelDictionary().fit(X).gram(), repeats=3)[1]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf, fit_time, peak = measure(
            lambda: MTMKClassifier(lam_group=LAM_GROUP, tol=tol).fit(X, Y), repeats=3)
    np.savez(out, alpha=clf.dual_coef_, intercept=clf.intercept_)
    emit(dict(gram_seconds=gram_time, fit_seconds=fit_time, sweeps=int(clf.n_iter_),
              own_certificate=float(clf.optimality_violation_),
              objective=float(clf.objective_), fit_peak_mib=peak,
              warnings=len(caught), package=str(Path(mtmk.__file__).resolve().parent)))


def engines(old_engine):
    """(label, checkout or None for this one, tol) of the engines compared."""
    runs = [("after (this engine)", None, TOL_RELATIVE)]
    if old_engine is not None:
        runs.insert(0, (BEFORE, old_engine, TOL_RELATIVE * LAM_GROUP))
    return runs


def exact_before_after(old_engine, n=2000):
    from mtmk import KernelDictionary
    from mtmk._targets import encode_tasks
    from mtmk.solvers import GramStack, GroupPenalty, Logistic, objective, optimality_violation

    X, Y = make_data(n)
    tasks = encode_tasks(Y)
    operator = GramStack(KernelDictionary().fit(X).gram())
    datafit, penalty = Logistic(), GroupPenalty(LAM_GROUP, 0.0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, root, tol in engines(old_engine):
            out = Path(tmp, f"{len(rows)}.npz")
            record = run_isolated(__spec__.name, "--exact-child", n, repr(tol), out, engine=root)
            row = dict(engine=label, n=n, tol_given=tol, **record)
            saved = np.load(out)
            alpha, b = saved["alpha"], saved["intercept"]
            row["certificate"] = optimality_violation(operator, alpha, b, tasks.signs,
                                                      tasks.weights, datafit, penalty)
            row["objective_here"] = objective(operator, alpha, b, tasks.signs, tasks.weights,
                                              datafit, penalty)
            row["ratio"] = row["fit_seconds"] / row["gram_seconds"]
            rows.append(row)
            print_table(rows[-1:], ["engine", "tol_given", "gram_seconds", "fit_seconds", "ratio",
                                    "sweeps", "own_certificate", "certificate"])
            print(flush=True)
    best = min(r["objective_here"] for r in rows)
    for r in rows:
        r["objective_gap"] = (r["objective_here"] - best) / best
        r["reached_certificate"] = bool(r["certificate"] <= TOL_RELATIVE)
    return rows


def path_versus_fit(n=2000, n_lams=20):
    from mtmk import MTMKClassifier, mtmk_path
    X, Y = make_data(n)
    with timer() as path_time:
        path = mtmk_path(X, Y, lam_groups=n_lams, eps=1e-3, tol=TOL_RELATIVE)
    smallest = float(path.lam_groups[-1])
    with timer() as fit_time:
        clf = MTMKClassifier(lam_group=smallest, tol=TOL_RELATIVE).fit(X, Y)
    return dict(n=n, n_lams=n_lams, lam_max=path.lam_max, smallest=smallest,
                path_seconds=path_time.seconds, path_sweeps=int(np.sum(path.n_iter)),
                fit_seconds=fit_time.seconds, fit_sweeps=int(clf.n_iter_),
                ratio=path_time.seconds / fit_time.seconds,
                fit_certificate=float(clf.optimality_violation_))


def low_rank_scaling(sizes, max_rank, old_engine, timeout):
    """Each size in a fresh process, this engine then (if present) the previous one.

    A fit that exceeds ``timeout`` seconds is recorded as timed out.  The
    certificate column is each engine's own (the previous engine's absolute
    one divided by lam_group, so both are relative to the penalty level).
    """
    rows = []
    for n in sizes:
        for label, root, tol in reversed(engines(old_engine)):
            rank = min(max_rank, n)
            out = run_isolated(__spec__.name, "--one", n, rank, repr(tol), timeout=timeout,
                               engine=root)
            if out.get("timed_out"):
                row = dict(engine=label, n=n, rank=rank, tol_given=tol,
                           fit_seconds=f"timed out (> {timeout:g} s)")
            else:
                row = dict(engine=label, **out)
                row["certificate"] = row["own_certificate"] * (1.0 if tol == TOL_RELATIVE
                                                               else 1.0 / LAM_GROUP)
            rows.append(row)
            print_table(rows[-1:], [c for c in ("engine", "n", "rank", "fit_seconds", "sweeps",
                                                "certificate", "peak_rss_mib", "test_hamming")
                                    if c in row])
            print(flush=True)
    return rows


def earlier_rows(path, sizes):
    """The rows of ``path`` (an earlier run's results) for the sizes not run here."""
    if not path.is_file():
        return []
    return [{k: v for k, v in r.items() if k != "source"} for r in read_csv(path)
            if r["n"] not in sizes]


def main(argv=None):
    parser = argument_parser(__spec__.name, __doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--timeout", type=float, default=150.0,
                        help="seconds allowed to each low-rank fit")
    parser.add_argument("--rank", type=int, default=200)
    parser.add_argument("--old-engine", type=Path, metavar="DIR",
                        help="root of a checkout of the previous engine, run beside this one "
                             "(default: this engine only)")
    parser.add_argument("--low-rank-only", action="store_true",
                        help="run part 3 only (keeps the exact/path CSV)")
    parser.add_argument("--large", action="store_true",
                        help="run part 4 only (large low-rank fits and the real data)")
    parser.add_argument("--large-sizes", type=int, nargs="+",
                        default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64", "auto"])
    parser.add_argument("--large-timeout", type=float, default=1800.0)
    parser.add_argument("--min-free-gib", type=float, default=14.0)
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--one-large", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--one-sklearn", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--exact-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        return one_low_rank_fit(int(args.one[0]), int(args.one[1]), float(args.one[2]))
    if args.one_large:
        name, n, rank, dtype = args.one_large
        return one_large_fit(name, int(n), int(rank), dtype)
    if args.one_sklearn:
        name, n, rank = args.one_sklearn
        return one_sklearn_fit(name, int(n), int(rank))
    if args.exact_child:
        n, tol, out = args.exact_child
        return exact_fit(int(n), float(tol), out)
    if args.old_engine is not None and not (args.old_engine / "mtmk" / "__init__.py").is_file():
        parser.error(f"--old-engine {args.old_engine}: no mtmk package there "
                     "(give a checkout's root)")
    machine_header(__spec__.name, argv)
    print("shared machine: other jobs ran on the 2 cores during this run; one BLAS thread")

    if args.low_rank_only:
        return low_rank_part(args)
    if args.large:
        return large_part(args)
    print("\n1. exact kernels, n = 2000: fit time / Gram time, before and after "
          f"(certificate = this engine's, target {TOL_RELATIVE:g})")
    exact = exact_before_after(args.old_engine)
    print_table(exact, ["engine", "tol_given", "gram_seconds", "fit_seconds", "ratio", "sweeps",
                        "own_certificate", "certificate", "reached_certificate",
                        "objective_gap", "fit_peak_mib"])

    print("\n2. warm-started path of 20 values / one fit at the smallest")
    path = path_versus_fit()
    print_table([path], list(path))
    write_csv(args.out / "bench_scale_exact_and_path.csv",
              [dict(part="exact_vs_gram", **r) for r in exact] + [dict(part="path_vs_fit", **path)])

    low_rank_part(args)


def low_rank_part(args):
    print(f"\n3. low-rank fits (each in a fresh process, at most {args.timeout:g} s each)")
    path = args.out / "bench_scale_low_rank.csv"
    rows = low_rank_scaling(args.sizes, args.rank, args.old_engine, args.timeout)
    earlier = earlier_rows(path, args.sizes)
    if earlier:
        print(f"rows not run here, from the earlier run in {path}:")
        print_table(earlier, ["engine", "n", "rank", "fit_seconds", "sweeps", "peak_rss_mib"])
    write_csv(path, [dict(source="this run", **r) for r in rows]
              + [dict(source="earlier run, not re-run", **r) for r in earlier])

if __name__ == "__main__":
    main()
