"""Untuned defaults of MTMKClassifier / MTMKRegressor on the real sets of bench_real.

Each candidate default is fitted on the splits of ``benchmarks.bench_real``
(same loader, sizes, standardisation and dictionary: one RBF kernel per named
feature group added) and scored on the test rows; the tuned estimator
(``MTMK*CV`` with ``lam_groups=k`` on 3 shuffled inner folds, as in
``bench_real``) is the reference of the paired differences.

Candidates (``lam_max``: the exact ``lam_max`` of the training rows, the
level at which every kernel is zero):

* ``lam_group=1e-3``: an absolute level (the earlier default);
* ``f lam_max``: ``lam_group = f * lam_max``, ``lam_ridge = 0`` (what
  ``lam_group="auto"`` does at fraction f);
* ``f lam_max, l1_ratio r``: the mix of ``MTMK*CV(l1_ratio=r)`` at ``f``
  times that mix's ``lam_max`` (``lam_max / r``): ``lam_group = f * lam_max``
  and ``lam_ridge = (1 - r) / (2 r) * f * lam_max``;
* ``tuned`` / ``tuned, l1_ratio (0.5, 1)``: the CV estimators;
* ``default``: ``MTMKClassifier()`` / ``MTMKRegressor()`` as shipped
  (``lam_group="auto"``, and the regressor's ``lam_ridge="auto"``).

Run from the repository root::

    python -m benchmarks.bench_defaults                      # every set and candidate

The committed results (about 5 CPU minutes in all, one BLAS thread, load
average 6 to 9 on 2 cores) come from these runs, then their merge::

    python -m benchmarks.bench_defaults --tag _shipped --candidates default
    python -m benchmarks.bench_defaults --tag _classification \
        --sets breast_cancer phishing digits segment mfeat yeast \
        --candidates lam_group=1e-3 "0.01 lam_max" "0.03 lam_max" "0.1 lam_max" \
        "0.3 lam_max" "0.1 lam_max, l1_ratio 0.5" tuned
    python -m benchmarks.bench_defaults --tag _classification_cv_mix --sets mfeat yeast \
        --candidates "tuned, l1_ratio (0.5, 1)"
    python -m benchmarks.bench_defaults --tag _regression --sets diabetes solar_flare flights \
        --candidates lam_group=1e-3 "0.01 lam_max" "0.03 lam_max" "0.1 lam_max" \
        "0.3 lam_max" "0.1 lam_max, l1_ratio 0.5" tuned "tuned, l1_ratio (0.5, 1)"
    python -m benchmarks.bench_defaults --tag _regression_more \
        --sets diabetes solar_flare flights \
        --candidates "0.2 lam_max" "0.05 lam_max, l1_ratio 0.5" "0.2 lam_max, l1_ratio 0.5" tuned
    python -m benchmarks.bench_defaults --merge bench_real_defaults_shipped.csv \
        bench_real_defaults_classification.csv bench_real_defaults_classification_cv_mix.csv \
        bench_real_defaults_regression.csv bench_real_defaults_regression_more.csv
    python -m benchmarks.bench_defaults --tag _regression_300 --n-train 300 \
        --sets diabetes solar_flare flights --candidates lam_group=1e-3 "0.1 lam_max" \
        "0.3 lam_max" "0.1 lam_max, l1_ratio 0.5" "0.2 lam_max, l1_ratio 0.5" tuned \
        "tuned, l1_ratio (0.5, 1)"

Writes benchmarks/results/bench_real_defaults<tag>.csv (one row per split,
set and candidate) and bench_real_defaults<tag>.md (mean scores, differences to
the tuned estimator with 95 % corrected t intervals, lowest scores, fit times).
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold

from benchmarks._harness import (
    argument_parser,
    machine_header,
    timer,
    write_text,
)
from benchmarks.bench_real import KINDS, SETS, dictionary, run_splits, score
from mtmk import MTMKClassifier, MTMKClassifierCV, MTMKRegressor, MTMKRegressorCV, mtmk_path
from mtmk.stats import paired_difference

#: name -> (fraction of lam_max or None for 1e-3, l1_ratio); "tuned..." -> CV l1_ratio;
#: "default" -> MTMKClassifier() / MTMKRegressor() as shipped
CANDIDATES = {
    "default": None,
    "lam_group=1e-3": (None, 1.0),
    "0.01 lam_max": (0.01, 1.0),
    "0.03 lam_max": (0.03, 1.0),
    "0.1 lam_max": (0.1, 1.0),
    "0.2 lam_max": (0.2, 1.0),
    "0.3 lam_max": (0.3, 1.0),
    "0.05 lam_max, l1_ratio 0.5": (0.05, 0.5),
    "0.1 lam_max, l1_ratio 0.5": (0.1, 0.5),
    "0.2 lam_max, l1_ratio 0.5": (0.2, 0.5),
    "tuned": 1.0,
    "tuned, l1_ratio (0.5, 1)": (0.5, 1.0),
}
REFERENCE = "tuned"


def run_split(name, kind, X_tr, X_te, y_tr, y_te, groups, seed, args):
    regression = kind == "regression"
    single, cv_class = ((MTMKRegressor, MTMKRegressorCV) if regression
                        else (MTMKClassifier, MTMKClassifierCV))
    kd = dictionary(groups)
    folds = KFold(3, shuffle=True, random_state=seed)
    top = None
    rows = []
    for candidate in args.candidates:
        spec = CANDIDATES[candidate]
        with timer() as watch, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            if spec is None:
                model = single(kernels=kd).fit(X_tr, y_tr)
            elif candidate.startswith("tuned"):
                model = cv_class(kernels=kd, lam_groups=args.grid, cv=folds,
                                 scoring=KINDS[kind], l1_ratio=spec).fit(X_tr, y_tr)
            else:
                fraction, ratio = spec
                if fraction is None:
                    model = single(kernels=kd, lam_group=1e-3).fit(X_tr, y_tr)
                else:
                    if top is None:  # a one-value path stops at lam_max
                        top = mtmk_path(X_tr, y_tr, kernels=kd, lam_groups=1, loss=(
                            "squared_error" if regression else "logistic")).lam_max
                    lam_group = fraction * top
                    model = single(kernels=kd, lam_group=lam_group,
                                   lam_ridge=(1 - ratio) / (2 * ratio) * lam_group).fit(X_tr, y_tr)
        seconds = watch.seconds
        value = score(kind, y_te, model.predict(X_te))
        rows.append({"set": name, "kind": kind, "split": seed, "method": candidate,
                     "n_train": X_tr.shape[0], "n_test": X_te.shape[0], "score": value,
                     "fit_seconds": seconds, "lam_group": model.lam_group_,
                     "convergence_warnings": sum(issubclass(w.category, ConvergenceWarning)
                                                 for w in caught),
                     "top_kernel": model.kernel_names_[int(np.argmax(model.kernel_weights_))],
                     "top_weight": float(np.max(model.kernel_weights_))})
        print(f"{name:13s} split {seed}  {candidate:28s} {KINDS[kind]} {value:.4f} "
              f"{seconds:6.1f} s", flush=True)
    return rows


def summarise(rows):
    """Per set and candidate: mean score, and the paired difference to the tuned estimator."""
    out = []
    for name in dict.fromkeys(r["set"] for r in rows):
        sub = {(r["method"], r["split"]): r for r in rows if r["set"] == name}
        splits = sorted({s for _, s in sub})
        first = sub[next(iter(sub))]
        ratio = first["n_test"] / first["n_train"]
        for candidate in dict.fromkeys(m for m, _ in sub):
            values = np.array([sub[candidate, s]["score"] for s in splits])
            row = {"set": name, "metric": KINDS[first["kind"]], "candidate": candidate,
                   "mean score": round(float(values.mean()), 4),
                   "min score": round(float(values.min()), 4),
                   "mean fit s": round(float(np.mean([sub[candidate, s]["fit_seconds"]
                                                      for s in splits])), 2)}
            if candidate != REFERENCE and (REFERENCE, splits[0]) in sub and len(splits) > 1:
                reference = np.array([sub[REFERENCE, s]["score"] for s in splits])
                d = paired_difference(values, reference, test_train_ratio=ratio)
                row["minus tuned"] = d.format(3)
            out.append(row)
    return out


def markdown(summary, header, wall):
    candidates = list(dict.fromkeys(r["candidate"] for r in summary))
    sets = list(dict.fromkeys(r["set"] for r in summary))
    cell = {(r["set"], r["candidate"]): r for r in summary}
    wall_line = [] if wall is None else [f"total wall time {wall / 60:.1f} min"]
    lines = ["```", *header, *wall_line, "```", "",
             "Mean test score over the splits (accuracy; micro-F1 for yeast; R^2 for the "
             "regressions), and below it the candidate minus the tuned estimator (mean, 95 % "
             "corrected t interval).", "",
             "| candidate | " + " | ".join(sets) + " |", "|---|" + "---|" * len(sets)]
    for c in candidates:
        lines.append(f"| {c} | " + " | ".join(
            f"{cell[s, c]['mean score']:.4f}" if (s, c) in cell else "" for s in sets) + " |")
    lines += ["", "| candidate minus tuned | " + " | ".join(sets) + " |",
              "|---|" + "---|" * len(sets)]
    for c in candidates:
        if c == REFERENCE:
            continue
        lines.append(f"| {c} | " + " | ".join(
            cell[s, c].get("minus tuned", "") if (s, c) in cell else "" for s in sets) + " |")
    lines += ["", "Lowest test score over the splits:", "",
              "| candidate | " + " | ".join(sets) + " |", "|---|" + "---|" * len(sets)]
    for c in candidates:
        lines.append(f"| {c} | " + " | ".join(
            f"{cell[s, c]['min score']:.4f}" if (s, c) in cell else "" for s in sets) + " |")
    lines += ["", "Mean fit seconds (one BLAS thread, shared machine):", "",
              "| candidate | " + " | ".join(sets) + " |", "|---|" + "---|" * len(sets)]
    for c in candidates:
        lines.append(f"| {c} | " + " | ".join(
            f"{cell[s, c]['mean fit s']:.2f}" if (s, c) in cell else "" for s in sets) + " |")
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    parser = argument_parser(__spec__.name, __doc__, resume=True)
    parser.add_argument("--splits", type=int, default=5, help="random outer splits")
    parser.add_argument("--grid", type=int, default=6, help="lam_groups of the tuned estimator")
    parser.add_argument("--n-train", type=int, default=150, help="training rows per split")
    parser.add_argument("--n-test", type=int, default=300, help="test rows per split")
    parser.add_argument("--sets", nargs="*", default=list(SETS), choices=SETS)
    parser.add_argument("--candidates", nargs="*", default=list(CANDIDATES),
                        choices=list(CANDIDATES))
    parser.add_argument("--tag", default="",
                        help="suffix of the output names (with --merge: of the summary)")
    parser.add_argument("--merge", nargs="*", default=None, metavar="CSV",
                        help="summarise these row CSVs of the --out directory instead of running")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    header = machine_header(__spec__.name, argv)
    header.append(f"configuration: {args.splits} splits, {args.n_train} training / "
                  f"{args.n_test} test rows per split, tuned grid k = {args.grid}, 3 inner "
                  "folds, sets " + ", ".join(args.sets))
    if args.merge is not None:
        header[-1] = f"merged rows of {', '.join(args.merge)}"
    rows, wall = run_splits(args, f"bench_real_defaults{args.tag}.csv", run_split)
    text = markdown(summarise(rows), header, wall)
    write_text(args.out / f"bench_real_defaults{args.tag}.md", text)
    print(text)


if __name__ == "__main__":
    main()
