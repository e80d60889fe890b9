"""
The CLIP family in kernel form
==============================

Two views of a shared class-structured latent variable
(:func:`~mtmk.contrastive.make_latent_pairs`): closed-form MMCL, and encoders
trained with CLIP's InfoNCE and with CLOOB; then zero-shot classification from
class descriptions given in the second view, and retrieval.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from mtmk.contrastive import (
    MMCL,
    ContrastiveAligner,
    make_latent_pairs,
    recall_at_k,
    zero_shot_classify,
)

data = make_latent_pairs(n_samples=1200, random_state=0)
train, test = train_test_split(np.arange(len(data.y)), test_size=400, random_state=0)
models = {
    "MMCL (closed form)": MMCL(n_components=8),
    "CLIP (InfoNCE)": ContrastiveAligner(loss="clip", n_components=8, max_iter=300,
                                         tol=None, random_state=0),
    "CLOOB": ContrastiveAligner(loss="cloob", n_components=8, max_iter=300, tol=None,
                                random_state=0),
}
for model in models.values():
    model.fit(data.X[train], data.Y[train])

# %%
# Zero-shot: each test x gets the class whose prompt prototype is most similar;
# retrieval: how often the true partner y is among the 5 nearest test y's.
scores = {}
for name, model in models.items():
    predicted = zero_shot_classify(model, data.X[test], data.Y_prompts, data.prompt_labels)
    U, V = model.transform(data.X[test], data.Y[test])
    scores[name] = (np.mean(predicted == data.y[test]), recall_at_k(U, V, k=5)["x_to_y"][5])
    print(f"{name:20s} zero-shot accuracy {scores[name][0]:.3f}   recall@5 {scores[name][1]:.3f}")

fig, ax = plt.subplots(figsize=(6, 2.5))
names = list(scores)
ax.barh(names, [scores[k][0] for k in names], label="zero-shot accuracy")
ax.scatter([scores[k][1] for k in names], names, color="k", zorder=3, label="recall@5")
ax.set_xlim(0, 1)
ax.legend(loc="lower right")
fig.tight_layout()
