"""Compute a feature spec on frames: in-memory trajectories or a streamed TrajectorySet."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import mdtraj as md
import numba
import numpy as np

from trajlens.exceptions import InputError
from trajlens.featurize import _compute_more, _kernels
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
    if kind in _compute_more.KINDS:
        return _compute_more.compute(kind, xyz, atoms, quantities, boxes, pbc, triclinic)
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


def _mapped_atoms(qs: list[tuple], local: np.ndarray | None):
    """Atoms of quantities ``qs`` as indices into the frames read (a selection's if
    ``local`` maps full-system to selected indices): one 2-D array if all have the same
    number of atoms, else a list of arrays."""
    if len({len(q[1]) for q in qs}) == 1:
        atoms = np.array([q[1] for q in qs], dtype=np.int64)
        if local is None:
            return atoms
        mapped = local[atoms]
        bad = np.flatnonzero((mapped < 0).any(axis=1))
    else:
        atoms = [np.asarray(q[1], dtype=np.int64) for q in qs]
        if local is None:
            return atoms
        mapped = [local[a] for a in atoms]
        bad = [k for k, a in enumerate(mapped) if (a < 0).any()]
    if len(bad):
        raise InputError(f"feature {qs[bad[0]][2]!r}: uses atoms outside the selection (--select)")
    return mapped


class _Plan:
    """What computing a spec needs, prepared once and reused for every chunk.

    Each step is a callable ``step(xyz, boxes, pbc, triclinic, out)`` that fills its
    columns of ``out`` (float32, (n_frames, n_features)) in place. Dihedrals (with their
    sin/cos), angles, distances, inverse distances and coordination have planned kernels
    that write their columns directly; other kinds (and transforms of kinds other than
    dihedrals) are computed by :func:`_compute_kind` and copied into their columns.
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
            by_kind.setdefault(q[0], []).append(q)
        self.steps: list[Callable] = []
        for kind, qs in by_kind.items():
            atoms = _mapped_atoms(qs, local)
            cols = [columns[q[2]] for q in qs]
            plain = all(len(c) == 1 and c[0][1] == "none" for c in cols)
            if kind == "dihedral":
                self.steps.append(self._dihedral_step(atoms, cols))
            elif kind in _PAIR_KINDS and plain:
                self.steps.append(self._pair_step(atoms, cols, _PAIR_KINDS[kind]))
            elif kind == "angle" and plain:
                self.steps.append(self._angle_step(atoms, cols))
            elif kind == "coordination" and plain:
                self.steps.append(self._coordination_step(qs, atoms, cols))
            else:
                self.steps.append(self._generic_step(kind, qs, atoms, cols))

    @staticmethod
    def _dihedral_step(quartets, cols) -> Callable:
        quartets = np.ascontiguousarray(quartets, dtype=np.int64)
        wanted = {t: np.full(len(cols), -1, dtype=np.int64) for t in ("none", "sin", "cos")}
        for k, pairs in enumerate(cols):
            for column, transform in pairs:
                wanted[transform][k] = column

        def step(xyz, boxes, pbc, triclinic, out):
            _kernels.dihedral_columns(xyz, quartets, boxes, pbc, triclinic, out, *wanted.values())

        return step

    @staticmethod
    def _angle_step(triplets, cols) -> Callable:
        triplets = np.ascontiguousarray(triplets, dtype=np.int64)
        cols = np.array([c[0][0] for c in cols], dtype=np.int64)

        def step(xyz, boxes, pbc, triclinic, out):
            _kernels.angle_columns(xyz, triplets, boxes, pbc, triclinic, out, cols)

        return step

    @staticmethod
    def _pair_step(pairs, cols, inverse: bool) -> Callable:
        atoms, lp = _used_atoms(np.asarray(pairs, dtype=np.int64))
        cols = np.array([c[0][0] for c in cols], dtype=np.int64)
        ones = np.ones(len(cols), dtype=np.int64)
        runs = _runs(lp[:, 0], lp[:, 1], cols, ones, 0 * ones)[:, :4].copy()

        def step(xyz, boxes, pbc, triclinic, out):
            _kernels.pair_columns(xyz, atoms, runs, inverse, boxes, pbc, triclinic, out)

        step.runs = runs
        return step

    @staticmethod
    def _coordination_step(qs, atoms, cols) -> Callable:
        switches: dict[tuple, int] = {}
        keys, n_a = [], []
        for q in qs:
            params = dict(q[3])
            n_a.append(int(params["n_a"]))
            key = tuple(params[k] for k in ("switch", "r0", "d0", "nn", "mm"))
            keys.append(switches.setdefault(key, len(switches)))
        column = np.array([c[0][0] for c in cols], dtype=np.int64)
        keys = np.array(keys, dtype=np.int64)
        sizes = np.array([len(a) for a in atoms])
        # one pair (i, j), i != j: a contact-map entry, its own column; vectorized here
        single = np.flatnonzero(
            (sizes == 2)
            & (np.array(n_a) == 1)
            & np.array([len(a) == 2 and a[0] != a[1] for a in atoms])
        )
        pair_list = [
            np.sort(np.array([atoms[k] for k in single], dtype=np.int64).reshape(-1, 2), axis=1)
        ]
        col_list = [column[single]]
        step_list = [np.ones(single.size, dtype=np.int64)]
        key_list = [keys[single]]
        sum_cols = []
        is_single = np.zeros(len(qs), dtype=bool)
        is_single[single] = True
        for k in np.flatnonzero(~is_single):  # sums over pairs: accumulator -col - 1
            sum_cols.append(column[k])
            pairs = _group_pairs(np.asarray(atoms[k]), n_a[k], unordered=True).reshape(-1, 2)
            pair_list.append(pairs)
            col_list.append(np.full(len(pairs), -len(sum_cols), dtype=np.int64))
            step_list.append(np.zeros(len(pairs), dtype=np.int64))
            key_list.append(np.full(len(pairs), keys[k], dtype=np.int64))
        pairs = np.concatenate([p.reshape(-1, 2) for p in pair_list]).astype(np.int64)
        if len(pairs):
            used, lp = _used_atoms(pairs)
        else:
            used, lp = np.zeros(0, dtype=np.int64), pairs
        runs = _runs(lp[:, 0], lp[:, 1], *map(np.concatenate, (col_list, step_list, key_list)))
        table = list(switches)
        codes = np.array([_SWITCH_CODES[t[0]] for t in table], dtype=np.int64)
        r0, d0 = (np.array([t[k] for t in table], dtype=np.float64) for k in (1, 2))
        nn, mm = (np.array([t[k] for t in table], dtype=np.int64) for k in (3, 4))
        sum_cols = np.array(sum_cols, dtype=np.int64)

        def step(xyz, boxes, pbc, triclinic, out):
            _kernels.coordination_columns(
                xyz, used, runs, codes, r0, d0, nn, mm, sum_cols, boxes, pbc, triclinic, out
            )

        step.runs = runs
        return step

    @staticmethod
    def _generic_step(kind, quantities, atoms, cols) -> Callable:
        atoms = [np.asarray(a, dtype=np.int64) for a in atoms]
        moves: dict[str, tuple[list[int], list[int]]] = {}
        for k, pairs in enumerate(cols):
            for column, transform in pairs:
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


_PLANS: dict[tuple, tuple[FeatureSpec, _Plan]] = {}
_PLAN_CACHE_SIZE = 8


def _plan(spec: FeatureSpec, n_atoms: int, atom_indices: np.ndarray | None) -> _Plan:
    """The plan of ``spec`` for these atoms, built once and reused (specs are immutable).

    Keyed by the spec object's identity; the cache keeps a reference to the spec so the
    identity cannot be reused while the entry lives. The last few plans are kept.
    """
    selection = None if atom_indices is None else np.asarray(atom_indices, np.int64).tobytes()
    key = (id(spec), n_atoms, selection)
    hit = _PLANS.get(key)
    if hit is not None and hit[0] is spec:
        return hit[1]
    plan = _Plan(spec, n_atoms, atom_indices)
    if len(_PLANS) >= _PLAN_CACHE_SIZE:
        _PLANS.pop(next(iter(_PLANS)))
    _PLANS[key] = (spec, plan)
    return plan


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
    return _plan(spec, traj.n_atoms, atom_indices).compute(traj)


def _stream(source: TrajectorySet, index: int, plan: _Plan, worker, progress):
    """Features of trajectory ``index`` of ``source``, and the times of its chunks."""
    out = np.empty((source.n_frames[index], plan.n_features), dtype=np.float32)
    filled = 0
    stamps = []
    pending = None  # (future, n_frames) of the chunk being computed

    def finish():
        if pending is not None:
            pending[0].result()
            if progress is not None:
                progress(pending[1])

    for chunk in source.iterchunks(index):
        stamps.append(np.asarray(chunk.time, dtype=np.float64))
        n = chunk.n_frames
        if filled + n > out.shape[0]:  # more frames than counted: grow (rare)
            finish()
            pending = None
            out = np.concatenate([out[:filled], plan.compute(chunk)])
            if progress is not None:
                progress(n)
        else:  # computed straight into the result, no copy
            future = worker.submit(plan.compute, chunk, out[filled : filled + n])
            finish()
            pending = (future, n)
        filled += n
    finish()
    return out[:filled], stamps


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
        plan = _plan(spec, source.topology.n_atoms, source.atom_indices)
        # The kernels release the GIL: chunk k is computed on a worker thread while this
        # thread reads chunk k+1 (mdtraj's readers hold the GIL), so compute overlaps I/O.
        # The reader keeps one core: the worker's kernels use one thread fewer (numba's
        # thread count is per calling thread), which also spares idle OpenMP threads
        # spinning against the reader.
        threads = max(1, numba.get_num_threads() - 1)
        with ThreadPoolExecutor(
            1, initializer=numba.set_num_threads, initargs=(threads,)
        ) as worker:
            for index in range(len(source.paths)):
                out, stamps = _stream(source, index, plan, worker, progress)
                results.append(out)
                if times is not None:
                    times.append(np.concatenate(stamps) if stamps else np.empty(0))
        return results
    for traj in source:
        block = _plan(spec, traj.n_atoms, None).compute(traj)
        if progress is not None:
            progress(block.shape[0])
        results.append(block)
        if times is not None:
            times.append(np.asarray(traj.time, dtype=np.float64))
    return results
