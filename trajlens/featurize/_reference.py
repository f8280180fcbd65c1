"""Plain NumPy twins of the numba kernels in ``_kernels.py``, for tests (float64 throughout)."""

from __future__ import annotations

import itertools

import numpy as np


def displacement(xyz: np.ndarray, i: np.ndarray, j: np.ndarray, boxes: np.ndarray | None):
    """x_j - x_i for index arrays i, j; minimum image over all 27 neighbours if ``boxes``."""
    d = xyz[:, j, :].astype(np.float64) - xyz[:, i, :].astype(np.float64)
    if boxes is None:
        return d
    boxes = boxes.astype(np.float64)
    inv = np.linalg.inv(boxes)
    s = np.einsum("fkd,fde->fke", d, inv)
    s -= np.floor(s + 0.5)
    d = np.einsum("fke,fed->fkd", s, boxes)
    best = d.copy()
    best_r2 = np.sum(d * d, axis=-1)
    for shift in itertools.product((-1, 0, 1), repeat=3):
        t = d + np.einsum("e,fed->fd", np.asarray(shift, float), boxes)[:, None, :]
        r2 = np.sum(t * t, axis=-1)
        better = r2 < best_r2
        best[better] = t[better]
        best_r2 = np.minimum(best_r2, r2)
    return best


def distances(xyz, pairs, boxes=None):
    d = displacement(xyz, pairs[:, 0], pairs[:, 1], boxes)
    return np.sqrt(np.sum(d * d, axis=-1))


def dihedrals(xyz, quartets, boxes=None):
    b1 = displacement(xyz, quartets[:, 0], quartets[:, 1], boxes)
    b2 = displacement(xyz, quartets[:, 1], quartets[:, 2], boxes)
    b3 = displacement(xyz, quartets[:, 2], quartets[:, 3], boxes)
    c1 = np.cross(b2, b3)
    c2 = np.cross(b1, b2)
    p1 = np.sum(b1 * c1, axis=-1) * np.linalg.norm(b2, axis=-1)
    p2 = np.sum(c1 * c2, axis=-1)
    return np.arctan2(p1, p2)
