"""Zero-shot classification and cross-modal retrieval on learned embeddings."""

from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_array

from .._sklearn_compat import Interval, validate_params
from ._objectives import normalize_rows

# Similarity blocks are computed in row chunks so that 10,000 x 10,000
# retrieval does not allocate the full matrix at once.
_CHUNK = 1024


def _embeddings(E, name, min_samples=1):
    """A finite 2-D float array of embeddings (rows), named in the messages."""
    E = check_array(E, dtype=np.float64, input_name=name, ensure_min_samples=0)
    if E.shape[0] < min_samples:
        raise ValueError(f"{name} has {E.shape[0]} row(s); at least {min_samples} "
                         "needed here.")
    return E


def _nonzero_rows(E, name):
    """Refuse rows of zero norm: they have no direction to compare."""
    zero = np.flatnonzero(~(np.linalg.norm(E, axis=1) > 0))
    if zero.size:
        raise ValueError(
            f"{name} has {zero.size} row(s) of zero norm (first: row {zero[0]}): an "
            "embedding without direction has no similarity ranking. Drop those rows.")
    return E


@validate_params({"V": ["array-like"], "labels": ["array-like"]},
                 prefer_skip_nested_validation=True)
def class_prototypes(V, labels):
    """Class prototypes from second-view embeddings of class descriptions.

    ``c_k`` is the normalised mean of the normalised embeddings of class k's
    prompts.

    Parameters
    ----------
    V : array-like of shape (n_prompts, k)
        Embeddings of the class descriptions.
    labels : array-like of shape (n_prompts,)
        Class of each description.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
    C : ndarray of shape (n_classes, k)
    """
    V = normalize_rows(_nonzero_rows(_embeddings(V, "V"), "V"))[0]
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D (one label per prompt), got shape {labels.shape}.")
    if labels.shape[0] != V.shape[0]:
        raise ValueError(f"labels has {labels.shape[0]} entries for {V.shape[0]} prompts.")
    classes, index = np.unique(labels, return_inverse=True)
    sums = np.zeros((len(classes), V.shape[1]))
    np.add.at(sums, index, V)
    return classes, normalize_rows(sums)[0]


@validate_params({"U": ["array-like"], "C": ["array-like"], "classes": ["array-like", None]},
                 prefer_skip_nested_validation=True)
def zero_shot_predict(U, C, classes=None):
    """``argmax_k <u(x), c_k>``: the class whose prototype is most similar.

    Parameters
    ----------
    U : array-like of shape (n_samples, k)
        First-view embeddings.
    C : array-like of shape (n_classes, k)
        Prototypes from :func:`class_prototypes`.
    classes : array-like of shape (n_classes,), default=None
        Labels of the prototypes; ``None`` returns indices.

    Examples
    --------
    >>> import numpy as np
    >>> from mtmk.contrastive import class_prototypes, zero_shot_predict
    >>> prompts = np.array([[1.0, 0.1], [0.9, -0.1], [0.0, 1.0]])
    >>> classes, C = class_prototypes(prompts, ["cat", "cat", "dog"])
    >>> zero_shot_predict(np.array([[0.8, 0.2], [0.1, 0.9]]), C, classes)
    array(['cat', 'dog'], dtype='<U3')
    """
    U = _embeddings(U, "U")
    C = _embeddings(C, "C", min_samples=2)
    if U.shape[1] != C.shape[1]:
        raise ValueError(f"U has {U.shape[1]} embedding dimensions and the prototypes C "
                         f"{C.shape[1]}: embed both with the same fitted model.")
    if classes is not None:
        classes = np.asarray(classes)
        if classes.shape != (C.shape[0],):
            raise ValueError(f"classes must hold one label per prototype ({C.shape[0]}), "
                             f"got shape {classes.shape}.")
    index = np.argmax(U @ C.T, axis=1)
    return index if classes is None else classes[index]


def zero_shot_classify(estimator, X, Y_prompts, prompt_labels):
    """Zero-shot labels of X from prompts given in the other view.

    Parameters
    ----------
    estimator : fitted ContrastiveAligner or MMCL
        The two-view model.
    X : array-like of shape (n_samples, d_x)
        First-view samples to classify.
    Y_prompts : array-like of shape (n_prompts, d_y)
        Descriptions of the classes in the second view.
    prompt_labels : array-like of shape (n_prompts,)
        Class of each prompt.

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    classes, C = class_prototypes(estimator.embed_y(Y_prompts), prompt_labels)
    U = normalize_rows(estimator.embed_x(X))[0]
    return zero_shot_predict(U, C, classes)


def _ranks(A, B):
    """Rank of the true partner of each row of A among all rows of B (0 = best)."""
    n = A.shape[0]
    ranks = np.empty(n, dtype=np.int64)
    for start in range(0, n, _CHUNK):  # chunks of rows, not single samples
        block = A[start:start + _CHUNK] @ B.T
        rows = np.arange(block.shape[0])
        positive = block[rows, start + rows]
        ranks[start:start + _CHUNK] = (block > positive[:, None]).sum(axis=1)
    return ranks


@validate_params({"U": ["array-like"], "V": ["array-like"],
                  "k": [Interval(Integral, 1, None, closed="left"), "array-like"]},
                 prefer_skip_nested_validation=True)
def recall_at_k(U, V, k=(1, 5, 10)):
    """Cross-modal retrieval recall@k in both directions.

    Row i of U and row i of V are the true pair; recall@k is the fraction of
    queries whose partner is among the k most similar candidates (ties count
    in the query's favour).

    Parameters
    ----------
    U, V : array-like of shape (n, k)
        Embeddings of the two views, paired row by row (finite, n >= 2).
    k : int or sequence of int
        Ranks at which to count.

    Returns
    -------
    dict
        ``{"x_to_y": {k: recall}, "y_to_x": {k: recall}}``.

    Examples
    --------
    >>> import numpy as np
    >>> from mtmk.contrastive import recall_at_k
    >>> U = np.eye(3)
    >>> V = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    >>> recall_at_k(U, V, k=[1, 2])["x_to_y"]
    {1: 0.3333333333333333, 2: 1.0}
    """
    U = _embeddings(U, "U", min_samples=2)
    V = _embeddings(V, "V", min_samples=2)
    if U.shape[0] != V.shape[0]:
        raise ValueError(
            f"U and V must be paired row by row; got {U.shape[0]} and {V.shape[0]} rows.")
    if U.shape[1] != V.shape[1]:
        raise ValueError(f"U and V must have the same embedding dimension; got {U.shape[1]} "
                         f"and {V.shape[1]}.")
    ks = [k] if np.isscalar(k) else list(np.ravel(k))
    if not ks or not all(isinstance(v, (Integral, np.integer)) and v >= 1 for v in ks):
        raise ValueError(f"k must be a positive integer or a sequence of them, got {k!r}.")
    ks = [int(v) for v in ks]
    out = {}
    for name, (A, B) in {"x_to_y": (U, V), "y_to_x": (V, U)}.items():
        ranks = _ranks(A, B)
        out[name] = {kk: float(np.mean(ranks < kk)) for kk in ks}
    return out
