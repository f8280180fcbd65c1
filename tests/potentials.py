"""Analytic potentials with known minima, and exact Boltzmann sampling on a fine grid."""

from __future__ import annotations

import numpy as np

from trajlens.datasets import MUELLER_BROWN_MINIMA, mueller_brown

__all__ = ["MUELLER_BROWN_MINIMA", "boltzmann_grid", "mueller_brown", "sample_boltzmann"]


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
