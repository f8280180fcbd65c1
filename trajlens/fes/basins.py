"""Basins of a free-energy surface: minima, watershed assignment, barrier-based merging."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils import check_random_state

from trajlens.exceptions import InputError
from trajlens.fes.surface import FreeEnergySurface


@dataclass
class Basin:
    """One free-energy basin.

    Attributes
    ----------
    label : int
        0, 1, ... in order of decreasing population.
    minimum : ndarray, shape (n_dims,)
        Coordinates of the basin's lowest grid cell.
    minimum_free_energy : float
        F at that cell, kJ/mol relative to the global minimum of the surface.
    population : float
        Weighted fraction of frames in the basin.
    free_energy : float
        -kT ln(population / largest population), kJ/mol.
    barrier : float
        Lowest saddle to any neighbouring basin minus this basin's minimum, kJ/mol
        (``inf`` when no basin touches it).
    n_frames : int
    representative : int
        Index (into all frames, trajectories concatenated) of the basin's medoid frame, or -1.
    """

    label: int
    minimum: np.ndarray
    minimum_free_energy: float
    population: float
    free_energy: float
    barrier: float
    n_frames: int
    representative: int = -1


@dataclass
class BasinSet:
    """The basins of a surface and where every grid cell and frame belongs.

    Attributes
    ----------
    surface : FreeEnergySurface
    basins : list of Basin
    cell_labels : ndarray of int, shape of the grid
        Basin of each cell, -1 where nothing was sampled.
    frame_labels : ndarray of int, shape (n_frames,)
    saddles : ndarray, shape (n_basins, n_basins)
        Free energy (kJ/mol) of the lowest saddle between two basins; ``inf`` if not adjacent.
    """

    surface: FreeEnergySurface
    basins: list[Basin]
    cell_labels: np.ndarray
    frame_labels: np.ndarray
    saddles: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.basins)


def _neighbour_offsets(ndim: int) -> list[tuple[int, ...]]:
    return [o for o in itertools.product((-1, 0, 1), repeat=ndim) if any(o)]


def steepest_descent_labels(F: np.ndarray) -> np.ndarray:
    """Watershed by steepest descent: each finite cell flows to its lowest neighbour.

    Returns the flat index of the local minimum each cell drains to (-1 for ``inf`` cells).
    Neighbours are the 3^d - 1 cells around each cell.
    """
    shape = F.shape
    padded = np.pad(F, 1, constant_values=np.inf)
    flat_index = np.pad(np.arange(F.size).reshape(shape), 1, constant_values=-1)
    best_val = F.copy()
    best_idx = np.arange(F.size).reshape(shape)
    for offset in _neighbour_offsets(F.ndim):
        view = tuple(slice(1 + o, 1 + o + n) for o, n in zip(offset, shape, strict=True))
        vals = padded[view]
        better = vals < best_val
        best_val = np.where(better, vals, best_val)
        best_idx = np.where(better, flat_index[view], best_idx)
    pointer = best_idx.reshape(-1)
    while True:
        nxt = pointer[pointer]
        if np.array_equal(nxt, pointer):
            break
        pointer = nxt
    pointer = pointer.copy()
    pointer[~np.isfinite(F.reshape(-1))] = -1
    return pointer


def _saddles(F: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    """Lowest max(F_a, F_b) over adjacent cells a, b of different basins."""
    saddle = np.full((n, n), np.inf)
    shape = F.shape
    for offset in _neighbour_offsets(F.ndim):
        if tuple(-o for o in offset) < offset:
            continue  # each unordered direction once
        src = tuple(slice(max(0, -o), n_ - max(0, o)) for o, n_ in zip(offset, shape, strict=True))
        dst = tuple(slice(max(0, o), n_ - max(0, -o)) for o, n_ in zip(offset, shape, strict=True))
        la, lb = labels[src].reshape(-1), labels[dst].reshape(-1)
        fa, fb = F[src].reshape(-1), F[dst].reshape(-1)
        mask = (la >= 0) & (lb >= 0) & (la != lb)
        if not np.any(mask):
            continue
        height = np.maximum(fa[mask], fb[mask])
        np.minimum.at(saddle, (la[mask], lb[mask]), height)
        np.minimum.at(saddle, (lb[mask], la[mask]), height)
    return saddle


def find_basins(
    surface: FreeEnergySurface,
    X: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    min_barrier: float | None = None,
    min_population: float = 0.005,
) -> BasinSet:
    """Locate the basins of ``surface`` and assign the frames ``X`` to them.

    Every sampled cell flows by steepest descent to a local minimum (a watershed). A basin
    whose barrier to a neighbour (lowest saddle minus its own minimum) is below
    ``min_barrier`` is merged into that neighbour, shallowest first; so is a basin holding
    less than ``min_population`` of the frames.

    Parameters
    ----------
    surface : FreeEnergySurface
    X : ndarray, shape (n_frames, n_dims)
        The frames' coordinates on the surface's variables.
    weights : ndarray, shape (n_frames,), optional
    min_barrier : float, optional
        kJ/mol; default 1 kT.
    min_population : float, default 0.005
        Smallest weighted fraction of frames a basin may hold.
    """
    F = surface.free_energy
    X = np.asarray(X, dtype=np.float64).reshape(-1, surface.ndim)
    if min_barrier is None:
        min_barrier = surface.kT
    if min_barrier < 0:
        raise InputError(f"--min-barrier: expected >= 0 kJ/mol, got {min_barrier}")
    w = np.ones(X.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    roots = steepest_descent_labels(F)
    minima = np.unique(roots[roots >= 0])
    relabel = np.full(F.size, -1, dtype=np.int64)
    relabel[minima] = np.arange(minima.size)
    labels = np.where(roots >= 0, relabel[np.maximum(roots, 0)], -1).reshape(F.shape)
    cells = np.ravel_multi_index(surface.cell_of(X), F.shape)
    n = minima.size
    min_f = F.reshape(-1)[minima].copy()
    frame_w = np.bincount(labels.reshape(-1)[cells].clip(0), weights=w, minlength=n)
    frame_w[np.bincount(labels.reshape(-1)[cells].clip(0), minlength=n) == 0] = 0.0
    saddle = _saddles(F, labels, n)
    alive = np.ones(n, dtype=bool)
    parent = np.arange(n)
    total_w = w.sum()
    while True:
        best = None
        for a in np.flatnonzero(alive):
            row = np.where(alive, saddle[a], np.inf)
            row[a] = np.inf
            b = int(np.argmin(row))
            if not np.isfinite(row[b]):
                continue
            barrier = row[b] - min_f[a]
            small = frame_w[a] / total_w < min_population
            if (barrier < min_barrier or small) and min_f[a] >= min_f[b]:
                key = (not small, barrier)
                if best is None or key < best[0]:
                    best = (key, a, b)
        if best is None:
            break
        _, a, b = best  # merge the shallower basin a into b
        alive[a] = False
        parent[parent == a] = b
        frame_w[b] += frame_w[a]
        saddle[b] = np.minimum(saddle[b], saddle[a])
        saddle[:, b] = np.minimum(saddle[:, b], saddle[:, a])
        saddle[b, b] = np.inf
    # isolated islands too small to stand alone are left unassigned
    for a in np.flatnonzero(alive):
        if frame_w[a] / total_w < min_population:
            alive[a] = False
            parent[parent == a] = -1
    keep = np.flatnonzero(alive)
    order = keep[np.argsort(-frame_w[keep], kind="stable")]
    final = np.full(n, -1, dtype=np.int64)
    final[order] = np.arange(order.size)
    mapped = np.where(parent >= 0, final[np.maximum(parent, 0)], -1)
    cell_labels = np.where(labels >= 0, mapped[np.maximum(labels, 0)], -1)
    frame_labels = cell_labels.reshape(-1)[cells]
    k = order.size
    sad = np.full((k, k), np.inf)
    flat_labels = cell_labels
    if k > 1:
        sad = _saddles(F, flat_labels, k)
    pops = np.bincount(frame_labels[frame_labels >= 0], weights=w[frame_labels >= 0], minlength=k)
    pops = pops / total_w
    counts = np.bincount(frame_labels[frame_labels >= 0], minlength=k)
    centers = surface.centers
    basins = []
    for label in range(k):
        cells_in = np.flatnonzero(cell_labels.reshape(-1) == label)
        low = cells_in[np.argmin(F.reshape(-1)[cells_in])]
        idx = np.unravel_index(low, F.shape)
        fmin = float(F[idx])
        with np.errstate(divide="ignore"):
            ratio = pops[label] / pops.max()
            dF = float(-surface.kT * np.log(ratio)) + 0.0 if ratio > 0 else np.inf
        basins.append(
            Basin(
                label=label,
                minimum=np.array([centers[d][i] for d, i in enumerate(idx)]),
                minimum_free_energy=fmin,
                population=float(pops[label]),
                free_energy=dF,
                barrier=float(sad[label].min() - fmin) if k > 1 else float("inf"),
                n_frames=int(counts[label]),
            )
        )
    return BasinSet(surface, basins, cell_labels, frame_labels, sad)


def medoids(
    X: np.ndarray,
    labels: np.ndarray,
    *,
    max_samples: int = 1000,
    random_state=None,
) -> np.ndarray:
    """Medoid frame of each label >= 0: the member minimising the summed distance to the others.

    Parameters
    ----------
    X : ndarray, shape (n_frames, n_features)
        Coordinates in which distances are measured (for example the features).
    labels : ndarray of int, shape (n_frames,)
    max_samples : int, default 1000
        Larger groups are subsampled (seeded) before the O(m^2) search.

    Returns
    -------
    ndarray of int, shape (n_labels,)
        Frame index of each label's medoid (-1 if the label has no frames).
    """
    rng = check_random_state(random_state)
    X = np.asarray(X, dtype=np.float64)
    n_labels = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    out = np.full(n_labels, -1, dtype=np.int64)
    for label in range(n_labels):
        members = np.flatnonzero(labels == label)
        if members.size == 0:
            continue
        if members.size > max_samples:
            members = np.sort(rng.choice(members, max_samples, replace=False))
        Y = X[members]
        sq = np.sum(Y * Y, axis=1)
        d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * Y @ Y.T, 0.0)
        out[label] = members[int(np.argmin(np.sqrt(d2).sum(axis=1)))]
    return out
