"""Plain NumPy twins of ``_kernels_environment.py`` (float64; scipy's spherical harmonics)."""

from __future__ import annotations

import numpy as np
from scipy import special

from trajlens.featurize._reference import displacement, switch


def _vectors(xyz, center, neighbours, boxes):
    others = np.array([j for j in neighbours if j != center], dtype=np.int64)
    d = displacement(xyz, np.full(others.size, center), others, boxes)
    return d, np.linalg.norm(d, axis=-1)


def coordination_number(xyz, center, neighbours, boxes=None, **switch_params):
    """sum_{j != center} s(r_ij) per frame."""
    _, r = _vectors(xyz, center, neighbours, boxes)
    return switch(r, **switch_params).sum(axis=1)


def spherical_harmonics(ell: int, d: np.ndarray) -> np.ndarray:
    """Y_lm(d) for m = -l..l (last axis), orthonormal, Condon-Shortley phase (scipy)."""
    r = np.linalg.norm(d, axis=-1)
    theta = np.arccos(np.clip(d[..., 2] / r, -1.0, 1.0))
    phi = np.arctan2(d[..., 1], d[..., 0])
    ms = np.arange(-ell, ell + 1)
    return np.stack([special.sph_harm_y(ell, m, theta, phi) for m in ms], axis=-1)


def steinhardt(xyz, center, neighbours, ell, boxes=None, **switch_params):
    """PLUMED's Q_l of one centre: |sum_j s_ij Y_lm(r_ij)| / sum_j s_ij per frame."""
    d, r = _vectors(xyz, center, neighbours, boxes)
    w = switch(r, **switch_params)
    q = np.sum(w[..., None] * spherical_harmonics(ell, d), axis=1)
    return np.sqrt(np.sum(np.abs(q) ** 2, axis=-1)) / w.sum(axis=1)


def cutoff(r, rc):
    return np.where(r < rc, 0.5 * (np.cos(np.pi * r / rc) + 1.0), 0.0)


def symmetry_g2(xyz, center, neighbours, eta, rs, rc, boxes=None):
    _, r = _vectors(xyz, center, neighbours, boxes)
    return np.sum(np.exp(-eta * (r - rs) ** 2) * cutoff(r, rc), axis=1)


def symmetry_g4(xyz, center, neighbours, eta, zeta, lam, rc, boxes=None):
    """Behler's G4 over unordered neighbour pairs j < k; r_jk = |d_ik - d_ij|."""
    d, r = _vectors(xyz, center, neighbours, boxes)
    out = np.zeros(xyz.shape[0])
    n = r.shape[1]
    j, k = np.triu_indices(n, 1)
    rij, rik = r[:, j], r[:, k]
    cos = np.sum(d[:, j] * d[:, k], axis=-1) / (rij * rik)
    rjk = np.linalg.norm(d[:, k] - d[:, j], axis=-1)
    base = np.clip(1.0 + lam * cos, 0.0, None)
    terms = (
        base**zeta
        * np.exp(-eta * (rij**2 + rik**2 + rjk**2))
        * cutoff(rij, rc)
        * cutoff(rik, rc)
        * cutoff(rjk, rc)
    )
    out += 2.0 ** (1.0 - zeta) * terms.sum(axis=1)
    return out
