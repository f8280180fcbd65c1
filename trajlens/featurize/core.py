"""Compute a feature spec on frames: in-memory trajectories or a streamed TrajectorySet."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import mdtraj as md
import numpy as np

from trajlens.exceptions import InputError
from trajlens.featurize import _kernels
from trajlens.featurize.spec import FeatureSpec, _check_atoms
from trajlens.io.trajectory import TrajectorySet

_TRANSFORM = {"none": None, "sin": np.sin, "cos": np.cos}


def _boxes(traj: md.Trajectory) -> tuple[np.ndarray, bool, bool]:
    """Box matrices (float64, rows are box vectors), whether to use PBC, whether triclinic."""
    vectors = traj.unitcell_vectors
    if vectors is None or not np.all(np.isfinite(vectors)) or np.any(traj.unitcell_volumes <= 0):
        return np.zeros((1, 3, 3)), False, False
    boxes = np.ascontiguousarray(vectors, dtype=np.float64)
    off = boxes.copy()
    off[:, [0, 1, 2], [0, 1, 2]] = 0.0
    return boxes, True, bool(np.any(np.abs(off) > 1e-6))


_FIXED = {
    "dihedral": _kernels.dihedrals,
    "distance": _kernels.distances,
    "angle": _kernels.angles,
    "inverse_distance": _kernels.inverse_distances,
}
_SWITCH_CODES = {"rational": 0, "exp": 1, "gaussian": 2}


def _group_pairs(atoms: np.ndarray, n_a: int, unordered: bool) -> np.ndarray:
    """All pairs (i in A, j in B), i != j; each unordered pair once if ``unordered``."""
    a, b = atoms[:n_a], atoms[n_a:]
    i, j = np.repeat(a, b.size), np.tile(b, a.size)
    keep = i != j
    pairs = np.stack([i[keep], j[keep]], axis=1)
    if unordered and pairs.size:
        pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    return pairs


def _compute_kind(kind, xyz, atoms, quantities, boxes, pbc, triclinic) -> np.ndarray:
    """Values (float32, (n_frames, len(quantities))) of quantities of one kind."""
    if kind in _FIXED:
        return _FIXED[kind](xyz, np.ascontiguousarray(np.stack(atoms)), boxes, pbc, triclinic)
    if kind == "rg":
        offsets = np.cumsum([0] + [a.size for a in atoms]).astype(np.int64)
        flat = np.ascontiguousarray(np.concatenate(atoms))
        return _kernels.gyration_radii(xyz, flat, offsets, boxes, pbc, triclinic)
    pairs, owner = [], []
    for k, (a, q) in enumerate(zip(atoms, quantities, strict=True)):
        p = _group_pairs(a, int(dict(q[3])["n_a"]), unordered=kind == "coordination")
        pairs.append(p)
        owner.append(np.full(len(p), k, dtype=np.int64))
    pairs = np.ascontiguousarray(np.concatenate(pairs).astype(np.int64).reshape(-1, 2))
    owner = np.concatenate(owner)
    n = len(quantities)
    if kind == "residue_min_distance":
        return _kernels.min_distances(xyz, pairs, owner, n, boxes, pbc, triclinic)
    params = [dict(q[3]) for q in quantities]
    codes = np.array([_SWITCH_CODES[p["switch"]] for p in params], dtype=np.int64)
    r0, d0, nn, mm = (
        np.array([p[key] for p in params], dtype=np.float64) for key in ("r0", "d0", "nn", "mm")
    )
    return _kernels.coordination(xyz, pairs, owner, n, codes, r0, d0, nn, mm, boxes, pbc, triclinic)


_PAIR_KINDS = {"distance": False, "inverse_distance": True}


def _runs(li, lj, cols, steps, keys) -> np.ndarray:
    """Group pairs into runs ``(i, j0, n, c0, key)`` for the planned pair kernels.

    Pair k joins pair k-1's run when it has the same first atom ``li``, the next second
    atom ``lj`` and the same key, and its column continues the run (``cols[k] ==
    cols[k-1] + steps[k]``: consecutive columns for step 1, one column for step 0).
    """
    if li.size == 0:
        return np.zeros((0, 5), dtype=np.int64)
    new = np.ones(li.size, dtype=bool)
    new[1:] = (
        (li[1:] != li[:-1])
        | (lj[1:] != lj[:-1] + 1)
        | (steps[1:] != steps[:-1])
        | (cols[1:] != cols[:-1] + steps[1:])
        | (keys[1:] != keys[:-1])
    )
    starts = np.flatnonzero(new)
    lengths = np.diff(np.append(starts, li.size))
    return np.ascontiguousarray(
        np.stack([li[starts], lj[starts], lengths, cols[starts], keys[starts]], axis=1),
        dtype=np.int64,
    )


def _used_atoms(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Atoms of ``pairs`` in order of first appearance, and the pairs in their positions."""
    flat = pairs.reshape(-1)
    unique, first, inverse = np.unique(flat, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(unique.size, dtype=np.int64)
    rank[order] = np.arange(unique.size)
    return np.ascontiguousarray(unique[order], dtype=np.int64), rank[inverse].reshape(-1, 2)


class _Plan:
    """What computing a spec needs, prepared once and reused for every chunk.

    Each step is a callable ``step(xyz, boxes, pbc, triclinic, out)`` that fills its
    columns of ``out`` (float32, (n_frames, n_features)) in place. Dihedrals (with their
    sin/cos), distances, inverse distances and coordination have planned kernels that
    write their columns directly; other kinds are computed by :func:`_compute_kind` and
    copied into their columns.
    """

    def __init__(self, spec: FeatureSpec, n_atoms: int, atom_indices: np.ndarray | None):
        if len(spec) == 0:
            raise InputError("feature spec is empty: expected at least one feature")
        if atom_indices is None:
            _check_atoms(spec.features, n_atoms)
            local = None
        else:
            local = np.full(int(max(spec.max_atom, atom_indices.max())) + 1, -1, dtype=np.int64)
            local[atom_indices] = np.arange(atom_indices.size)
        self.n_features = len(spec)
        columns: dict[str, list[tuple[int, str]]] = {}
        for column, feature in enumerate(spec.features):
            columns.setdefault(feature.name, []).append((column, feature.transform))
        by_kind: dict[str, list[tuple]] = {}
        for q in spec.quantities():
            atoms = np.asarray(q[1], dtype=np.int64)
            if local is not None:
                atoms = local[atoms]
                if np.any(atoms < 0):
                    raise InputError(
                        f"feature {q[2]!r}: uses atoms outside the selection (--select)"
                    )
            by_kind.setdefault(q[0], []).append((q, atoms, columns[q[2]]))
        self.steps: list[Callable] = []
        for kind, items in by_kind.items():
            plain = all(len(c) == 1 and c[0][1] == "none" for _, _, c in items)
            if kind == "dihedral":
                self.steps.append(self._dihedral_step(items))
            elif kind in _PAIR_KINDS and plain:
                self.steps.append(self._pair_step(items, _PAIR_KINDS[kind]))
            elif kind == "coordination" and plain:
                self.steps.append(self._coordination_step(items))
            else:
                self.steps.append(self._generic_step(kind, items))

    @staticmethod
    def _dihedral_step(items) -> Callable:
        quartets = np.ascontiguousarray(np.stack([a for _, a, _ in items]), dtype=np.int64)
        wanted = {t: np.full(len(items), -1, dtype=np.int64) for t in ("none", "sin", "cos")}
        for k, (_, _, cols) in enumerate(items):
            for column, transform in cols:
                wanted[transform][k] = column

        def step(xyz, boxes, pbc, triclinic, out):
            _kernels.dihedral_columns(xyz, quartets, boxes, pbc, triclinic, out, *wanted.values())

        return step

    @staticmethod
    def _pair_step(items, inverse: bool) -> Callable:
        pairs = np.stack([a for _, a, _ in items])
        atoms, lp = _used_atoms(pairs)
        cols = np.array([c[0][0] for _, _, c in items], dtype=np.int64)
        ones = np.ones(len(items), dtype=np.int64)
        runs = _runs(lp[:, 0], lp[:, 1], cols, ones, 0 * ones)[:, :4].copy()

        def step(xyz, boxes, pbc, triclinic, out):
            _kernels.pair_columns(xyz, atoms, runs, inverse, boxes, pbc, triclinic, out)

        return step

    @staticmethod
    def _coordination_step(items) -> Callable:
        pair_list, cols, steps, keys, sum_cols, switches = [], [], [], [], [], {}
        for q, atoms, c in items:
            params = dict(q[3])
            pairs = _group_pairs(atoms, int(params["n_a"]), unordered=True)
            key = switches.setdefault(
                tuple(params[k] for k in ("switch", "r0", "d0", "nn", "mm")), len(switches)
            )
            if len(pairs) == 1:  # one pair: its own column, so runs form contact maps
                col, stp = c[0][0], 1
            else:  # a sum: accumulator -col - 1
                sum_cols.append(c[0][0])
                col, stp = -len(sum_cols), 0
            pair_list.append(pairs.reshape(-1, 2))
            cols.append(np.full(len(pairs), col, dtype=np.int64))
            steps.append(np.full(len(pairs), stp, dtype=np.int64))
            keys.append(np.full(len(pairs), key, dtype=np.int64))
        pairs = np.concatenate(pair_list).astype(np.int64)
        atoms, lp = _used_atoms(pairs) if len(pairs) else (np.zeros(0, np.int64), pairs)
        runs = _runs(lp[:, 0], lp[:, 1], *map(np.concatenate, (cols, steps, keys)))
        table = list(switches)
        codes = np.array([_SWITCH_CODES[t[0]] for t in table], dtype=np.int64)
        r0, d0 = (np.array([t[k] for t in table], dtype=np.float64) for k in (1, 2))
        nn, mm = (np.array([t[k] for t in table], dtype=np.int64) for k in (3, 4))
        sum_cols = np.array(sum_cols, dtype=np.int64)

        def step(xyz, boxes, pbc, triclinic, out):
            _kernels.coordination_columns(
                xyz, atoms, runs, codes, r0, d0, nn, mm, sum_cols, boxes, pbc, triclinic, out
            )

        return step

    @staticmethod
    def _generic_step(kind, items) -> Callable:
        atoms = [a for _, a, _ in items]
        quantities = [q for q, _, _ in items]
        moves: dict[str, tuple[list[int], list[int]]] = {}
        for k, (_, _, cols) in enumerate(items):
            for column, transform in cols:
                moves.setdefault(transform, ([], []))
                moves[transform][0].append(column)
                moves[transform][1].append(k)

        def step(xyz, boxes, pbc, triclinic, out):
            result = _compute_kind(kind, xyz, atoms, quantities, boxes, pbc, triclinic)
            for transform, (dst, src) in moves.items():
                values = result[:, src]
                func = _TRANSFORM[transform]
                out[:, dst] = values if func is None else func(values.astype(np.float64))

        return step

    def compute(self, traj: md.Trajectory, out: np.ndarray | None = None) -> np.ndarray:
        """Fill ``out`` (float32, (traj.n_frames, n_features), C-contiguous) and return it."""
        if out is None:
            out = np.empty((traj.n_frames, self.n_features), dtype=np.float32)
        if traj.n_frames == 0:
            return out
        xyz = np.ascontiguousarray(traj.xyz, dtype=np.float32)
        boxes, pbc, triclinic = _boxes(traj)
        for step in self.steps:
            step(xyz, boxes, pbc, triclinic, out)
        return out


def compute_frames(
    traj: md.Trajectory, spec: FeatureSpec, atom_indices: np.ndarray | None = None
) -> np.ndarray:
    """Feature matrix (float32, shape (n_frames, n_features)) of the frames in ``traj``.

    Parameters
    ----------
    traj : mdtraj.Trajectory
        Frames; if ``atom_indices`` is given they hold only those atoms of the full system.
    spec : FeatureSpec
        Features with 0-based atom indices into the full system.
    atom_indices : ndarray of int, optional
        Full-system indices of the atoms in ``traj`` (a selection); None if all atoms.
    """
    return _Plan(spec, traj.n_atoms, atom_indices).compute(traj)


def featurize(
    source: TrajectorySet | md.Trajectory | Sequence[md.Trajectory],
    spec: FeatureSpec,
    *,
    progress: Callable[[int], None] | None = None,
    times: list[np.ndarray] | None = None,
) -> list[np.ndarray]:
    """Compute features, one float32 array per trajectory.

    Parameters
    ----------
    source : TrajectorySet, mdtraj.Trajectory or list of them
        A :class:`TrajectorySet` is streamed chunk by chunk (memory set by its chunk size).
    spec : FeatureSpec
    progress : callable, optional
        Called with the number of frames after each chunk.
    times : list, optional
        If given, the time (ps) of every frame is appended to it, one array per trajectory.

    Returns
    -------
    list of ndarray, each of shape (n_frames_i, n_features), float32
    """
    if len(spec) == 0:
        raise InputError("feature spec is empty: expected at least one feature")
    if isinstance(source, md.Trajectory):
        source = [source]
    results: list[np.ndarray] = []
    if isinstance(source, TrajectorySet):
        plan = _Plan(spec, source.topology.n_atoms, source.atom_indices)
        for index in range(len(source.paths)):
            expected = source.n_frames[index]
            out = np.empty((expected, len(spec)), dtype=np.float32)
            filled = 0
            stamps = []
            for chunk in source.iterchunks(index):
                stamps.append(np.asarray(chunk.time, dtype=np.float64))
                n = chunk.n_frames
                if filled + n > out.shape[0]:  # more frames than counted: grow
                    out = np.concatenate([out[:filled], plan.compute(chunk)])
                else:  # compute straight into the result, no copy
                    plan.compute(chunk, out[filled : filled + n])
                filled += n
                if progress is not None:
                    progress(n)
            results.append(out[:filled])
            if times is not None:
                times.append(np.concatenate(stamps) if stamps else np.empty(0))
        return results
    plans: dict[int, _Plan] = {}
    for traj in source:
        if traj.n_atoms not in plans:
            plans[traj.n_atoms] = _Plan(spec, traj.n_atoms, None)
        block = plans[traj.n_atoms].compute(traj)
        if progress is not None:
            progress(block.shape[0])
        results.append(block)
        if times is not None:
            times.append(np.asarray(traj.time, dtype=np.float64))
    return results
