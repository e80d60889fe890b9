"""Every number in the README's result tables matches the committed CSV it comes from.

Each printed figure must equal the CSV value rounded to the digits printed.
"""

import csv
import json
import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
README = (ROOT / "README.md").read_text()
NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?")


def table_after(marker):
    """Rows (lists of stripped cells) of the first Markdown table after ``marker``."""
    start = README.index(marker)
    rows = []
    lines = README[start:].splitlines()
    for line in lines[1:] if not marker.startswith("|") else lines:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("-: "):
                rows.append(cells)
        elif rows:
            break
    return rows[1:]  # without the header


def numbers(text):
    """The numbers printed in ``text`` (thousands separators dropped), as strings."""
    return [n.replace(",", "") for n in NUMBER.findall(text.replace("**", ""))]


def agrees(printed, value):
    """``printed`` is ``value`` rounded to the digits ``printed`` shows."""
    mantissa = printed.split("e")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    if "e" in printed:
        exponent = int(printed.split("e")[1])
        half = 0.5 * 10.0 ** (exponent - decimals)
    else:
        half = 0.5 * 10.0 ** -decimals
    return abs(float(printed) - value) <= half * (1 + 1e-9)


def read_csv(name):
    with open(RESULTS / name, newline="") as handle:
        return list(csv.DictReader(handle))


def check(printed, value, where):
    assert agrees(printed, value), f"{where}: README says {printed}, the CSV gives {value!r}"


def test_digits_table():
    rows = {r["method"]: r for r in read_csv("bench_digits.csv")}
    names = {
        '`MTMKClassifier()` (logistic, group, `lam_group="auto"`)':
            "MTMK default (lam_group 'auto')",
        "`MTMKClassifier(lam_group=1e-3)` (logistic, group)": "MTMK logistic group, lam_group 1e-3",
        "`MTMKClassifierCV(lam_groups=8, cv=3)`": "MTMK logistic group, CV (8 values, 3-fold)",
        '`MTMKClassifier(penalty="task", lam_group=1e-3)`': "MTMK logistic task, lam_group 1e-3",
        '`MTMKClassifier(loss="squared_hinge", lam_group=1e-3)`':
            "MTMK squared_hinge group, lam_group 1e-3",
        "`LpMKLClassifier(p=2)`": "LpMKLClassifier(p=2)",
        "`SVC` rbf, 5-fold CV grid": "SVC rbf, 5-fold CV",
    }
    table = table_after("### MTMK on digits")
    assert [r[0] for r in table] == list(names)
    for method, accuracy, auc, seconds, sweeps in table:
        row = rows[names[method]]
        check(numbers(accuracy)[0], float(row["accuracy"]), method)
        check(numbers(auc)[0], float(row["mean_task_auc"]), method)
        check(numbers(seconds)[0], float(row["fit_seconds"]), method)
        if sweeps:
            assert f"sweeps {numbers(sweeps)[0]};" in row["detail"], method


def test_scale_tables():
    rows = read_csv("bench_scale_exact_and_path.csv")
    exact = {r["engine"].split()[0]: r for r in rows if r["part"] == "exact_vs_gram"}
    table = table_after("| engine | Gram matrices |")
    for engine, gram, fit, ratio, sweeps, certificate, gap in table:
        row = exact["before" if engine == "previous" else "after"]
        for printed, column in ((gram, "gram_seconds"), (fit, "fit_seconds"), (ratio, "ratio"),
                                (sweeps, "sweeps"), (certificate, "certificate"),
                                (gap, "objective_gap")):
            check(numbers(printed)[0], float(row[column]), f"exact, {engine}, {column}")
    path = next(r for r in rows if r["part"] == "path_vs_fit")
    sentence = README[README.index("A path of 20 lam_group values"):][:200]
    path_seconds, path_sweeps, cold, ratio = numbers(sentence)[1:5]
    check(path_seconds, float(path["path_seconds"]), "path time")
    check(path_sweeps, float(path["path_sweeps"]), "path sweeps")
    check(cold, float(path["fit_seconds"]), "cold fit")
    check(ratio, float(path["ratio"]), "path ratio")

    low = {(r["n"], r["engine"].split()[0]): r for r in read_csv("bench_scale_low_rank.csv")}
    for n, engine, fit, sweeps, certificate, rss, hamming in table_after("| n | engine | fit |"):
        row = low[(numbers(n)[0], "before" if engine == "previous" else "after")]
        for printed, column in ((fit, "fit_seconds"), (sweeps, "sweeps"),
                                (certificate, "certificate"), (rss, "peak_rss_mib"),
                                (hamming, "test_hamming")):
            check(numbers(printed)[0], float(row[column]), f"low rank, n={n} {engine}, {column}")


def test_mklpy_counts():
    rows = read_csv("bench_vs_mklpy.csv")
    fit = {(r["dataset"], r["method"], r["library"]): float(r["fit_s"]) for r in rows}
    pairs = [(d, m) for d, m, lib in fit if lib == "MKLpy"]
    met = sum(fit[(d, m, "mtmk")] <= fit[(d, m, "MKLpy")] / 3 for d, m in pairs)
    sentence = README[README.index("fit time at most a third of MKLpy's on"):][:80]
    assert numbers(sentence)[:2] == [str(met), str(len(pairs))]


def test_alignment_table():
    rows = {r["method"]: r for r in read_csv("alignment_summary.csv")}
    table = table_after("| method | all | image | text |")
    assert len(table) == len(rows)
    for method, *values in table:
        key = {"MTMK L1": "MTMK L1", "MTMK mix": "MTMK mix", "MTMK L2": "MTMK L2",
               "single-task multi-kernel": "single-task multi-kernel",
               "multi-task linear kernel": "multi-task linear kernel",
               "logistic regression": "logistic regression",
               "RBF SVM (C = 1)": "RBF SVM (C = 1)"}[method]
        for printed, column in zip(values, ("all", "image", "text")):
            check(numbers(printed)[0], float(rows[key][column]), f"alignment {method} {column}")


def test_yeast_table():
    rows = read_csv("yeast.csv")
    names = {"MTMK": "MTMK", "one-vs-rest RBF SVC": "one-vs-rest RBF SVC",
             "one-vs-rest logistic regression": "one-vs-rest logistic regression",
             "classifier chain": "classifier chain (logistic regression)"}
    table = table_after("| method | Hamming loss | micro-F1 |")
    assert [r[0] for r in table] == list(names)
    for method, *cells in table:
        for printed, column in zip(cells, ("hamming_loss", "micro_f1", "macro_f1",
                                           "subset_accuracy")):
            values = np.array([float(r[column]) for r in rows if r["method"] == names[method]])
            mean, sd = numbers(printed)
            check(mean, values.mean(), f"yeast {method} {column}")
            check(sd, values.std(ddof=1), f"yeast {method} {column} sd")


def test_regression_table():
    rows = {r["method"]: r for r in read_csv("regression.csv") if r["dataset"] == "simulated"}
    names = {"`MTMKRegressor` (CV)": "MTMK", "himalaya `MultipleKernelRidgeCV`": "himalaya",
             "`KernelRidge` (grid over kernel x alpha)": "KernelRidge"}
    for method, r2, seconds in table_after("| method | mean test R² | fit time |"):
        row = rows[names[method]]
        check(numbers(r2)[0], float(row["mean_r2"]), method)
        check(numbers(seconds)[0], float(row["fit_seconds"]), method)


def test_retrieval_table():
    rows = {(r["pair"], r["method"]): r for r in read_csv("retrieval_mfeat_summary.csv")}
    names = {"CCA": "CCA", "PLSSVD": "PLSSVD", "MMCL, RBF features": "MMCL rbf",
             "CLIP, Nystroem features": "CLIP", "regularised CLIP": "CLIP reg",
             "InfoLOOB": "InfoLOOB", "CLOOB": "CLOOB",
             "`MTMKClassifier.embed` (uses the labels)": "MTMK embed"}
    table = table_after("| method | recall@1, pix-fou |")
    assert [r[0] for r in table] == list(names)
    for method, *cells in table:
        for printed, (pair, metric) in zip(cells, [("pix-fou", "recall@1"),
                                                   ("pix-fou", "class_match"),
                                                   ("pix-zer", "recall@1"),
                                                   ("pix-zer", "class_match")]):
            row = rows[(pair, names[method])]
            for shown, column in zip(numbers(printed), (metric, f"{metric}_low",
                                                        f"{metric}_high")):
                check(shown, float(row[column]), f"retrieval {method} {pair} {column}")


def _slope_cells(entry):
    return [entry["slope"], entry["ci_low"], entry["ci_high"]]


def test_quick_rates_table():
    summary = json.loads((RESULTS / "theory" / "quick" / "summary.json").read_text())
    rates = {e["metric"]: e for e in summary["n_rates"] if e["method"] == "mtmk_l1"}
    table = table_after("| check | measured | predicted |")
    expected = [_slope_cells(rates["estimation_error"]), _slope_cells(rates["excess_logistic"]),
                _slope_cells(summary["kernel_count"][0])]
    for (check_name, measured, _), values in zip(table, expected):
        for shown, value in zip(numbers(measured), values):
            check(shown, value, check_name)
    caption = README[README.index("*The quick rate simulation"):][:300]
    slope = numbers(caption[caption.index("slope"):])[:3]
    for shown, value in zip(slope, _slope_cells(rates["estimation_error"])):
        check(shown, value, "figure caption")


def test_paper_rates_table():
    summary = json.loads((RESULTS / "theory" / "paper" / "summary.json").read_text())
    fits = [e for e in summary["n_rates"] if e["metric"] == "estimation_error"]
    table = table_after("| fitted slope (95% bootstrap interval) |")
    assert len(table) == 5
    for row in table[:4]:
        family = "polynomial" if "polynomial" in row[0] else "laplacian"
        for cell, method in zip(row[1:3], ("mtmk_l1", "mtmk_l2")):
            entry = next(e for e in fits if e["method"] == method and e["family"] == family)
            if "400-3200" in row[0]:
                entry = entry["upper_half"]
            for shown, value in zip(numbers(cell), _slope_cells(entry)):
                check(shown, value, f"paper {row[0]} {method}")


def test_alignment_sharing_table():
    from mtmk.stats import mean_interval

    rows = read_csv("alignment_sharing.csv")
    protocols = {
        "paper (lam_group 0.04 for both, 50 texts per task)": "paper (lam_group 0.04, 50",
        "lam_group tuned per method by nested 3-fold CV": "tuned (nested CV",
        "paper, 20 texts per task": "(20 texts",
        "paper, 10 texts per task": "(10 texts",
    }
    table = table_after("| protocol | all rows | images | texts |")
    assert [r[0] for r in table] == list(protocols)
    for protocol, *cells in table:
        seeds = [r for r in rows if protocols[protocol] in r["protocol"]]
        assert len(seeds) == 5, protocol
        for cell, side in zip(cells, ("all", "image", "text")):
            diff = [float(r[f"mtmk_{side}"]) - float(r[f"single_{side}"]) for r in seeds]
            mean, _, low, high = mean_interval(diff)
            for shown, value in zip(numbers(cell), (mean, low, high)):
                check(shown, value, f"sharing {protocol} {side}")


def test_mfeat_alignment_table():
    rows = {(r["tuning"], r["comparison"].split(" - ")[0], r["modality"]): r
            for r in read_csv("alignment_mfeat_differences.csv")}
    table = table_after("| pix vs Fourier | all rows | images | texts |")
    assert len(table) == 6
    for label, *cells in table:
        variant, tuning = label.split(", ")
        tuning = tuning.split()[0]  # "fixed penalties" -> "fixed"
        for cell, modality in zip(cells, ("all", "image", "text")):
            row = rows[(tuning, f"MTMK {variant}", modality)]
            for shown, column in zip(numbers(cell), ("mean", "low", "high")):
                check(shown, float(row[column]), f"mfeat {label} {modality}")


def test_contrastive_timing_sentence():
    seconds = {r["loss"]: float(r["seconds"]) for r in read_csv("contrastive_timing.csv")}
    sentence = README[README.index("Training `ContrastiveAligner` on 10,000 pairs"):][:200]
    shown = numbers(sentence[sentence.index("CLIP"):])[:4]
    for printed, loss in zip(shown, ("clip", "clip_reg", "infoloob", "cloob")):
        check(printed, seconds[loss], f"timing {loss}")


def test_large_scale_table():
    rows = read_csv("bench_scale_large.csv")
    table = table_after("| data | n | method | fit | features / solver |")
    assert len(table) == len(rows)
    for cells, row in zip(table, rows):
        data, n, method = cells[:3]
        assert (data, numbers(n)[0]) == (row["data"], row["n"])
        assert method.split(",")[0].split()[0] == row["method"].split()[0]
        fit, split, sweeps, per_sweep, certificate, rss, loss, hamming, ratio, load = cells[3:]
        where = f"large, {data} n={n} {method}"
        printed = [(fit, "fit_seconds"), (rss, "peak_rss_gib"), (loss, "held_out_log_loss"),
                   (hamming, "held_out_hamming"), (load, "load_before")]
        if row["sweeps"]:
            features, solver = numbers(split)
            printed += [(features, "feature_seconds"), (solver, "solver_seconds"),
                        (sweeps, "sweeps"), (per_sweep, "seconds_per_sweep"),
                        (certificate, "certificate"), (ratio, "time_ratio_vs_sklearn")]
        for text, column in printed:
            check(numbers(text)[0], float(row[column]), f"{where}, {column}")


def test_distributed_table():
    rows = {r["mode"]: r for r in read_csv("bench_distributed.csv")}
    table = table_after("| run | fit | set-up / solver |")
    assert len(table) == len(rows) == 3
    modes = ["in process", "2-worker LocalCluster", "2-worker LocalCluster, allocator tuned"]
    for cells, mode in zip(table, modes):
        row = rows[mode]
        run, fit, split, sweeps, certificate, memory, exchanged, load = cells
        where = f"distributed, {run}"
        printed = [(fit, "fit_seconds"), (sweeps, "sweeps"), (certificate, "certificate"),
                   (load, "load_before")]
        if mode == "in process":
            printed.append((memory, "peak_rss_gib"))
        else:
            setup, solver = numbers(split)
            worker, client = numbers(memory)
            assert {float(v) for v in row["worker_peak_rss_gib"].split(";")} == {float(worker)}
            kib, calls = numbers(exchanged)
            printed += [(setup, "setup_seconds"), (solver, "solver_seconds"),
                        (client, "client_peak_rss_gib"), (kib, "kib_per_sweep"),
                        (calls, "calls_per_sweep")]
        for text, column in printed:
            check(numbers(text)[0], float(row[column]), f"{where}, {column}")
    gaps = README[README.index("All three reach the same objective"):][:120]
    check(numbers(gaps)[0], max(float(r["objective_gap"]) for r in rows.values()),
          "distributed objective gap")


def test_real_data_table():
    rows = {r["set"]: r for r in read_csv("bench_real_summary.csv")}
    table = table_after("| set | kind | metric | train / test rows |")
    assert sorted(r[0] for r in table) == sorted(rows)
    for name, _, _, _, default, tuned, best, score, gap, gap_default, ratio in table:
        row = rows[name]
        check(numbers(default)[0], float(row["MTMK default"]), name)
        check(numbers(tuned)[0], float(row["MTMK tuned"]), name)
        assert best == row["best tuned baseline"], name
        check(numbers(score)[0], float(row["baseline score"]), name)
        for printed, column in ((gap, "tuned - best baseline"),
                                (gap_default, "default - tuned")):
            for shown, value in zip(numbers(printed), numbers(row[column])):
                check(shown, float(value), f"{name} {column}")
        check(numbers(ratio)[0], float(row["time ratio"]), name)
