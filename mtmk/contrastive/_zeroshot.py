"""Zero-shot classification and cross-modal retrieval on learned embeddings."""

import numpy as np

from ._objectives import normalize_rows

# Similarity blocks are computed in row chunks so that 10,000 x 10,000
# retrieval does not allocate the full matrix at once.
_CHUNK = 1024


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
    V = normalize_rows(np.asarray(V, dtype=np.float64))[0]
    labels = np.asarray(labels)
    if labels.shape[0] != V.shape[0]:
        raise ValueError(f"labels has {labels.shape[0]} entries for {V.shape[0]} prompts.")
    classes, index = np.unique(labels, return_inverse=True)
    sums = np.zeros((len(classes), V.shape[1]))
    np.add.at(sums, index, V)
    return classes, normalize_rows(sums)[0]


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
    index = np.argmax(np.asarray(U) @ np.asarray(C).T, axis=1)
    return index if classes is None else np.asarray(classes)[index]


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


def recall_at_k(U, V, k=(1, 5, 10)):
    """Cross-modal retrieval recall@k in both directions.

    Row i of U and row i of V are the true pair; recall@k is the fraction of
    queries whose partner is among the k most similar candidates (ties count
    in the query's favour).

    Parameters
    ----------
    U, V : array-like of shape (n, k)
        Embeddings of the two views, paired row by row.
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
    U = np.asarray(U, dtype=np.float64)
    V = np.asarray(V, dtype=np.float64)
    if U.shape[0] != V.shape[0]:
        raise ValueError(
            f"U and V must be paired row by row; got {U.shape[0]} and {V.shape[0]} rows.")
    ks = [int(k)] if np.isscalar(k) else [int(v) for v in k]
    out = {}
    for name, (A, B) in {"x_to_y": (U, V), "y_to_x": (V, U)}.items():
        ranks = _ranks(A, B)
        out[name] = {kk: float(np.mean(ranks < kk)) for kk in ks}
    return out
