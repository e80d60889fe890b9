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
(other jobs running; times carry a few tens of percent of noise): medians of
3 fits for the single MTMK fits, one fit for the cross-validated ones (MTMK
CV and the SVC search) and for LpMKL, peak traced memory of one more fit, test accuracy and mean
per-task ROC-AUC (one-vs-rest decision values).  The aim checked at the end:
at least one MTMK preset reaches the tuned SVC's test accuracy.

Run from the repository root:  python benchmarks/bench_digits.py [--lplq]
"""

import argparse
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import limit_threads  # noqa: E402

limit_threads()

from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from _common import machine_header, measure, print_table, write_csv  # noqa: E402

from mtmk import (KernelDictionary, LpMKLClassifier, MTMKClassifier,  # noqa: E402
                  MTMKClassifierCV)
from mtmk.demo import digits_split, mean_task_auc  # noqa: E402

N_LAMS, CV_FOLDS = 8, 3


def run(name, make, X_train, X_test, y_train, y_test, repeats):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model, seconds, peak = measure(lambda: make().fit(X_train, y_train), repeats=repeats)
    detail = []
    if hasattr(model, "lam_group_"):
        detail.append(f"lam_group {model.lam_group_:.3g}")
    if hasattr(model, "n_iter_"):
        detail.append(f"sweeps {model.n_iter_}" if not hasattr(model.n_iter_, "sum")
                      else f"iterations {int(model.n_iter_.sum())}")
    if hasattr(model, "kernel_weights_") and getattr(model.kernel_weights_, "ndim", 0) == 1:
        detail.append(f"{int((model.kernel_weights_ > 0).sum())} kernels")
    if hasattr(model, "best_params_"):
        detail.append(str({k: float(v) for k, v in model.best_params_.items()}))
    n_warn = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    if n_warn:
        detail.append(f"{n_warn} convergence warnings")
    row = dict(method=name, accuracy=model.score(X_test, y_test),
               mean_task_auc=mean_task_auc(model, X_test, y_test), fit_seconds=seconds,
               peak_mib=peak, detail="; ".join(detail))
    print_table([row], list(row))
    print(flush=True)
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lplq", action="store_true", help="also the lp-lq preset")
    args = parser.parse_args(argv)
    machine_header(__file__)
    print("shared machine: other jobs ran on the 2 cores during this run; one BLAS thread\n")
    data = digits_split()
    X_train = data[0]
    gammas = [s.gamma for s in KernelDictionary().fit(X_train)._specs if s.family == "rbf"]
    kernels_only = measure(lambda: KernelDictionary().fit(X_train).gram())[1]
    print(f"Gram matrices alone: {kernels_only:.3f} s\n")

    rows = []
    for loss in ("logistic", "squared_hinge"):
        for penalty in ("group", "task"):
            rows.append(run(f"MTMK {loss} {penalty}, lam_group 1e-3",
                            lambda: MTMKClassifier(loss=loss, penalty=penalty), *data, 3))
            rows.append(run(f"MTMK {loss} {penalty}, CV ({N_LAMS} values, {CV_FOLDS}-fold)",
                            lambda: MTMKClassifierCV(loss=loss, penalty=penalty,
                                                     lam_groups=N_LAMS, cv=CV_FOLDS), *data, 1))
    if args.lplq:
        rows.append(run("MTMK logistic lplq p=0.5 q=2, lam_group 1e-3",
                        lambda: MTMKClassifier(penalty="lplq", p=0.5, q=2.0), *data, 1))
    grid = {"gamma": gammas, "C": [1.0, 10.0, 100.0]}
    rows.append(run("SVC rbf, 5-fold CV",
                    lambda: GridSearchCV(SVC(kernel="rbf"), grid,
                                         cv=StratifiedKFold(5, shuffle=True, random_state=0)),
                    *data, 1))
    rows.append(run("LpMKLClassifier(p=2)", lambda: LpMKLClassifier(p=2.0), *data, 1))

    print("all methods:")
    print_table(rows, ["method", "accuracy", "mean_task_auc", "fit_seconds", "peak_mib", "detail"])
    svc = next(r for r in rows if r["method"].startswith("SVC"))
    mtmk_rows = [r for r in rows if r["method"].startswith("MTMK")]
    best = max(mtmk_rows, key=lambda r: r["accuracy"])
    met = best["accuracy"] >= svc["accuracy"]
    print(f"\nbest MTMK preset: {best['method']} accuracy {best['accuracy']:.4f}; "
          f"tuned SVC {svc['accuracy']:.4f}: aim (an MTMK preset reaches the SVC's accuracy) "
          f"{'met' if met else 'not met'}")
    write_csv("bench_digits.csv", rows)


if __name__ == "__main__":
    main()
