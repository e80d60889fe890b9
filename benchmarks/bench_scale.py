"""How MTMK scales: low-rank fits up to n = 100,000, exact fits against the
Gram matrices alone, and a warm-started path against one fit.

Synthetic data: x ~ N(0, I_20), T = 5 tasks with logits mixing a linear and a
non-linear part, the default dictionary (M = 10 kernels), lam_group = 1e-3.

1. Low rank (Nystroem, r = min(200, n) landmarks shared by all kernels) at
   n = 1,000 / 10,000 / 100,000: fit time and peak resident memory, each fit in
   a fresh subprocess (so the memory is the whole process's peak), and the
   log-log slope of time against n between 10,000 and 100,000.
2. Exact kernels at n = 2000: fit time divided by the time to compute the M
   Gram matrices alone (medians of 3, same run).
3. A path of 20 lam_group values (lam_max down to 1e-3 lam_max) with warm
   starts against one cold fit at the smallest value (n = 2000, exact), both
   certified to min(1e-4, lam / 10) there.

Run from the repository root:  python benchmarks/bench_scale.py [--sizes ...]
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_header, measure, print_table, write_csv  # noqa: E402

from mtmk import KernelDictionary, MTMKClassifier, mtmk_path  # noqa: E402

LAM_GROUP = 1e-3


def make_data(n, n_features=20, n_tasks=5, seed=0):
    # The tasks (W) are fixed; only the samples depend on the seed, so a test
    # set drawn with another seed comes from the same tasks.
    W = np.random.default_rng(12345).normal(size=(n_features, n_tasks)) / np.sqrt(n_features)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    logits = X @ W + np.sin(X[:, :n_tasks]) + 0.5 * rng.logistic(size=(n, n_tasks))
    return X, (logits > 0).astype(int)


def one_low_rank_fit(n, rank):
    """Child process: one low-rank fit; prints JSON with time, sweeps, peak RSS."""
    X, Y = make_data(n)
    X_test, Y_test = make_data(2000, seed=1)
    clf = MTMKClassifier(kernels=KernelDictionary(n_components=rank, random_state=0),
                         lam_group=LAM_GROUP)
    start = time.perf_counter()
    clf.fit(X, Y)
    seconds = time.perf_counter() - start
    print(json.dumps(dict(
        n=n, rank=rank, fit_seconds=seconds, sweeps=clf.n_iter_,
        violation=clf.optimality_violation_,
        peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        test_hamming=float(np.mean(clf.predict(X_test) != Y_test)))))


def low_rank_scaling(sizes, max_rank):
    rows = []
    for n in sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n), str(min(max_rank, n))],
                             check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        print_table(rows[-1:], list(rows[-1]))
        print(flush=True)
    big = [r for r in rows if r["n"] >= 10_000]
    slope = (np.polyfit(np.log([r["n"] for r in big]), np.log([r["fit_seconds"] for r in big]), 1)[0]
             if len(big) >= 2 else float("nan"))
    return rows, slope


def exact_versus_gram(n=2000):
    X, Y = make_data(n)
    gram_time = measure(lambda: KernelDictionary().fit(X).gram())[1]
    clf, fit_time, peak = measure(lambda: MTMKClassifier(lam_group=LAM_GROUP).fit(X, Y))
    return dict(n=n, gram_seconds=gram_time, fit_seconds=fit_time, ratio=fit_time / gram_time,
                sweeps=clf.n_iter_, fit_peak_mib=peak)


def path_versus_fit(n=2000, n_lams=20):
    X, Y = make_data(n)
    path, path_time, _ = measure(lambda: mtmk_path(X, Y, lam_groups=n_lams, eps=1e-3), repeats=1)
    smallest = float(path.lam_groups[-1])
    # the same accuracy the path certifies at that value
    tol = min(1e-4, smallest / 10)
    clf, fit_time, _ = measure(lambda: MTMKClassifier(lam_group=smallest, tol=tol).fit(X, Y),
                               repeats=1)
    return dict(n=n, n_lams=n_lams, lam_max=path.lam_max, smallest=smallest,
                path_seconds=path_time, path_sweeps=int(path.n_iter.sum()),
                fit_seconds=fit_time, fit_sweeps=clf.n_iter_, ratio=path_time / fit_time)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--rank", type=int, default=200)
    parser.add_argument("--one", type=int, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        return one_low_rank_fit(*args.one)
    machine_header(__file__)
    print("\n1. low-rank fits (each in a fresh process)")
    rows, slope = low_rank_scaling(args.sizes, args.rank)
    print(f"log-log slope of fit time in n (n >= 10,000): {slope:.3f}   "
          "(targets: n = 100,000 in <= 60 s and <= 4 GiB; slope <= 1.15)")
    print("\n2. exact kernels: fit time / Gram time")
    exact = exact_versus_gram()
    print_table([exact], list(exact))
    print("(target: ratio <= 3)")
    print("\n3. warm-started path of 20 values / one fit at the smallest")
    path = path_versus_fit()
    print_table([path], list(path))
    print("(target: ratio <= 4)")
    write_csv("bench_scale_low_rank.csv", [dict(r, slope_10k_100k=slope) for r in rows])
    write_csv("bench_scale_exact_and_path.csv", [dict(part="exact_vs_gram", **exact),
                                                  dict(part="path_vs_fit", **path)])


if __name__ == "__main__":
    main()
