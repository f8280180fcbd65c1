"""Functions run on the Dask workers, one call per (trajectory, frame range).

They take plain arguments (a store path, indices, fitted models) and return small results:
moments, projections of one chunk, labels. Nothing here talks to the scheduler.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import mdtraj as md
import numpy as np

from trajlens.exceptions import InputError
from trajlens.featurize.core import compute_frames
from trajlens.io.trajectory import (
    _NATIVE_STRIDE,
    TrajectorySet,
    _c_output_silenced,
    _describe,
    _suffix,
)
from trajlens.parallel.store import _zarr, write_region
from trajlens.reduce._moments import RunningMoments
from trajlens.reduce.tica import LaggedMoments


def read_range(
    trajectories: TrajectorySet, index: int, start: int, stop: int, piece: int
) -> Iterator[md.Trajectory]:
    """Frames ``start:stop`` (counted after the stride) of trajectory ``index``, in pieces.

    Formats with random access (xtc, trr, dcd, nc) seek straight to ``start``; the others are
    streamed from the beginning of the file and the frames before ``start`` dropped.
    """
    path = trajectories.paths[index]
    stride = trajectories.stride
    pos = start
    try:
        if _suffix(path) in _NATIVE_STRIDE:
            with _c_output_silenced():
                handle = md.open(str(path))
            try:
                while pos < stop:
                    with _c_output_silenced():
                        handle.seek(pos * stride)
                        traj = handle.read_as_traj(
                            trajectories.topology,
                            n_frames=min(piece, stop - pos),
                            stride=stride,
                            atom_indices=trajectories.atom_indices,
                        )
                    if traj.n_frames == 0:
                        break
                    pos += traj.n_frames
                    yield traj
            finally:
                handle.close()
        else:
            offset = 0
            for traj in trajectories.iterchunks(index, chunk=piece):
                lo, hi = max(start - offset, 0), min(stop - offset, traj.n_frames)
                if lo < hi:
                    pos += hi - lo
                    yield traj[lo:hi]
                offset += traj.n_frames
                if offset >= stop:
                    break
    except InputError:
        raise
    except (OSError, RuntimeError, ValueError, EOFError, IndexError) as exc:
        raise InputError(
            f"{path}: unreadable at frame {pos} (corrupt or truncated file?): {_describe(exc)}"
        ) from exc
    if pos != stop:
        raise InputError(f"{path}: ended at frame {pos}; expected {stop} frames (stride {stride})")


def featurize_range(
    trajectories: TrajectorySet, spec, store: str, index: int, start: int, stop: int, piece: int
) -> int:
    """Featurize frames ``start:stop`` of trajectory ``index`` into the store; returns frames."""
    feats, times = [], []
    for traj in read_range(trajectories, index, start, stop, piece):
        feats.append(compute_frames(traj, spec, trajectories.atom_indices))
        times.append(np.asarray(traj.time, dtype=np.float64))
    write_region(store, index, start, np.concatenate(feats), np.concatenate(times))
    return stop - start


def _features(store: str, index: int, start: int, stop: int) -> np.ndarray:
    group = _zarr().open_group(store, mode="r")
    return np.asarray(group[f"traj_{index}/features"][start:stop])


def moments(store: str, index: int, start: int, stop: int) -> RunningMoments:
    """Float64 mean and scatter matrix of frames ``start:stop``."""
    X = _features(store, index, start, stop)
    return RunningMoments(X.shape[1]).add(X)


def lagged_moments(
    store: str, index: int, start: int, stop: int, n_frames: int, lag: int, shift: np.ndarray
) -> LaggedMoments:
    """Sums over the pairs (x_t, x_t+lag) with t in ``start:stop``, inside trajectory ``index``.

    Frames up to ``stop + lag`` are read (the overlap with the next range), never past the
    end of the trajectory, so no pair spans two trajectories and every pair is counted once.
    """
    X = _features(store, index, start, min(stop + lag, n_frames))
    return LaggedMoments(X.shape[1], shift).add(X, lag)


def merge(a, b):
    """Moments of the union of two disjoint parts (a copy; the inputs are left alone)."""
    return copy.deepcopy(a).merge(b)


def strided_rows(store: str, index: int, start: int, stop: int, offset: int, step: int):
    """Rows ``r`` in ``start:stop`` whose global row ``offset + r`` is a multiple of ``step``."""
    first = start + (-(offset + start)) % step
    if first >= stop:
        return None
    return _features(store, index, first, stop)[::step]


def transform(store: str, index: int, start: int, stop: int, model) -> np.ndarray:
    """Out-of-sample projection of frames ``start:stop`` with a fitted model."""
    return model.transform(_features(store, index, start, stop))


def predict_clusters(coords: np.ndarray, model, n_dims: int):
    """HDBSCAN labels and membership strengths (``approximate_predict``) of one chunk."""
    import hdbscan

    labels, probs = hdbscan.approximate_predict(
        model, np.ascontiguousarray(coords[:, :n_dims], dtype=np.float64)
    )
    return np.asarray(labels, dtype=np.int64), np.asarray(probs, dtype=np.float64)


def assign_basins(coords: np.ndarray, surface, cell_labels: np.ndarray) -> np.ndarray:
    """Basin of each frame of one chunk: the basin of the grid cell the frame falls in."""
    X = np.asarray(coords, dtype=np.float64)[:, : surface.ndim]
    cells = np.ravel_multi_index(surface.cell_of(X), cell_labels.shape)
    return cell_labels.reshape(-1)[cells].astype(np.int64)
