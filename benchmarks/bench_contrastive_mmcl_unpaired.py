"""MMCL with unpaired data: retrieval accuracy against the number of unpaired samples.

Nakada linear model (d1 = 40, d2 = 39, r = 10, heteroscedastic noise around
sd 0.3, no nuisance directions), 300 paired
training samples plus N unpaired x's and N unpaired y's (generated as pairs,
then the y's shuffled so the pairing is hidden).  Test: top-1 retrieval of the
true y among 10,000 test candidates, for each of 10,000 test x's, by cosine
similarity of the MMCL embeddings (raw inner products favour high-norm
candidates).  Also the sin-theta distance (Frobenius, / sqrt(r)) of the x
subspace.  Oracle:
MMCL fitted on the 300 pairs plus the N unpaired samples with their true
pairing.  Authors' notebooks: about 0.40 (paired only) rising to 0.60 with 4000
unpaired samples.  3 seeds.
Run from the repository root: python -m benchmarks.bench_contrastive_mmcl_unpaired
"""

import numpy as np

from benchmarks._harness import argument_parser, machine_header, pyplot, save_figure, write_csv
from mtmk.contrastive import (
    MMCL,
    make_nakada_linear,
    normalize_rows,
    recall_at_k,
    sin_theta_distance,
)

N_PAIRED, N_TEST = 300, 10_000


def main(argv=None):
    args = argument_parser(__spec__.name, __doc__).parse_args(argv)
    machine_header(__spec__.name, argv)
    counts = [0, 500, 1000, 2000, 4000]
    seeds = range(3)
    model_kw = dict(nuisance_rank=0)
    print(f"protocol: {N_PAIRED} pairs + N unpaired, test top-1 retrieval among {N_TEST} "
          f"candidates, data model {model_kw}, MMCL(n_components=10, n_unpaired_rounds=3, "
          "all unpaired samples in one detection batch, cosine pair detection), 3 seeds")
    rows = []
    for seed in seeds:
        data = make_nakada_linear(n_samples=N_PAIRED + max(counts) + N_TEST, random_state=seed,
                                  **model_kw)
        test = slice(N_PAIRED + max(counts), None)
        X, Y = data.X[:N_PAIRED], data.Y[:N_PAIRED]
        rng = np.random.default_rng(seed)
        for count in counts:
            Xu = data.X[N_PAIRED:N_PAIRED + count]
            Yu_true = data.Y[N_PAIRED:N_PAIRED + count]
            Yu = Yu_true[rng.permutation(count)]
            if count == 0:
                semi = MMCL(n_components=10).fit(X, Y)
                oracle = semi
                precision = np.nan
            else:
                semi = MMCL(n_components=10, random_state=seed).fit(
                    X, Y, X_unpaired=Xu, Y_unpaired=Yu)
                oracle = MMCL(n_components=10).fit(np.vstack([X, Xu]), np.vstack([Y, Yu_true]))
                ix, iy = semi.detected_pairs_
                # A detected pair is right when the y really belongs to the x.
                precision = float(np.mean(np.all(Yu[iy] == Yu_true[ix], axis=1)))
            acc = {}
            for name, model in (("mmcl_unpaired", semi), ("oracle_true_pairs", oracle)):
                U, V = model.transform(data.X[test], data.Y[test])
                acc[name] = recall_at_k(normalize_rows(U)[0], normalize_rows(V)[0], 1)["x_to_y"][1]
                acc[name + "_sin_theta"] = sin_theta_distance(model.x_weights_, data.U1, "fro")
            rows.append(dict(seed=seed, n_unpaired=count, **acc, detected_pair_precision=precision))
            print(f"seed {seed} unpaired {count:5d}: MMCL+unpaired {acc['mmcl_unpaired']:.3f}  "
                  f"oracle {acc['oracle_true_pairs']:.3f}  "
                  f"detected-pair precision {precision:.3f}  "
                  f"sin-theta MMCL+unpaired {acc['mmcl_unpaired_sin_theta']:.3f} "
                  f"oracle {acc['oracle_true_pairs_sin_theta']:.3f}")
    write_csv(args.out / "contrastive_mmcl_unpaired.csv", rows)

    print(f"{'unpaired':>8} | {'MMCL+unpaired':>16} | {'oracle (true pairs)':>20}   mean +- sd")
    means = {}
    for count in counts:
        sel = [r for r in rows if r["n_unpaired"] == count]
        m = {k: (np.mean([r[k] for r in sel]), np.std([r[k] for r in sel]))
             for k in ("mmcl_unpaired", "oracle_true_pairs")}
        means[count] = m
        print(f"{count:8d} | {m['mmcl_unpaired'][0]:8.3f}+-{m['mmcl_unpaired'][1]:.3f} | "
              f"{m['oracle_true_pairs'][0]:12.3f}+-{m['oracle_true_pairs'][1]:.3f}")

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label in (("mmcl_unpaired", "MMCL + unpaired (detected pairs)"),
                       ("oracle_true_pairs", "oracle: true pairs")):
        ax.errorbar(counts, [means[c][key][0] for c in counts],
                    yerr=[means[c][key][1] for c in counts], marker="o", capsize=3, label=label)
    ax.plot([500, 1000, 2000, 4000], [0.45, 0.52, 0.58, 0.60], "k:",
            label="authors' notebook (reported)")
    ax.set_xlabel("number of unpaired samples per view")
    ax.set_ylabel(f"top-1 retrieval accuracy among {N_TEST}")
    ax.set_title(f"Nakada model, {N_PAIRED} pairs, 3 seeds")
    ax.legend()
    save_figure(fig, args.out / "contrastive_mmcl_unpaired.png")


if __name__ == "__main__":
    main()
