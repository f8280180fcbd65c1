"""Free-energy surfaces F = -kT ln P on a grid over one or more collective variables."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import gaussian_filter

from trajlens.exceptions import InputError

#: Molar gas constant in kJ/(mol K), as PLUMED uses for kBT.
R_KJ_PER_MOL_K = 8.314462618e-3


def kT(temperature: float) -> float:
    """Thermal energy in kJ/mol at ``temperature`` kelvin."""
    return R_KJ_PER_MOL_K * float(temperature)


@dataclass
class FreeEnergySurface:
    """A free-energy surface on a regular grid.

    Attributes
    ----------
    edges : list of ndarray
        Bin edges for each dimension.
    free_energy : ndarray of float64, shape (n_bins_0, n_bins_1, ...)
        F in kJ/mol, shifted so its minimum is 0; ``inf`` where nothing was sampled.
    probability : ndarray of float64, same shape
        Probability of each cell (sums to 1).
    temperature : float
        Kelvin.
    labels : tuple of str
        Names of the variables on each axis.
    """

    edges: list[np.ndarray]
    free_energy: np.ndarray
    probability: np.ndarray
    temperature: float
    labels: tuple[str, ...] = field(default=())
    units: str = "kJ/mol"

    @property
    def ndim(self) -> int:
        return len(self.edges)

    @property
    def centers(self) -> list[np.ndarray]:
        return [0.5 * (e[1:] + e[:-1]) for e in self.edges]

    @property
    def kT(self) -> float:
        return kT(self.temperature)

    def cell_of(self, X: np.ndarray) -> tuple[np.ndarray, ...]:
        """Grid index of each point (clipped to the grid), one array per dimension."""
        X = np.asarray(X, dtype=np.float64).reshape(-1, self.ndim)
        idx = []
        for d, e in enumerate(self.edges):
            i = np.searchsorted(e, X[:, d], side="right") - 1
            idx.append(np.clip(i, 0, e.size - 2))
        return tuple(idx)


def estimate(
    X: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    bins: int | tuple[int, ...] = 60,
    range: list[tuple[float, float]] | None = None,
    temperature: float = 300.0,
    smooth: float = 1.0,
    labels: tuple[str, ...] | None = None,
) -> FreeEnergySurface:
    """Histogram estimate of F = -kT ln P (kJ/mol).

    Parameters
    ----------
    X : ndarray, shape (n_frames, n_dims)
        Values of the variables (for example a 2-D projection).
    weights : ndarray, shape (n_frames,), optional
        Per-frame weights (for reweighting a biased run).
    bins : int or tuple of int, default 60
        Bins per dimension.
    range : list of (min, max), optional
        Grid limits; by default the data range padded by half a bin.
    temperature : float, default 300
        Kelvin; sets kT = R T.
    smooth : float, default 1.0
        Standard deviation, in bins, of a Gaussian filter applied to the histogram before
        taking the logarithm (0 disables it). It removes single-bin noise that would
        otherwise create spurious minima.
    labels : tuple of str, optional
        Axis names.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] < 2:
        raise InputError(f"free-energy surface: expected at least 2 frames, got shape {X.shape}")
    if temperature <= 0:
        raise InputError(f"--temperature: expected a positive value in kelvin, got {temperature}")
    n_dims = X.shape[1]
    if np.isscalar(bins):
        bins = (int(bins),) * n_dims
    if range is None:
        lo, hi = X.min(axis=0), X.max(axis=0)
        span = np.where(hi > lo, hi - lo, 1.0)
        pad = 0.5 * span / np.asarray(bins)
        range = [(float(a - p), float(b + p)) for a, b, p in zip(lo, hi, pad, strict=True)]
    hist, edges = np.histogramdd(X, bins=bins, range=range, weights=weights)
    hist = hist.astype(np.float64)
    if smooth > 0:
        sampled = hist > 0
        hist = gaussian_filter(hist, sigma=smooth, mode="constant")
        # keep the support: a cell counts as sampled if it or a neighbour held frames
        near = gaussian_filter(sampled.astype(float), sigma=smooth, mode="constant") > 1e-3
        hist[~near] = 0.0
    total = hist.sum()
    if total <= 0:
        raise InputError("free-energy surface: all weights are zero")
    prob = hist / total
    with np.errstate(divide="ignore"):
        F = -kT(temperature) * np.log(prob)
    F -= F[np.isfinite(F)].min()
    return FreeEnergySurface(
        edges=[np.asarray(e) for e in edges],
        free_energy=F,
        probability=prob,
        temperature=float(temperature),
        labels=tuple(labels) if labels is not None else tuple(f"x{d}" for d in np.arange(n_dims)),
    )
