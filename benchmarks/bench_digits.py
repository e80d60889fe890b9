"""Every MTMKClassifier preset on digits against an RBF SVC tuned by 5-fold CV.

Protocol (the demo's): load_digits, stratified 70/30 split with seed 0,
features standardised on the training part, ten one-vs-rest tasks.
- mtmk presets: loss in {logistic, squared_hinge} x penalty in {group (kernels
  shared by the tasks), task (each task its own kernels)}, each with the
  default lam_group (1e-3) and with lam_group chosen by MTMKClassifierCV
  (8 values from lam_max down to 1e-3 lam_max, 3-fold CV, refit included in
  the time); the default dictionary (7 RBF widths around the median
  heuristic, linear, polynomial degrees 2 and 3); fit time includes the Gram
  matrices.  With --lplq also penalty="lplq" (p = 0.5, q = 2) at the default
  lam_group (off by default: its alternation costs O(T n^3)).
- baseline: SVC(kernel="rbf") with gamma and C chosen by GridSearchCV (5-fold,
  the 7 RBF widths of mtmk's dictionary x C in {1, 10, 100}), time of the
  search including the refit.
- reference: LpMKLClassifier(p=2) (p-norm MKL per task, SMO) with its defaults
  and the same dictionary.
All measured in the same run, one BLAS thread, on a shared 2-core machine
(other jobs running; times carry a few tens of percent of noise): each
method is fitted once in its own process with a time limit (--timeout,
default 60 s; a method over it is reported as timed out), which gives its
fit time and the process's peak resident memory (data and imports
included), test accuracy and mean per-task ROC-AUC (one-vs-rest decision
values).  Printed at the end: whether at least one MTMK preset reaches the
tuned SVC's test accuracy.

With --tol the MTMK presets stop at that certificate instead (e.g. 0.1, the
previous engine's default: its absolute tol 1e-4 divided by lam_group 1e-3),
written to --csv.

Run from the repository root:  python -m benchmarks.bench_digits [--lplq]
   python -m benchmarks.bench_digits --tol 0.1 --csv bench_digits_tol0.1.csv
"""

import argparse
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.svm import SVC

from benchmarks._harness import (
    ResultsCsv,
    argument_parser,
    emit,
    machine_header,
    measure,
    peak_rss_mib,
    print_table,
    run_isolated,
    timer,
)
from mtmk import KernelDictionary, LpMKLClassifier, MTMKClassifier, MTMKClassifierCV
from mtmk._demo import digits_split, mean_task_auc

N_LAMS, CV_FOLDS = 8, 3


def presets(lplq=False, tol=None):
    """Name -> estimator factory, in the order they are run (baselines first)."""
    gammas = [s.gamma for s in KernelDictionary().fit(digits_split()[0])._recipes
              if s.family == "rbf"]
    grid = {"gamma": gammas, "C": [1.0, 10.0, 100.0]}
    methods = {
        "SVC rbf, 5-fold CV": lambda: GridSearchCV(
            SVC(kernel="rbf"), grid, cv=StratifiedKFold(5, shuffle=True, random_state=0)),
        "LpMKLClassifier(p=2)": lambda: LpMKLClassifier(p=2.0),
    }
    extra = {} if tol is None else {"tol": tol}
    suffix = "" if tol is None else f", tol {tol:g}"
    for loss in ("logistic", "squared_hinge"):
        for penalty in ("group", "task"):
            methods[f"MTMK {loss} {penalty}, lam_group 1e-3{suffix}"] = (
                lambda loss=loss, penalty=penalty: MTMKClassifier(loss=loss, penalty=penalty,
                                                                  **extra))
            methods[f"MTMK {loss} {penalty}, CV ({N_LAMS} values, {CV_FOLDS}-fold){suffix}"] = (
                lambda loss=loss, penalty=penalty: MTMKClassifierCV(
                    loss=loss, penalty=penalty, lam_groups=N_LAMS, cv=CV_FOLDS, **extra))
    if lplq:
        methods[f"MTMK logistic lplq p=0.5 q=2, lam_group 1e-3{suffix}"] = (
            lambda: MTMKClassifier(penalty="lplq", p=0.5, q=2.0, **extra))
    return methods


def run_child(name, lplq, tol):
    """Child process: one fit of one method; prints a JSON row."""
    X_train, X_test, y_train, y_test = digits_split()
    make = presets(lplq, tol)[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        with timer() as fit:
            model = make().fit(X_train, y_train)
    detail = []
    if hasattr(model, "lam_group_"):
        detail.append(f"lam_group {model.lam_group_:.3g}")
    if hasattr(model, "n_iter_"):
        detail.append(f"sweeps {model.n_iter_}" if not hasattr(model.n_iter_, "sum")
                      else f"iterations {int(model.n_iter_.sum())}")
    if hasattr(model, "optimality_violation_"):
        detail.append(f"certificate {model.optimality_violation_:.2g}")
    if hasattr(model, "kernel_weights_") and getattr(model.kernel_weights_, "ndim", 0) == 1:
        detail.append(f"{int((model.kernel_weights_ > 0).sum())} kernels")
    if hasattr(model, "best_params_"):
        detail.append(str({k: float(v) for k, v in model.best_params_.items()}))
    n_warn = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    if n_warn:
        detail.append(f"{n_warn} convergence warnings")
    emit(dict(
        method=name, accuracy=float(model.score(X_test, y_test)),
        mean_task_auc=mean_task_auc(model, X_test, y_test), fit_seconds=fit.seconds,
        peak_rss_mib=peak_rss_mib(),
        detail="; ".join(detail)))


def run(name, lplq, tol, timeout):
    options = (["--lplq"] if lplq else []) + ([] if tol is None else ["--tol", repr(tol)])
    row = run_isolated(__spec__.name, "--one", name, *options, timeout=timeout)
    if row.get("timed_out"):
        row = dict(method=name, accuracy="", mean_task_auc="",
                   fit_seconds=f"timed out (> {timeout:g} s)", peak_rss_mib="", detail="")
    print_table([row], list(row))
    print(flush=True)
    return row


def main(argv=None):
    parser = argument_parser(__spec__.name, __doc__, resume=True)
    parser.add_argument("--lplq", action="store_true", help="also the lp-lq preset")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds allowed to each method's fit (in its own process)")
    parser.add_argument("--tol", type=float, default=None,
                        help="tol of the MTMK presets (default: the estimators' own, 1e-4); "
                             "0.1 is the previous engine's default certificate at lam_group 1e-3")
    parser.add_argument("--csv", default="bench_digits.csv", help="results file name")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        return run_child(args.one, args.lplq, args.tol)
    machine_header(__spec__.name, argv)
    print("shared machine: other jobs ran on the 2 cores during this run; one BLAS thread\n")
    X_train = digits_split()[0]
    kernels_only = measure(lambda: KernelDictionary().fit(X_train).gram(), repeats=1)[1]
    print(f"Gram matrices alone: {kernels_only:.3f} s\n")
    print(f"MTMK tol: {'estimator default (1e-4)' if args.tol is None else args.tol}\n")
    results = ResultsCsv(args.out / args.csv, key=("method",), resume=args.resume)
    for name in presets(args.lplq, args.tol):
        if not results.done({"method": name}):
            results.add(run(name, args.lplq, args.tol, args.timeout))
    rows = results.rows

    print("all methods:")
    print_table(rows, ["method", "accuracy", "mean_task_auc", "fit_seconds", "peak_rss_mib",
                       "detail"])
    svc = next(r for r in rows if r["method"].startswith("SVC"))
    mtmk_rows = [r for r in rows if r["method"].startswith("MTMK") and r["accuracy"] != ""]
    if mtmk_rows and svc["accuracy"] != "":
        best = max(mtmk_rows, key=lambda r: r["accuracy"])
        met = best["accuracy"] >= svc["accuracy"]
        print(f"\nbest MTMK preset: {best['method']} accuracy {best['accuracy']:.4f}; "
              f"tuned SVC {svc['accuracy']:.4f}: an MTMK preset reaches the SVC's "
              f"accuracy: {'yes' if met else 'no'}")
    else:
        print("\nno finished MTMK fit: the comparison with the SVC is not made")
    print(f"wrote {results.path}")

if __name__ == "__main__":
    main()
