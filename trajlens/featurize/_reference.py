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


def angles(xyz, triplets, boxes=None):
    u = displacement(xyz, triplets[:, 1], triplets[:, 0], boxes)
    v = displacement(xyz, triplets[:, 1], triplets[:, 2], boxes)
    cos = np.sum(u * v, axis=-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return np.arccos(np.clip(cos, -1.0, 1.0))


def inverse_distances(xyz, pairs, boxes=None):
    return 1.0 / distances(xyz, pairs, boxes)


def switch(r, kind="rational", r0=0.6, d0=0.0, nn=6, mm=12):
    """PLUMED switching functions, written from the PLUMED manual's formulas."""
    x = (np.asarray(r, dtype=np.float64) - d0) / r0
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "rational":
            s = (1.0 - x**nn) / (1.0 - x**mm)
            s = np.where(np.abs(x - 1.0) < 1e-8, nn / mm, s)
        elif kind == "exp":
            s = np.exp(-x)
        else:
            s = np.exp(-(x**2) / 2.0)
    return np.where(x <= 0.0, 1.0, s)


def coordination(xyz, group_a, group_b, boxes=None, **switch_params):
    """sum over unordered pairs {i in A, j in B}, i != j, of s(r_ij)."""
    pairs = sorted({tuple(sorted((i, j))) for i in group_a for j in group_b if i != j})
    pairs = np.array(pairs, dtype=np.int64)
    return switch(distances(xyz, pairs, boxes), **switch_params).sum(axis=1)


def min_distance(xyz, group_a, group_b, boxes=None):
    pairs = np.array([(i, j) for i in group_a for j in group_b], dtype=np.int64)
    return distances(xyz, pairs, boxes).min(axis=1)


def gyration_radius(xyz, atoms, boxes=None):
    """Unweighted Rg; with a box the group is made whole along the atom list first."""
    atoms = np.asarray(atoms)
    steps = displacement(xyz, atoms[:-1], atoms[1:], boxes)
    pos = np.concatenate([np.zeros((xyz.shape[0], 1, 3)), np.cumsum(steps, axis=1)], axis=1)
    pos -= pos.mean(axis=1, keepdims=True)
    return np.sqrt(np.mean(np.sum(pos * pos, axis=-1), axis=1))
