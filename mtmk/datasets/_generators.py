"""Alignment data in task form: simulated images and clinical codes, or real paired views.

Both follow the protocol of the MTMK paper's medical-imaging experiment: one
task per label, each with positive images and texts and as many negatives.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ._loaders import MFEAT_SHAPE, MFEAT_VIEWS, load_mfeat

#: Modality codes used by :func:`make_alignment_data` (``modality`` column).
MODALITIES = ("image", "text")

def _check_int(name, value, minimum):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def _check_nonneg(name, value):
    if not isinstance(value, Real) or isinstance(value, bool) or not np.isfinite(value) \
            or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")
    return float(value)


def make_alignment_data(n_tasks=6, n_images=100, n_texts=50, image_dim=784, text_dim=200,
                        latent_dim=10, image_noise=1.2, text_noise=1.5,
                        text_embedding_noise=2.0, text_embedding="pad",
                        random_state=None):
    """Simulated image / clinical-code alignment data in task form.

    Follows the protocol of the MTMK paper's medical-imaging experiment (one
    task per organ-like label; per task ``n_images`` positive images and
    ``n_texts`` positive concept texts of a lower dimension embedded in the
    image space; balanced negatives from the other labels; a modality per row).

    Generating process (all draws from one ``random_state``):

    1. Label ``t`` has a latent centre ``mu_t ~ N(0, I_q)``, ``q = latent_dim``.
    2. An **image** of label ``t``: a latent code ``z = mu_t + image_noise * e``
       with ``e ~ N(0, I_q)``, rendered by a fixed random one-hidden-layer
       "scanner" ``x = sigmoid(A relu(G z) / sqrt(h) + b)``, ``G`` of shape
       (h, q) with h = 2 q, then pixel noise ``N(0, 0.05^2)``; pixels are
       clipped to [0, 1].  ``image_dim`` pixels (784 = 28 x 28 as in
       OrganCMNIST).
    3. A **concept text** of label ``t``: a latent code ``z = mu_t + text_noise
       * e`` (``text_noise > image_noise``: a clinical code is a noisier, more
       generic description of an organ than a scan), encoded *linearly* by a
       different fixed matrix ``B`` of shape (text_dim, q), ``B_jk ~ N(0, 1/q)``,
       plus isotropic embedding noise ``N(0, text_embedding_noise^2)`` in all
       ``text_dim`` coordinates (so the label signal is spread thinly over a
       noisy 200-d vector), and normalised to unit length like a sentence
       embedding.  ``text_embedding="pad"`` zero-pads the 200-d embedding to
       ``image_dim`` columns (the paper's choice); ``"project"`` maps it by a
       fixed random orthonormal (text_dim -> image_dim) matrix instead.
    4. **Negatives**: task t's negatives are fresh draws of the other labels,
       ``n_images`` negative images and ``n_texts`` negative texts, each from a
       label drawn uniformly from the others.  So every row belongs to
       exactly one task, and task t's own data are its ``2 (n_images +
       n_texts)`` rows (``task_mask``).

    The two modalities therefore differ in scale (pixels in [0, 1] over all
    columns vs unit-norm vectors on the first ``text_dim`` columns), in
    geometry (a non-linear image map vs a linear text map) and in difficulty
    (larger latent noise and fewer rows for texts).  Which kernel suits the
    text rows is hard to tell from one task's few text rows alone; all tasks
    share the same two encoders, which is what a shared kernel selection can
    exploit.  That is the model; whether sharing helps is measured, not
    built in.

    Parameters
    ----------
    n_tasks : int, default=6
        Number of labels (tasks), at least 2.
    n_images, n_texts : int, default=100, 50
        Positive images and texts per task (and as many negatives of each).
    image_dim, text_dim : int, default=784, 200
        Dimensions of the two modalities; ``text_dim <= image_dim``.
    latent_dim : int, default=10
        Dimension of the shared latent label space.
    image_noise, text_noise : float, default=1.2, 1.5
        Spread of the latent codes around the label centre per modality.
    text_embedding_noise : float, default=2.0
        Standard deviation of the isotropic noise added to every coordinate of
        a text embedding before normalisation (the part of a concept embedding
        unrelated to the organ).
    text_embedding : {"pad", "project"}, default="pad"
        How texts enter the image space.
    random_state : int, RandomState instance or None, default=None
        Seeds the draw.

    Returns
    -------
    data : Bunch
        ``X`` (n, image_dim) pooled inputs; ``Y`` (n, n_tasks) 0/1 indicator,
        ``Y[i, t] = 1`` iff row i shows label t; ``label`` (n,) the label shown;
        ``task`` (n,) the task a row belongs to; ``task_mask`` (n, n_tasks)
        0/1, the ``sample_weight`` that restricts every task to its own rows;
        ``modality`` (n,) strings in :data:`MODALITIES`; ``task_names``;
        ``DESCR``.  Rows are ordered by task, positives first, images before
        texts.

    Examples
    --------
    >>> from mtmk.datasets import make_alignment_data
    >>> data = make_alignment_data(n_tasks=3, n_images=20, n_texts=10, random_state=0)
    >>> data.X.shape, data.Y.shape
    ((180, 784), (180, 3))
    >>> sorted(set(data.modality.tolist()))
    ['image', 'text']
    """
    n_tasks = _check_int("n_tasks", n_tasks, 2)
    n_images = _check_int("n_images", n_images, 1)
    n_texts = _check_int("n_texts", n_texts, 1)
    image_dim = _check_int("image_dim", image_dim, 1)
    text_dim = _check_int("text_dim", text_dim, 1)
    latent_dim = _check_int("latent_dim", latent_dim, 1)
    image_noise = _check_nonneg("image_noise", image_noise)
    text_noise = _check_nonneg("text_noise", text_noise)
    text_embedding_noise = _check_nonneg("text_embedding_noise", text_embedding_noise)
    if text_dim > image_dim:
        raise ValueError(
            f"text_dim={text_dim} must not exceed image_dim={image_dim}: texts are "
            "embedded into the image space.")
    if text_embedding not in ("pad", "project"):
        raise ValueError(
            f"text_embedding must be 'pad' or 'project', got {text_embedding!r}.")
    rng = check_random_state(random_state)

    q, hidden = latent_dim, 2 * latent_dim
    centres = rng.normal(size=(n_tasks, q))
    G = rng.normal(size=(hidden, q))
    A = rng.normal(size=(image_dim, hidden))
    bias = rng.normal(scale=0.5, size=image_dim)
    B = rng.normal(size=(text_dim, q)) / np.sqrt(q)
    projection = None
    if text_embedding == "project":
        projection = np.linalg.qr(rng.normal(size=(image_dim, text_dim)))[0].T

    def images(labels):
        z = centres[labels] + image_noise * rng.normal(size=(labels.size, q))
        x = 1.0 / (1.0 + np.exp(-(np.maximum(z @ G.T, 0.0) @ A.T / np.sqrt(hidden) + bias)))
        return np.clip(x + 0.05 * rng.normal(size=x.shape), 0.0, 1.0)

    def texts(labels):
        z = centres[labels] + text_noise * rng.normal(size=(labels.size, q))
        c = z @ B.T + text_embedding_noise * rng.normal(size=(labels.size, text_dim))
        return _embed_texts(c, image_dim, projection)

    data = _task_form(images, texts, n_tasks, n_images, n_texts, rng)
    data.update(task_names=[f"organ{t}" for t in range(n_tasks)],
                DESCR=make_alignment_data.__doc__)
    return data


def _embed_texts(c, image_dim, projection):
    """Unit-normalise text rows and put them in the image space (pad or project)."""
    c = c / np.linalg.norm(c, axis=1, keepdims=True)
    if projection is not None:
        return c @ projection
    return np.hstack([c, np.zeros((c.shape[0], image_dim - c.shape[1]))])


def _task_form(images, texts, n_tasks, n_images, n_texts, rng):
    """Rows of the alignment protocol: per task, positives then negatives.

    ``images(labels)`` and ``texts(labels)`` return one row per label.  Task
    t's negatives have labels drawn uniformly from the other labels.
    """
    def others(t, size):
        draw = rng.randint(n_tasks - 1, size=size)
        return draw + (draw >= t)

    blocks, label, task, modality = [], [], [], []
    for t in range(n_tasks):
        parts = [(np.full(n_images, t), "image"), (np.full(n_texts, t), "text"),
                 (others(t, n_images), "image"), (others(t, n_texts), "text")]
        for labels, kind in parts:
            blocks.append(images(labels) if kind == "image" else texts(labels))
            label.append(labels)
            task.append(np.full(labels.size, t))
            modality.append(np.full(labels.size, kind, dtype=object))
    X = np.vstack(blocks)
    label, task = np.concatenate(label), np.concatenate(task)
    modality = np.concatenate(modality).astype(str)
    Y = (label[:, None] == np.arange(n_tasks)[None, :]).astype(int)
    mask = (task[:, None] == np.arange(n_tasks)[None, :]).astype(float)
    return Bunch(X=X, Y=Y, label=label, task=task, task_mask=mask, modality=modality)


def make_mfeat_alignment_data(text_view="fou", n_images=20, n_texts=10,
                              text_embedding="pad", random_state=None):
    """Real two-view alignment data in task form: pixels as "images", one view as "texts".

    The protocol of :func:`make_alignment_data` on the UCI multiple-features
    digits (:func:`load_mfeat`): one task per digit; task t's own rows are
    ``n_images`` pixel rows and ``n_texts`` ``text_view`` rows of digit t
    (positives) and as many of each from digits drawn uniformly among the
    others (negatives).  Every row is a different digit instance (drawn
    without replacement), so an image row and a text row never show the same
    scan.

    Preprocessing: pixels are divided by 6 (range [0, 1]); the text view is
    standardised column-wise over all 2000 digits (an unsupervised, label-free
    step) and every row normalised to unit length like a sentence embedding,
    then zero-padded to the 240 pixel columns (``"pad"``, the MTMK paper's
    choice) or mapped by a fixed random orthonormal (d -> 240) matrix
    (``"project"``).

    Parameters
    ----------
    text_view : {"fou", "fac", "kar", "zer", "mor"}, default="fou"
    n_images, n_texts : int, default=20, 10
        Positive pixel and text rows per task (and as many negatives of each).
    text_embedding : {"pad", "project"}, default="pad"
    random_state : int, RandomState instance or None, default=None
        Seeds the subsample, the negatives' labels and the projection.

    Returns
    -------
    data : Bunch
        As :func:`make_alignment_data` (``X``, ``Y``, ``label``, ``task``,
        ``task_mask``, ``modality``, ``task_names``, ``DESCR``) plus
        ``instance``, the row index of each row in :func:`load_mfeat`.

    Raises
    ------
    ValueError
        For an unknown or the pixel view as ``text_view``, a bad
        ``text_embedding``, or ``2 (n_images + n_texts)`` above the 200
        instances of a digit (or a random draw that needs more).
    """
    if text_view == "pix" or text_view not in MFEAT_VIEWS:
        raise ValueError(f"text_view must be one of {list(MFEAT_VIEWS)[1:]}, got "
                         f"{text_view!r}.")
    if text_embedding not in ("pad", "project"):
        raise ValueError(
            f"text_embedding must be 'pad' or 'project', got {text_embedding!r}.")
    n_images = _check_int("n_images", n_images, 1)
    n_texts = _check_int("n_texts", n_texts, 1)
    n, n_classes = MFEAT_SHAPE
    # A digit serves as its task's positives and, on average, as many other
    # tasks' negatives: about 2 (n_images + n_texts) of its 200 instances.
    if 2 * (n_images + n_texts) > n // n_classes:
        raise ValueError(
            f"n_images + n_texts = {n_images + n_texts} is too large: each digit has "
            f"{n // n_classes} instances and needs about 2 (n_images + n_texts).")
    rng = check_random_state(random_state)
    (pix, text), y = load_mfeat(views=["pix", text_view], return_X_y=True)
    pix = pix / 6.0
    sd = text.std(axis=0)
    text = (text - text.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    image_dim, text_dim = pix.shape[1], text.shape[1]
    projection = None
    if text_embedding == "project":
        projection = np.linalg.qr(rng.normal(size=(image_dim, text_dim)))[0].T
    pools = [list(rng.permutation(np.flatnonzero(y == c))) for c in range(n_classes)]
    instance = []

    def take(labels):
        if any(len(pools[c]) < np.sum(labels == c) for c in np.unique(labels)):
            raise ValueError("A digit ran out of instances for these n_images and n_texts "
                             "(negatives are drawn at random); lower them.")
        rows = np.array([pools[c].pop() for c in labels], dtype=int)
        instance.append(rows)
        return rows

    data = _task_form(lambda labels: pix[take(labels)],
                      lambda labels: _embed_texts(text[take(labels)], image_dim, projection),
                      n_classes, n_images, n_texts, rng)
    data.update(instance=np.concatenate(instance), task_names=[str(c) for c in range(n_classes)],
                DESCR=make_mfeat_alignment_data.__doc__)
    return data
