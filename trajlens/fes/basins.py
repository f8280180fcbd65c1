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
    population_error, free_energy_error : float
        Standard errors from block analysis (jackknife over contiguous blocks of frames);
        ``nan`` when no blocks were used.
    lowest : ndarray of int
        Frame indices of the basin's lowest-free-energy frames (lowest F cell first).
    centre : ndarray, shape (n_dims,)
        Weighted mean of the basin's frames in the surface variables (circular mean on
        periodic axes).
    """

    label: int
    minimum: np.ndarray
    minimum_free_energy: float
    population: float
    free_energy: float
    barrier: float
    n_frames: int
    representative: int = -1
    population_error: float = float("nan")
    free_energy_error: float = float("nan")
    lowest: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    centre: np.ndarray | None = None


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

    TABLE_COLUMNS = (
        "basin",
        "population",
        "population_error",
        "free_energy",
        "free_energy_error",
        "barrier",
        "n_frames",
        "representative",
    )

    def to_table(self) -> dict[str, np.ndarray]:
        """The basins table, column name -> array (one row per basin).

        Columns: ``basin``, ``population`` (+ ``population_error``), ``free_energy`` ΔF to
        the most populated basin (+ ``free_energy_error``) and ``barrier`` (lowest saddle
        out of the basin minus its minimum) in the surface's units, ``n_frames``,
        ``representative`` (medoid frame), ``centre_<var>`` and ``minimum_<var>`` for each
        variable, ``F_min``, ``barrier_to_<k>`` (saddle to basin k minus this minimum; inf
        when not adjacent) and ``lowest_frames`` (space-separated frame indices).
        """
        k = len(self.basins)
        names = self.surface.labels or tuple(f"x{d}" for d in range(self.surface.ndim))
        b = self.basins
        table: dict[str, np.ndarray] = {
            "basin": np.array([x.label for x in b], dtype=np.int64),
            "population": np.array([x.population for x in b]),
            "population_error": np.array([x.population_error for x in b]),
            "free_energy": np.array([x.free_energy for x in b]),
            "free_energy_error": np.array([x.free_energy_error for x in b]),
            "barrier": np.array([x.barrier for x in b]),
            "n_frames": np.array([x.n_frames for x in b], dtype=np.int64),
            "representative": np.array([x.representative for x in b], dtype=np.int64),
        }
        for d, name in enumerate(names):
            cen = [np.nan if x.centre is None else x.centre[d] for x in b]
            table[f"centre_{name}"] = np.array(cen, dtype=float)
            table[f"minimum_{name}"] = np.array([x.minimum[d] for x in b])
        table["F_min"] = np.array([x.minimum_free_energy for x in b])
        for j in range(k):
            table[f"barrier_to_{j}"] = np.array(
                [self.saddles[i, j] - b[i].minimum_free_energy for i in range(k)]
            )
        table["lowest_frames"] = np.array(
            [" ".join(str(int(i)) for i in x.lowest) for x in b], dtype=object
        )
        return table

    def _repr_html_(self) -> str:
        from trajlens.report import basins_repr_html

        return basins_repr_html(self)

    def to_csv(self, path) -> None:
        """Write :meth:`to_table` as CSV (energies in the surface's units, in the header)."""
        import csv

        table = self.to_table()
        units = self.surface.units.replace("/", "")
        energy = {"free_energy", "free_energy_error", "barrier", "F_min"}
        header = [
            f"{c}_{units}" if c in energy or c.startswith("barrier_to_") else c for c in table
        ]
        with open(path, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for i in range(len(self.basins)):
                row = []
                for values in table.values():
                    v = values[i]
                    if isinstance(v, (float, np.floating)):
                        row.append(f"{v:.6g}")
                    else:
                        row.append(str(v))
                writer.writerow(row)


def _neighbour_offsets(ndim: int) -> list[tuple[int, ...]]:
    return [o for o in itertools.product((-1, 0, 1), repeat=ndim) if any(o)]


def _shift(A: np.ndarray, offset, periodic, fill) -> np.ndarray:
    """``out[i] = A[i + offset]``, wrapping on periodic axes and ``fill`` beyond the others."""
    out = A
    for axis, (o, per) in enumerate(zip(offset, periodic, strict=True)):
        if o == 0:
            continue
        out = np.roll(out, -o, axis=axis)
        if not per:
            index = [slice(None)] * A.ndim
            index[axis] = slice(-o, None) if o > 0 else slice(0, -o)
            out = out.copy() if out is A else out
            out[tuple(index)] = fill
    return out


def steepest_descent_labels(F: np.ndarray, periodic=None) -> np.ndarray:
    """Watershed by steepest descent: each finite cell flows to its lowest neighbour.

    Returns the flat index of the local minimum each cell drains to (-1 for ``inf`` cells).
    Neighbours are the 3^d - 1 cells around each cell; ``periodic`` (one flag per axis)
    makes an axis wrap around.
    """
    shape = F.shape
    periodic = (False,) * F.ndim if periodic is None else tuple(periodic)
    flat_index = np.arange(F.size).reshape(shape)
    best_val = F.copy()
    best_idx = flat_index.copy()
    for offset in _neighbour_offsets(F.ndim):
        vals = _shift(F, offset, periodic, np.inf)
        idx = _shift(flat_index, offset, periodic, -1)
        better = vals < best_val
        best_val = np.where(better, vals, best_val)
        best_idx = np.where(better, idx, best_idx)
    pointer = best_idx.reshape(-1)
    while True:
        nxt = pointer[pointer]
        if np.array_equal(nxt, pointer):
            break
        pointer = nxt
    pointer = pointer.copy()
    pointer[~np.isfinite(F.reshape(-1))] = -1
    return pointer


def _saddles(F: np.ndarray, labels: np.ndarray, n: int, periodic=None) -> np.ndarray:
    """Lowest max(F_a, F_b) over adjacent cells a, b of different basins."""
    saddle = np.full((n, n), np.inf)
    periodic = (False,) * F.ndim if periodic is None else tuple(periodic)
    for offset in _neighbour_offsets(F.ndim):
        if tuple(-o for o in offset) < offset:
            continue  # each unordered direction once
        la, lb = labels.reshape(-1), _shift(labels, offset, periodic, -1).reshape(-1)
        fa, fb = F.reshape(-1), _shift(F, offset, periodic, np.inf).reshape(-1)
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
    n_blocks: int = 0,
    n_lowest: int = 10,
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
        In the surface's units (``surface.units``); default 1 kT.
    min_population : float, default 0.005
        Smallest weighted fraction of frames a basin may hold.
    n_blocks : int, default 0
        If >= 2, error bars of populations and ΔF by the jackknife over this many
        contiguous blocks of frames (frames in time order, trajectories one after another).
    n_lowest : int, default 10
        How many lowest-free-energy frames to keep per basin (``Basin.lowest``).
    """
    F = surface.free_energy
    X = np.asarray(X, dtype=np.float64).reshape(-1, surface.ndim)
    if min_barrier is None:
        min_barrier = surface.kT
    if min_barrier < 0:
        raise InputError(f"--min-barrier: expected >= 0 kJ/mol, got {min_barrier}")
    w = np.ones(X.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    periodic = surface.is_periodic
    if w.shape[0] != X.shape[0]:
        raise InputError(f"weights: expected {X.shape[0]} values, one per frame, got {w.shape[0]}")
    roots = steepest_descent_labels(F, periodic)
    minima = np.unique(roots[roots >= 0])
    relabel = np.full(F.size, -1, dtype=np.int64)
    relabel[minima] = np.arange(minima.size)
    labels = np.where(roots >= 0, relabel[np.maximum(roots, 0)], -1).reshape(F.shape)
    cells = np.ravel_multi_index(surface.cell_of(X), F.shape)
    n = minima.size
    min_f = F.reshape(-1)[minima].copy()
    raw = labels.reshape(-1)[cells]
    frame_w = np.bincount(raw[raw >= 0], weights=w[raw >= 0], minlength=n)
    saddle = _saddles(F, labels, n, periodic)
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
        sad = _saddles(F, flat_labels, k, periodic)
    pops = np.bincount(frame_labels[frame_labels >= 0], weights=w[frame_labels >= 0], minlength=k)
    pops = pops / total_w
    counts = np.bincount(frame_labels[frame_labels >= 0], minlength=k)
    centers = surface.centers
    pop_err = np.full(k, np.nan)
    dF_err = np.full(k, np.nan)
    if n_blocks:
        pop_err, dF_err = _jackknife(frame_labels, w, k, n_blocks, surface.kT)
    cell_f = F.reshape(-1)[cells]
    basins = []
    for label in range(k):
        cells_in = np.flatnonzero(cell_labels.reshape(-1) == label)
        low = cells_in[np.argmin(F.reshape(-1)[cells_in])]
        idx = np.unravel_index(low, F.shape)
        fmin = float(F[idx])
        with np.errstate(divide="ignore"):
            ratio = pops[label] / pops.max()
            dF = float(-surface.kT * np.log(ratio)) + 0.0 if ratio > 0 else np.inf
        members = np.flatnonzero(frame_labels == label)
        lowest = members[np.argsort(cell_f[members], kind="stable")[:n_lowest]]
        basins.append(
            Basin(
                label=label,
                minimum=np.array([centers[d][i] for d, i in enumerate(idx)]),
                minimum_free_energy=fmin,
                population=float(pops[label]),
                free_energy=dF,
                barrier=float(sad[label].min() - fmin) if k > 1 else float("inf"),
                n_frames=int(counts[label]),
                population_error=float(pop_err[label]),
                free_energy_error=float(dF_err[label]),
                lowest=lowest.astype(np.int64),
                centre=_centre(X[members], w[members], surface) if members.size else None,
            )
        )
    return BasinSet(surface, basins, cell_labels, frame_labels, sad)


def _centre(X: np.ndarray, w: np.ndarray, surface: FreeEnergySurface) -> np.ndarray:
    """Weighted mean of points; circular mean on periodic axes (in the axis' range)."""
    out = np.empty(X.shape[1])
    for d, per in enumerate(surface.is_periodic):
        if per:
            lo, hi = surface.edges[d][0], surface.edges[d][-1]
            theta = 2 * np.pi * (X[:, d] - lo) / (hi - lo)
            mean = np.arctan2(np.sum(w * np.sin(theta)), np.sum(w * np.cos(theta)))
            out[d] = lo + np.mod(mean, 2 * np.pi) * (hi - lo) / (2 * np.pi)
        else:
            out[d] = np.sum(w * X[:, d]) / np.sum(w)
    return out


def _jackknife(labels, w, k, n_blocks, kT_units):
    """Jackknife standard errors of basin populations and ΔF over contiguous blocks."""
    n = labels.shape[0]
    if n_blocks < 2 or n_blocks > n:
        raise InputError(f"n_blocks: expected 2..{n} blocks, got {n_blocks}")
    blocks = np.array_split(np.arange(n), n_blocks)
    mass = np.array(
        [np.bincount(labels[b][labels[b] >= 0], w[b][labels[b] >= 0], minlength=k) for b in blocks]
    )
    total = np.array([w[b].sum() for b in blocks])
    pops, dFs = [], []
    for i in range(n_blocks):
        m = mass.sum(axis=0) - mass[i]
        p = m / (total.sum() - total[i])
        pops.append(p)
        with np.errstate(divide="ignore"):
            dFs.append(-kT_units * np.log(p / p[0]) if p[0] > 0 else np.full(k, np.nan))
    pops, dFs = np.array(pops), np.array(dFs)
    factor = (n_blocks - 1) / n_blocks
    pop_err = np.sqrt(factor * np.sum((pops - pops.mean(axis=0)) ** 2, axis=0))
    with np.errstate(invalid="ignore"):
        dF_err = np.sqrt(factor * np.sum((dFs - dFs.mean(axis=0)) ** 2, axis=0))
    dF_err[0] = 0.0 if k else dF_err[0:0]
    return pop_err, dF_err


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
