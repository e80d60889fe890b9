"""What every two-view embedding shares: transform, fit_transform, similarity."""

__all__ = ["TwoViewEmbedding"]


class TwoViewEmbedding:
    """Mixin for transformers fitted on paired views ``(X, Y)``.

    Subclasses define ``embed_x`` and ``embed_y``; this mixin gives the
    scikit-learn transformer methods and the cross-view similarity on top of
    them, and marks the second view as required.
    """

    def transform(self, X, Y=None):
        """Embed X (and Y), like ``PLSSVD.transform``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_x)
            First-view samples.
        Y : array-like of shape (n_samples_y, n_features_y), default=None
            Second-view samples; when given, their embeddings are returned too.

        Returns
        -------
        U : ndarray of shape (n_samples, n_components)
            Embeddings of X, or the tuple ``(U, V)`` when Y is given.
        """
        U = self.embed_x(X)
        return U if Y is None else (U, self.embed_y(Y))

    def fit_transform(self, X, y=None, **fit_params):
        """Fit on the pairs and return the embeddings of X.

        As for every scikit-learn transformer, ``fit_transform(X, Y)`` equals
        ``fit(X, Y).transform(X)``; ``fit(X, Y).transform(X, Y)`` gives both views.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            First view.
        y : array-like of shape (n_samples, n_features_y)
            Second view ``Y``, paired row by row with X (named ``y`` as in
            :meth:`sklearn.base.TransformerMixin.fit_transform`).
        **fit_params : dict
            Passed to :meth:`fit`.

        Returns
        -------
        U : ndarray of shape (n_samples, n_components)
            Embeddings of X.
        """
        return self.fit(X, y, **fit_params).transform(X)

    def similarity(self, X, Y):
        """Similarities ``<g(x_i), h(y_j)>`` of the embeddings of all rows of X and Y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_x)
            First-view samples.
        Y : array-like of shape (n_samples_y, n_features_y)
            Second-view samples.

        Returns
        -------
        ndarray of shape (n_samples, n_samples_y)
            Cosines when the embeddings have unit length.
        """
        return self.embed_x(X) @ self.embed_y(Y).T

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True  # the second view is mandatory
        tags.target_tags.multi_output = True
        return tags
