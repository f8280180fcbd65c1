"""Free-energy surfaces F = -kT ln P on a grid over one or more collective variables.

Histogram or Gaussian kernel density (binned, with Scott's or Silverman's bandwidth),
periodic variables, per-frame weights, energies in kJ/mol (default), kcal/mol or kT, and
statistical errors of F by block analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import gaussian_filter

from trajlens.exceptions import InputError

#: Molar gas constant in kJ/(mol K), as PLUMED uses for kBT.
R_KJ_PER_MOL_K = 8.314462618e-3

#: Energy units understood by :func:`estimate`: kJ/mol per unit (``kT`` depends on T).
UNITS = ("kJ/mol", "kcal/mol", "kT")
KJ_PER_KCAL = 4.184


def kT(temperature: float) -> float:
    """Thermal energy in kJ/mol at ``temperature`` kelvin."""
    return R_KJ_PER_MOL_K * float(temperature)


def energy_unit(units: str, temperature: float) -> float:
    """kJ/mol in one ``units`` (kJ/mol, kcal/mol or kT at ``temperature``)."""
    if units == "kJ/mol":
        return 1.0
    if units == "kcal/mol":
        return KJ_PER_KCAL
    if units == "kT":
        return kT(temperature)
    raise InputError(f"--units: expected one of {', '.join(UNITS)}, got {units!r}")


@dataclass
class FreeEnergySurface:
    """A free-energy surface on a regular grid.

    Attributes
    ----------
    edges : list of ndarray
        Bin edges for each dimension.
    free_energy : ndarray of float64, shape (n_bins_0, n_bins_1, ...)
        F in ``units``, shifted so its minimum is 0; ``inf`` where nothing was sampled.
    probability : ndarray of float64, same shape
        Probability of each cell (sums to 1).
    temperature : float
        Kelvin.
    labels : tuple of str
        Names of the variables on each axis.
    units : str
        ``kJ/mol`` (default), ``kcal/mol`` or ``kT``.
    periodic : tuple of bool
        Per axis: the grid spans exactly one period and wraps around.
    error : ndarray of float64 or None, same shape as ``free_energy``
        Standard error of F (``units``) from block analysis, ``nan`` where undetermined.
    bandwidth : ndarray or None, shape (n_dims,)
        Kernel bandwidth (variable units) of a KDE estimate.
    """

    edges: list[np.ndarray]
    free_energy: np.ndarray
    probability: np.ndarray
    temperature: float
    labels: tuple[str, ...] = field(default=())
    units: str = "kJ/mol"
    periodic: tuple[bool, ...] = field(default=())
    error: np.ndarray | None = field(default=None, repr=False)
    bandwidth: np.ndarray | None = None

    @property
    def ndim(self) -> int:
        return len(self.edges)

    @property
    def centers(self) -> list[np.ndarray]:
        return [0.5 * (e[1:] + e[:-1]) for e in self.edges]

    @property
    def is_periodic(self) -> tuple[bool, ...]:
        """``periodic`` padded with False to ``ndim`` entries."""
        p = tuple(bool(v) for v in self.periodic)
        return p + (False,) * (self.ndim - len(p))

    @property
    def kT(self) -> float:
        """Thermal energy in the surface's ``units``."""
        return kT(self.temperature) / energy_unit(self.units, self.temperature)

    def cell_of(self, X: np.ndarray) -> tuple[np.ndarray, ...]:
        """Grid index of each point (clipped to the grid, wrapped on periodic axes)."""
        X = np.asarray(X, dtype=np.float64).reshape(-1, self.ndim)
        idx = []
        for d, (e, per) in enumerate(zip(self.edges, self.is_periodic, strict=True)):
            x = X[:, d]
            if per:
                x = e[0] + np.mod(x - e[0], e[-1] - e[0])
            i = np.searchsorted(e, x, side="right") - 1
            idx.append(np.clip(i, 0, e.size - 2))
        return tuple(idx)

    def _repr_html_(self) -> str:
        from trajlens.report import surface_repr_html

        return surface_repr_html(self)

    def to_units(self, units: str) -> FreeEnergySurface:
        """The same surface with F (and its error) expressed in ``units``."""
        scale = energy_unit(self.units, self.temperature) / energy_unit(units, self.temperature)
        return FreeEnergySurface(
            edges=self.edges,
            free_energy=self.free_energy * scale,
            probability=self.probability,
            temperature=self.temperature,
            labels=self.labels,
            units=units,
            periodic=self.periodic,
            error=None if self.error is None else self.error * scale,
            bandwidth=self.bandwidth,
        )


def _as_periodic(periodic, n_dims: int) -> tuple[bool, ...]:
    if periodic is None or periodic is False:
        return (False,) * n_dims
    if periodic is True:
        return (True,) * n_dims
    periodic = tuple(bool(p) for p in np.atleast_1d(periodic))
    if len(periodic) != n_dims:
        raise InputError(
            f"periodic: expected {n_dims} flags, one per variable, got {len(periodic)}"
        )
    return periodic


def effective_sample_size(weights: np.ndarray | None, n: int) -> float:
    """Kish's effective number of samples, (sum w)^2 / sum w^2."""
    if weights is None:
        return float(n)
    w = np.asarray(weights, dtype=np.float64)
    return float(w.sum() ** 2 / np.sum(w * w))


def _spread(x: np.ndarray, w: np.ndarray, periodic: bool, period: float) -> float:
    """Weighted standard deviation (circular for periodic variables, in variable units)."""
    w = w / w.sum()
    if periodic:
        theta = 2 * np.pi * x / period
        r = np.hypot(np.sum(w * np.cos(theta)), np.sum(w * np.sin(theta)))
        r = min(max(r, 1e-12), 1.0)
        return float(np.sqrt(-2.0 * np.log(r)) * period / (2 * np.pi))
    mean = np.sum(w * x)
    return float(np.sqrt(np.sum(w * (x - mean) ** 2)))


def select_bandwidth(
    X: np.ndarray,
    rule: str | float = "scott",
    *,
    weights: np.ndarray | None = None,
    periodic=None,
    period: np.ndarray | None = None,
) -> np.ndarray:
    """Per-variable Gaussian bandwidth by Scott's or Silverman's rule.

    Scott: h_d = s_d n^(-1/(d+4)); Silverman: h_d = s_d (n (d+2)/4)^(-1/(d+4)), with s_d the
    (weighted, circular for periodic variables) standard deviation and n the effective sample
    size (Kish) when weights are given. A number is returned as the bandwidth of every axis.

    Returns
    -------
    ndarray, shape (n_dims,)
        Bandwidths in the variables' units.
    """
    X = np.asarray(X, dtype=np.float64)
    X = X[:, None] if X.ndim == 1 else X
    n, d = X.shape
    if not isinstance(rule, str):
        h = float(rule)
        if not h > 0:
            raise InputError(
                f"bandwidth: expected a positive number or 'scott'/'silverman', got {rule}"
            )
        return np.full(d, h)
    periodic = _as_periodic(periodic, d)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    n_eff = effective_sample_size(weights, n)
    if rule == "scott":
        factor = n_eff ** (-1.0 / (d + 4))
    elif rule == "silverman":
        factor = (n_eff * (d + 2) / 4.0) ** (-1.0 / (d + 4))
    else:
        raise InputError(f"bandwidth: expected 'scott', 'silverman' or a number, got {rule!r}")
    period = np.full(d, 2 * np.pi) if period is None else np.asarray(period, dtype=float)
    s = np.array([_spread(X[:, k], w, periodic[k], period[k]) for k in range(d)])
    return s * factor


def _grid_range(X, bins, range, periodic):
    n_dims = X.shape[1]
    if range is None:
        range = [None] * n_dims
    out = []
    for d in np.arange(n_dims):
        r = range[d]
        if r is None:
            if periodic[d]:
                r = (-np.pi, np.pi)
            else:
                lo, hi = X[:, d].min(), X[:, d].max()
                span = hi - lo if hi > lo else 1.0
                pad = 0.5 * span / bins[d]
                r = (float(lo - pad), float(hi + pad))
        lo, hi = float(r[0]), float(r[1])
        if not hi > lo:
            raise InputError(f"range: expected min < max for variable {d}, got {r}")
        out.append((lo, hi))
    return out


def _density(X, w, bins, range, periodic, method, bandwidth, smooth):
    """Unnormalised probability mass per grid cell (float64)."""
    Xw = X.copy()
    for d, per in enumerate(periodic):
        if per:
            lo, hi = range[d]
            Xw[:, d] = lo + np.mod(Xw[:, d] - lo, hi - lo)
    hist, edges = np.histogramdd(Xw, bins=bins, range=range, weights=w)
    hist = hist.astype(np.float64)
    modes = ["wrap" if p else "constant" for p in periodic]
    if method == "kde":
        widths = np.array([(hi - lo) / b for (lo, hi), b in zip(range, bins, strict=True)])
        sigma = np.asarray(bandwidth) / widths
        # binned KDE: the histogram convolved with the Gaussian kernel (exact to O(bin^2/h^2))
        hist = gaussian_filter(hist, sigma=sigma, mode=modes, truncate=5.0)
        hist[hist < 1e-12 * hist.max()] = 0.0
    elif smooth > 0:
        sampled = hist > 0
        hist = gaussian_filter(hist, sigma=smooth, mode=modes)
        # keep the support: a cell counts as sampled if it or a neighbour held frames
        near = gaussian_filter(sampled.astype(float), sigma=smooth, mode=modes) > 1e-3
        hist[~near] = 0.0
    return hist, edges


def estimate(
    X: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    bins: int | tuple[int, ...] = 60,
    range: list[tuple[float, float]] | None = None,
    temperature: float = 300.0,
    smooth: float = 1.0,
    labels: tuple[str, ...] | None = None,
    method: str = "histogram",
    bandwidth: str | float = "scott",
    periodic=None,
    units: str = "kJ/mol",
    n_blocks: int = 0,
) -> FreeEnergySurface:
    """Estimate F = -kT ln P on a grid, by histogram or Gaussian kernel density.

    Parameters
    ----------
    X : ndarray, shape (n_frames, n_dims) or (n_frames,)
        Values of the variables (for example a 2-D projection, or φ/ψ in radians). Frames
        are in time order when block errors are wanted.
    weights : ndarray, shape (n_frames,), optional
        Per-frame weights (for reweighting a biased run, see :mod:`trajlens.fes.reweight`).
    bins : int or tuple of int, default 60
        Bins per dimension.
    range : list of (min, max), optional
        Grid limits; by default the data range padded by half a bin, and (-π, π) for
        periodic variables.
    temperature : float, default 300
        Kelvin; sets kT = R T.
    smooth : float, default 1.0
        Histogram only: standard deviation, in bins, of a Gaussian filter applied before
        taking the logarithm (0 disables it). It removes single-bin noise that would
        otherwise create spurious minima.
    labels : tuple of str, optional
        Axis names.
    method : {"histogram", "kde"}
        ``kde``: Gaussian product kernel, evaluated as a binned KDE on the grid.
    bandwidth : {"scott", "silverman"} or float
        KDE bandwidth rule, or one bandwidth (variable units) for every axis.
    periodic : bool or sequence of bool, optional
        Which variables are periodic: their axis spans one period (``range``) and the
        histogram, kernel and later the basins wrap around it.
    units : {"kJ/mol", "kcal/mol", "kT"}
        Units of F.
    n_blocks : int, default 0
        If >= 2, the frames are cut into this many contiguous blocks and the standard error
        of F in each cell is estimated from the scatter of the block estimates
        (``surface.error``). Blocks should be longer than the correlation time.

    Returns
    -------
    FreeEnergySurface
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] < 2:
        raise InputError(f"free-energy surface: expected at least 2 frames, got shape {X.shape}")
    if temperature <= 0:
        raise InputError(f"--temperature: expected a positive value in kelvin, got {temperature}")
    if method not in ("histogram", "kde"):
        raise InputError(f"method: expected 'histogram' or 'kde', got {method!r}")
    scale = energy_unit(units, temperature)
    n, n_dims = X.shape
    if not np.all(np.isfinite(X)):
        raise InputError("free-energy surface: the variables contain NaN or inf")
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        if w.shape[0] != n:
            raise InputError(f"weights: expected {n} values, one per frame, got {w.shape[0]}")
        if np.any(w < 0) or not np.all(np.isfinite(w)):
            raise InputError("weights: expected finite, non-negative values")
    bins = (int(bins),) * n_dims if np.isscalar(bins) else tuple(int(b) for b in bins)
    if len(bins) != n_dims or min(bins) < 2:
        raise InputError(f"bins: expected {n_dims} values >= 2, got {bins}")
    periodic = _as_periodic(periodic, n_dims)
    range = _grid_range(X, bins, range, periodic)
    h = None
    if method == "kde":
        period = np.array([hi - lo for lo, hi in range])
        h = select_bandwidth(X, bandwidth, weights=w, periodic=periodic, period=period)
        h = np.where(
            h > 0, h, np.array([(hi - lo) / b for (lo, hi), b in zip(range, bins, strict=True)])
        )
    hist, edges = _density(X, w, bins, range, periodic, method, h, smooth)
    total = hist.sum()
    if total <= 0:
        raise InputError("free-energy surface: all weights are zero")
    prob = hist / total
    beta_unit = kT(temperature) / scale
    with np.errstate(divide="ignore"):
        F = -beta_unit * np.log(prob)
    F -= F[np.isfinite(F)].min()
    error = None
    if n_blocks:
        if n_blocks < 2 or n_blocks > n:
            raise InputError(f"n_blocks: expected 2..{n} blocks, got {n_blocks}")
        probs = []
        for idx in np.array_split(np.arange(n), n_blocks):
            wb = None if w is None else w[idx]
            hb, _ = _density(X[idx], wb, bins, range, periodic, method, h, smooth)
            probs.append(hb)
        block_mass = np.array([b.sum() for b in probs])
        P = np.array([b / m if m > 0 else b for b, m in zip(probs, block_mass, strict=True)])
        err_p = block_error(P, block_mass)
        with np.errstate(divide="ignore", invalid="ignore"):
            error = np.where(prob > 0, beta_unit * err_p / prob, np.nan)
    return FreeEnergySurface(
        edges=[np.asarray(e) for e in edges],
        free_energy=F,
        probability=prob,
        temperature=float(temperature),
        labels=tuple(labels) if labels is not None else tuple(f"x{d}" for d in np.arange(n_dims)),
        units=units,
        periodic=periodic,
        error=error,
        bandwidth=h,
    )


def block_error(values: np.ndarray, block_weights: np.ndarray | None = None) -> np.ndarray:
    """Standard error of a weighted mean over blocks.

    Parameters
    ----------
    values : ndarray, shape (n_blocks, ...)
        The estimate from each block.
    block_weights : ndarray, shape (n_blocks,), optional
        Weight of each block (its total frame weight); equal by default.

    Returns
    -------
    ndarray, shape (...)
        sqrt(n_eff/(n_eff-1) · sum_b w_b² (v_b - v̄)²) / sum_b w_b, with n_eff = (Σw)²/Σw².
    """
    values = np.asarray(values, dtype=np.float64)
    m = values.shape[0]
    wb = np.ones(m) if block_weights is None else np.asarray(block_weights, dtype=np.float64)
    wb = wb / wb.sum()
    mean = np.tensordot(wb, values, axes=1)
    n_eff = 1.0 / np.sum(wb * wb)
    if n_eff <= 1:
        return np.full(mean.shape, np.nan)
    dev = values - mean
    var = np.tensordot(wb * wb, dev * dev, axes=1) * n_eff / (n_eff - 1)
    return np.sqrt(var)
