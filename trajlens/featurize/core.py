"""Compute a feature spec on frames: in-memory trajectories or a streamed TrajectorySet."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import mdtraj as md
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
    if atom_indices is None:
        _check_atoms(spec.features, traj.n_atoms)
        local = None
    else:
        local = np.full(int(max(spec.max_atom, atom_indices.max())) + 1, -1, dtype=np.int64)
        local[atom_indices] = np.arange(atom_indices.size)
    xyz = np.ascontiguousarray(traj.xyz, dtype=np.float32)
    boxes, pbc, triclinic = _boxes(traj)
    out = np.empty((traj.n_frames, len(spec)), dtype=np.float32)
    by_kind: dict[str, list[tuple]] = {}
    for q in spec.quantities():
        by_kind.setdefault(q[0], []).append(q)
    values: dict[str, np.ndarray] = {}
    for kind, quantities in by_kind.items():
        mapped = []
        for q in quantities:
            atoms = np.asarray(q[1], dtype=np.int64)
            if local is not None:
                atoms = local[atoms]
                if np.any(atoms < 0):
                    raise InputError(
                        f"feature {q[2]!r}: uses atoms outside the selection (--select)"
                    )
            mapped.append(atoms)
        result = _compute_kind(kind, xyz, mapped, quantities, boxes, pbc, triclinic)
        for column, q in enumerate(quantities):
            values[q[2]] = result[:, column]
    for column, feature in enumerate(spec.features):
        raw = values[feature.name]
        func = _TRANSFORM[feature.transform]
        out[:, column] = raw if func is None else func(raw.astype(np.float64))
    return out


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
        for index in range(len(source.paths)):
            expected = source.n_frames[index]
            out = np.empty((expected, len(spec)), dtype=np.float32)
            filled = 0
            stamps = []
            for chunk in source.iterchunks(index):
                stamps.append(np.asarray(chunk.time, dtype=np.float64))
                block = compute_frames(chunk, spec, source.atom_indices)
                if filled + block.shape[0] > out.shape[0]:
                    out = np.concatenate([out[:filled], block])
                else:
                    out[filled : filled + block.shape[0]] = block
                filled += block.shape[0]
                if progress is not None:
                    progress(block.shape[0])
            results.append(out[:filled])
            if times is not None:
                times.append(np.concatenate(stamps) if stamps else np.empty(0))
        return results
    for traj in source:
        block = compute_frames(traj, spec)
        if progress is not None:
            progress(block.shape[0])
        results.append(block)
        if times is not None:
            times.append(np.asarray(traj.time, dtype=np.float64))
    return results
