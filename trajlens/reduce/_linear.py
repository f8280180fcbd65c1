"""What the linear projections (PCA, TICA) share: x -> (x - mean_) @ components_.T."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from trajlens.reduce._validation import as_list


class LinearProjectionMixin:
    """``transform``/``fit_transform`` for estimators with fitted ``mean_`` and ``components_``."""

    def transform(self, X):
        """Project frames: ``(X - mean_) @ components_.T``; a list in gives a list out."""
        check_is_fitted(self)
        blocks, was_list = as_list(X)
        out = []
        for block in blocks:
            block = validate_data(self, block, reset=False, dtype=[np.float64, np.float32])
            out.append(((block - self.mean_) @ self.components_.T).astype(block.dtype, copy=False))
        return out if was_list else out[0]

    def fit_transform(self, X, y=None, weights=None):
        return self.fit(X, weights=weights).transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
