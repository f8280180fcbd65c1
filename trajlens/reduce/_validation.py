"""Shared input handling of the estimators: one array or a list of arrays (one per trajectory)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.utils.validation import check_array

from trajlens.exceptions import InputError


def is_trajectory_list(X) -> bool:
    """A list/tuple of 2-D arrays is several trajectories; anything else is one array."""
    return (
        isinstance(X, (list, tuple))
        and len(X) > 0
        and all(isinstance(x, np.ndarray) and x.ndim == 2 for x in X)
    )


def as_list(X, name: str = "X", dtype=(np.float64, np.float32)) -> tuple[list[np.ndarray], bool]:
    """Return ``(blocks, was_list)``: finite 2-D float arrays, one per trajectory."""
    if isinstance(X, (list, tuple)) and len(X) == 0:
        raise InputError(f"{name}: expected at least one array, got an empty list")
    was_list = is_trajectory_list(X)
    blocks = list(X) if was_list else [X]
    out = [check_array(b, dtype=list(dtype), input_name=name) for b in blocks]
    n_features = out[0].shape[1]
    for i, block in enumerate(out):
        if block.shape[1] != n_features:
            raise ValueError(
                f"{name}: trajectory {i} has {block.shape[1]} features, the first has {n_features}"
            )
    return out, was_list


def as_weights(
    weights, blocks: Sequence[np.ndarray], name: str = "weights"
) -> list[np.ndarray] | None:
    """Per-frame weights matching ``blocks`` (list or single array), or None."""
    if weights is None:
        return None
    several = isinstance(weights, (list, tuple)) and all(
        isinstance(w, np.ndarray) and w.ndim == 1 for w in weights
    )
    ws = list(weights) if several and len(blocks) > 1 else [weights]
    if len(ws) != len(blocks):
        raise ValueError(f"{name}: {len(ws)} arrays for {len(blocks)} trajectories")
    out = []
    for w, block in zip(ws, blocks, strict=True):
        w = np.asarray(w, dtype=np.float64).reshape(-1)
        if w.shape[0] != block.shape[0]:
            raise ValueError(f"{name}: {w.shape[0]} weights for {block.shape[0]} frames")
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError(f"{name}: expected finite, non-negative weights")
        out.append(w)
    return out
