"""Analytic potentials with known minima, and exact Boltzmann sampling on a fine grid."""

from __future__ import annotations

import numpy as np

# Müller & Brown, Theor. Chim. Acta 53, 75 (1979)
_A = np.array([-200.0, -100.0, -170.0, 15.0])
_a = np.array([-1.0, -1.0, -6.5, 0.7])
_b = np.array([0.0, 0.0, 11.0, 0.6])
_c = np.array([-10.0, -10.0, -6.5, 0.7])
_x0 = np.array([1.0, 0.0, -0.5, -1.0])
_y0 = np.array([0.0, 0.5, 1.5, 1.0])

#: The three minima of the Müller–Brown potential (to 1e-3).
MUELLER_BROWN_MINIMA = np.array([[-0.558, 1.442], [0.623, 0.028], [-0.050, 0.467]])


def mueller_brown(x, y):
    x = np.asarray(x, dtype=float)[..., None]
    y = np.asarray(y, dtype=float)[..., None]
    terms = _A * np.exp(_a * (x - _x0) ** 2 + _b * (x - _x0) * (y - _y0) + _c * (y - _y0) ** 2)
    return terms.sum(axis=-1)


def boltzmann_grid(potential, kT, lo=(-1.6, -0.4), hi=(1.1, 2.0), n=600):
    """Fine grid (centres) and exact normalised Boltzmann probabilities of its cells."""
    xs = np.linspace(lo[0], hi[0], n)
    ys = np.linspace(lo[1], hi[1], n)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    V = potential(gx, gy)
    p = np.exp(-(V - V.min()) / kT)
    return gx, gy, p / p.sum()


def sample_boltzmann(potential, kT, n_samples, seed=0, **grid):
    """Independent samples from exp(-V/kT) (exact up to the fine grid's resolution)."""
    rng = np.random.default_rng(seed)
    gx, gy, p = boltzmann_grid(potential, kT, **grid)
    idx = rng.choice(p.size, size=n_samples, p=p.reshape(-1))
    dx = gx[1, 0] - gx[0, 0]
    dy = gy[0, 1] - gy[0, 0]
    jitter = rng.uniform(-0.5, 0.5, size=(n_samples, 2)) * [dx, dy]
    return np.column_stack([gx.reshape(-1)[idx], gy.reshape(-1)[idx]]) + jitter
