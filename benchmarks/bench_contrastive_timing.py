"""Training time of ContrastiveAligner, each loss, 10,000 pairs x 64-d, 1000 Adam steps.

Run: PYTHONPATH=. python benchmarks/bench_contrastive_timing.py
"""

import time

from _common import limit_threads

limit_threads()

import numpy as np  # noqa: E402
from _common import machine_header, write_csv  # noqa: E402

from mtmk.contrastive import ContrastiveAligner, recall_at_k  # noqa: E402

machine_header(__file__)
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
    start = time.perf_counter()
    model.fit(X, Y)
    seconds = time.perf_counter() - start
    U, V = model.transform(X[:2000], Y[:2000])
    r1 = recall_at_k(U, V, 1)["x_to_y"][1]
    print(f"{loss:9s} steps={model.n_iter_:5d}  fit {seconds:6.2f} s  "
          f"recall@1 (2000 train pairs) {r1:.3f}")
    rows.append(dict(loss=loss, n_pairs=n, dim=d, steps=model.n_iter_, seconds=round(seconds, 3),
                     under_30s=seconds < 30, recall_at_1=round(r1, 4)))
write_csv("contrastive_timing.csv", rows)
