"""Training time of ContrastiveAligner, each loss, 10,000 pairs x 64-d, 1000 Adam steps.

Run from the repository root: python -m benchmarks.bench_contrastive_timing
"""

import numpy as np

from benchmarks._harness import argument_parser, machine_header, timer, write_csv
from mtmk.contrastive import ContrastiveAligner, recall_at_k


def main(argv=None):
    args = argument_parser(__spec__.name, __doc__).parse_args(argv)
    machine_header(__spec__.name, argv)
    rng = np.random.default_rng(0)
    n, d = 10_000, 64
    latent = rng.normal(size=(n, 16))
    X = latent @ rng.normal(size=(16, d)) + rng.normal(size=(n, d))
    Y = latent @ rng.normal(size=(16, d)) + rng.normal(size=(n, d))
    print(f"protocol: n={n} pairs, {d}-d views, linear feature map, n_components=32, "
          "batch_size=256, max_iter=1000 steps (tol=None), 1 BLAS thread, one run per loss")
    rows = []
    for loss in ("clip", "clip_reg", "infoloob", "cloob"):
        model = ContrastiveAligner(loss=loss, n_components=32, batch_size=256, max_iter=1000,
                                   tol=None, random_state=0)
        with timer() as fit:
            model.fit(X, Y)
        seconds = fit.seconds
        U, V = model.transform(X[:2000], Y[:2000])
        r1 = recall_at_k(U, V, 1)["x_to_y"][1]
        print(f"{loss:9s} steps={model.n_iter_:5d}  fit {seconds:6.2f} s  "
              f"recall@1 (2000 train pairs) {r1:.3f}")
        rows.append(dict(loss=loss, n_pairs=n, dim=d, steps=model.n_iter_,
                         seconds=round(seconds, 3), under_30s=seconds < 30,
                         recall_at_1=round(r1, 4)))
    write_csv(args.out / "contrastive_timing.csv", rows)


if __name__ == "__main__":
    main()
