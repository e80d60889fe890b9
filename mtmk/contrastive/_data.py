"""Synthetic two-view data with known structure (documented generating processes)."""

import numpy as np
from sklearn.utils import Bunch, check_random_state


def _mismatch(Y, fraction, rng):
    """Shuffle the second view on a random ``fraction`` of the rows.

    Returns the new Y and a boolean mask of the rows whose partner is correct.
    """
    n = Y.shape[0]
    wrong = np.sort(rng.choice(n, int(round(fraction * n)), replace=False))
    Y = Y.copy()
    if wrong.size > 1:
        # A cyclic shift of a random order is a derangement: every chosen row
        # really does receive another row's partner.
        order = rng.permutation(wrong)
        Y[order] = Y[np.roll(order, 1)]
    matched = np.ones(n, dtype=bool)
    matched[wrong if wrong.size > 1 else []] = False
    return Y, matched


def _orthonormal(d, r, rng):
    Q, _ = np.linalg.qr(rng.normal(size=(d, r)))
    return Q


def make_latent_pairs(n_samples=1000, n_classes=10, latent_dim=8, n_features_x=32,
                      n_features_y=24, n_specific=4, specific_scale=1.0, noise=0.5,
                      class_sep=3.0, mismatch=0.0, n_prompts=5, random_state=None):
    """Two views of a shared, class-structured latent variable.

    Generating process: class ``y`` uniform; shared latent
    ``s = class_sep * m_y + N(0, I)`` with unit class directions ``m_y``;
    ``x = s A + specific_scale * t_x B_x + noise * e_x`` and likewise for y
    with its own maps, modality-specific latents ``t ~ N(0, I_{n_specific})``
    and Gaussian noise.  A fraction ``mismatch`` of the pairs is wrongly
    matched (their Y rows are exchanged).  Class descriptions for zero-shot
    (``Y_prompts``) are second-view samples drawn around each class direction
    (``s = class_sep * m_y + 0.3 N(0, I)``).

    Parameters
    ----------
    n_samples : int, default=1000
        Number of pairs.
    n_classes : int, default=10
        Number of classes.
    latent_dim : int, default=8
        Dimension of the shared latent.
    n_features_x : int, default=32
        Features of the first view.
    n_features_y : int, default=24
        Features of the second view.
    n_specific : int, default=4
        Dimension of each view's own latent.
    specific_scale : float, default=1.0
        Scale of the view-specific part.
    noise : float, default=0.5
        Standard deviation of the Gaussian noise.
    class_sep : float, default=3.0
        Distance of the class centres from the origin.
    mismatch : float in [0, 1], default=0.0
        Fraction of wrongly matched pairs.
    n_prompts : int, default=5
        Class descriptions per class.
    random_state : int, RandomState instance or None, default=None
        Seeds the draw.

    Returns
    -------
    Bunch with X, Y, y, latent, matched (bool: correctly paired rows),
    Y_prompts, prompt_labels.

    Examples
    --------
    >>> from mtmk.contrastive import MMCL, make_latent_pairs
    >>> data = make_latent_pairs(n_samples=200, random_state=0)
    >>> data.X.shape, data.Y.shape, data.y.shape
    ((200, 32), (200, 24), (200,))
    >>> U, V = MMCL(n_components=4).fit(data.X, data.Y).transform(data.X, data.Y)
    """
    rng = check_random_state(random_state)
    directions = rng.normal(size=(n_classes, latent_dim))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    A = rng.normal(size=(latent_dim, n_features_x)) / np.sqrt(latent_dim)
    C = rng.normal(size=(latent_dim, n_features_y)) / np.sqrt(latent_dim)
    Bx = rng.normal(size=(n_specific, n_features_x)) / np.sqrt(max(n_specific, 1))
    By = rng.normal(size=(n_specific, n_features_y)) / np.sqrt(max(n_specific, 1))

    def view(S, M, B, d):
        T = rng.normal(size=(S.shape[0], n_specific))
        return S @ M + specific_scale * T @ B + noise * rng.normal(size=(S.shape[0], d))

    y = rng.randint(n_classes, size=n_samples)
    latent = class_sep * directions[y] + rng.normal(size=(n_samples, latent_dim))
    X = view(latent, A, Bx, n_features_x)
    Y, matched = _mismatch(view(latent, C, By, n_features_y), mismatch, rng)
    prompt_labels = np.repeat(np.arange(n_classes), n_prompts)
    prompt_latent = class_sep * directions[prompt_labels] + 0.3 * rng.normal(
        size=(prompt_labels.size, latent_dim))
    Y_prompts = view(prompt_latent, C, By, n_features_y)
    return Bunch(X=X, Y=Y, y=y, latent=latent, matched=matched, Y_prompts=Y_prompts,
                 prompt_labels=prompt_labels)


def make_nakada_linear(n_samples=2000, d1=40, d2=39, r=10, noise=0.3, clean_fraction=1.0,
                       signal=(2.0, 1.0), heteroscedastic=True, nuisance_rank=5,
                       nuisance_scale=1.5, random_state=None):
    """The linear two-view model of Nakada et al. (d1 = 40, d2 = 39, r = 10).

    ``x = U1 L s + xi_x``, ``y = U2 L s + xi_y`` with ``s ~ N(0, I_r)``,
    orthonormal ``U1`` (d1 x r), ``U2`` (d2 x r) and signal strengths
    ``L = diag(linspace(*signal, r))``.  The noise of each view is independent
    of the other view: Gaussian with standard deviation ``noise`` (times a
    per-coordinate factor in [0.5, 2] when ``heteroscedastic``) plus a
    modality-specific low-rank part of rank ``nuisance_rank`` and standard
    deviation ``nuisance_scale``.  The noise model (heteroscedastic plus
    nuisance directions, which is what defeats unimodal PCA) is our
    **reconstruction** of the paper's setting.  A fraction
    ``1 - clean_fraction`` of pairs is wrongly matched.

    Parameters
    ----------
    n_samples : int, default=2000
        Number of pairs.
    d1 : int, default=40
        Features of the first view.
    d2 : int, default=39
        Features of the second view.
    r : int, default=10
        Dimension of the shared signal.
    noise : float, default=0.3
        Standard deviation of the isotropic noise.
    clean_fraction : float in (0, 1], default=1.0
        Fraction of correctly matched pairs.
    signal : tuple of float, default=(2.0, 1.0)
        Largest and smallest signal strength.
    heteroscedastic : bool, default=True
        Per-coordinate noise factors in [0.5, 2].
    nuisance_rank : int, default=5
        Rank of each view's own nuisance directions.
    nuisance_scale : float, default=1.5
        Standard deviation along the nuisance directions.
    random_state : int, RandomState instance or None, default=None
        Seeds the draw.

    Returns
    -------
    Bunch with X, Y, U1, U2, latent, matched.
    """
    rng = check_random_state(random_state)
    U1, U2 = _orthonormal(d1, r, rng), _orthonormal(d2, r, rng)
    strengths = np.linspace(signal[0], signal[1], r)
    latent = rng.normal(size=(n_samples, r)) * strengths

    def view(U, d):
        scale = noise * (rng.uniform(0.5, 2.0, size=d) if heteroscedastic else np.ones(d))
        xi = rng.normal(size=(n_samples, d)) * scale
        if nuisance_rank:
            N = _orthonormal(d, nuisance_rank, rng)
            xi += nuisance_scale * rng.normal(size=(n_samples, nuisance_rank)) @ N.T
        return latent @ U.T + xi

    X = view(U1, d1)
    Y, matched = _mismatch(view(U2, d2), 1.0 - clean_fraction, rng)
    return Bunch(X=X, Y=Y, U1=U1, U2=U2, latent=latent, matched=matched)


def make_correlated_gaussians(n_samples=1000, dim=5, mutual_information=None, rho=0.5,
                              random_state=None):
    """Pairs of correlated Gaussians with known mutual information.

    ``x ~ N(0, I_d)``, ``y = rho x + sqrt(1 - rho^2) e``; the mutual
    information is ``-d/2 log(1 - rho^2)`` nats.  Passing
    ``mutual_information`` sets rho from it.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of pairs.
    dim : int, default=5
        Dimension of each view.
    mutual_information : float or None, default=None
        Mutual information in nats; sets rho when given.
    rho : float, default=0.5
        Correlation of each coordinate pair.
    random_state : int, RandomState instance or None, default=None
        Seeds the draw.

    Returns
    -------
    Bunch with X, Y, rho, mutual_information.
    """
    rng = check_random_state(random_state)
    if mutual_information is not None:
        if mutual_information <= 0:
            raise ValueError("mutual_information must be > 0.")
        rho = float(np.sqrt(1.0 - np.exp(-2.0 * mutual_information / dim)))
    if not 0 <= rho < 1:
        raise ValueError(f"rho must be in [0, 1), got {rho}.")
    X = rng.normal(size=(n_samples, dim))
    Y = rho * X + np.sqrt(1 - rho**2) * rng.normal(size=(n_samples, dim))
    return Bunch(X=X, Y=Y, rho=rho, mutual_information=-0.5 * dim * np.log(1 - rho**2))


def gaussian_critic(X, Y, rho):
    """The optimal critic, the log density ratio of y_j given x_i, for every pair (i, j).

    Parameters
    ----------
    X : ndarray of shape (n, d)
        First view of :func:`make_correlated_gaussians`.
    Y : ndarray of shape (n, d)
        Second view.
    rho : float
        Correlation of the model.
    """
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    v = 1.0 - rho**2
    sq = (np.einsum("ij,ij->i", Y, Y)[None, :] - 2 * rho * X @ Y.T
          + rho**2 * np.einsum("ij,ij->i", X, X)[:, None])
    return -sq / (2 * v) - 0.5 * X.shape[1] * np.log(v) + 0.5 * np.einsum("ij,ij->i", Y, Y)[None, :]


def make_cooccurrence_pairs(n_samples=4000, n_concepts=16, n_features_x=64, n_features_y=64,
                            cooccurrence=0.7, companion_weight=0.7, background=0.05,
                            caption_keep=0.5, noise=0.5, n_prompts=5, random_state=None):
    """Image/caption pairs whose concepts co-occur (for CLIP versus CLOOB).

    Every sample has a primary concept ``y``; its companion concept
    ``(y + 1) mod K`` is present with probability ``cooccurrence`` (weight
    ``companion_weight``), every other concept with probability
    ``background`` (weight 0.5).  The image is ``x = c A + noise``.  The
    caption always mentions the primary concept and each other present
    concept with probability ``caption_keep``: ``y = c_mentioned B + noise``.
    Prompts of class k are ``e_k B + noise``.  Zero-shot target: ``y``.
    This data model is ours (the CLOOB paper has no synthetic one).

    Parameters
    ----------
    n_samples : int, default=4000
        Number of pairs.
    n_concepts : int, default=16
        Number of concepts K (the classes).
    n_features_x : int, default=64
        Features of the images.
    n_features_y : int, default=64
        Features of the captions.
    cooccurrence : float in [0, 1], default=0.7
        Probability that the companion concept is present.
    companion_weight : float, default=0.7
        Weight of the companion concept in the image.
    background : float in [0, 1], default=0.05
        Probability of every other concept.
    caption_keep : float in [0, 1], default=0.5
        Probability that the caption mentions a present non-primary concept.
    noise : float, default=0.5
        Standard deviation of the Gaussian noise.
    n_prompts : int, default=5
        Class descriptions per concept.
    random_state : int, RandomState instance or None, default=None
        Seeds the draw.

    Returns
    -------
    Bunch with X, Y, y, concepts, Y_prompts, prompt_labels.
    """
    rng = check_random_state(random_state)
    K = n_concepts
    A = rng.normal(size=(K, n_features_x))
    B = rng.normal(size=(K, n_features_y))
    y = rng.randint(K, size=n_samples)
    rows = np.arange(n_samples)
    concepts = 0.5 * (rng.uniform(size=(n_samples, K)) < background)
    companion = (y + 1) % K
    concepts[rows, companion] = np.where(rng.uniform(size=n_samples) < cooccurrence,
                                         companion_weight, concepts[rows, companion])
    concepts[rows, y] = 1.0
    mentioned = (concepts > 0) & (rng.uniform(size=concepts.shape) < caption_keep)
    mentioned[rows, y] = True
    X = concepts @ A + noise * rng.normal(size=(n_samples, n_features_x))
    Y = mentioned.astype(float) @ B + noise * rng.normal(size=(n_samples, n_features_y))
    prompt_labels = np.repeat(np.arange(K), n_prompts)
    Y_prompts = B[prompt_labels] + noise * rng.normal(size=(prompt_labels.size, n_features_y))
    return Bunch(X=X, Y=Y, y=y, concepts=concepts, Y_prompts=Y_prompts,
                 prompt_labels=prompt_labels)
