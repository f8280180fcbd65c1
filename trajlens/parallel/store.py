"""A Zarr feature store: features computed once, chunked on disk, projected many times.

Layout of a store (a folder, ``features.zarr``)::

    zarr.json             group attributes: "trajlens_store" (below)
    traj_<i>/features     float32, shape (n_frames_i, n_features), chunks (chunk, n_features)
    traj_<i>/time         float64, shape (n_frames_i,), ps

The ``trajlens_store`` attribute holds the format version, the feature spec (the JSON of
``FeatureSpec.to_dict``: kinds, 0-based atoms, labels), the source files (absolute path, size
in bytes, modification time, frames after the stride), the topology, the stride and the atom
selection, the chunk length, and ``complete``. A store is written under a temporary name next
to its final place, ``complete`` is set once every chunk is written, and only then is it
renamed into place: a store that exists under its final name is whole.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trajlens.exceptions import InputError, OutputError
from trajlens.featurize import FeatureSpec

FORMAT = "trajlens-features"
VERSION = 1


def _zarr():
    try:
        import zarr
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise InputError("the Zarr feature store needs zarr: pip install 'trajlens[dask]'") from exc
    return zarr


def source_record(path: Path, n_frames: int) -> dict:
    """Identity of a source trajectory: absolute path, size (bytes), mtime (ns), frames."""
    st = Path(path).stat()
    return {
        "path": str(Path(path).resolve()),
        "size": int(st.st_size),
        "mtime_ns": int(st.st_mtime_ns),
        "n_frames": int(n_frames),
    }


def describe_inputs(trajectories, spec: FeatureSpec, chunk: int) -> dict:
    """The ``trajlens_store`` attribute of a store of ``spec`` over ``trajectories``."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "complete": False,
        "spec": spec.to_dict(),
        "sources": [
            source_record(p, n)
            for p, n in zip(trajectories.paths, trajectories.n_frames, strict=True)
        ],
        "topology": None
        if trajectories.top_path is None
        else str(Path(trajectories.top_path).resolve()),
        "stride": int(trajectories.stride),
        "atom_indices": None
        if trajectories.atom_indices is None
        else [int(a) for a in trajectories.atom_indices],
        "chunk": int(chunk),
        "n_features": len(spec),
        "n_frames": [int(n) for n in trajectories.n_frames],
    }


@dataclass
class FeatureStore:
    """A complete feature store opened for reading.

    Attributes
    ----------
    path : Path
    meta : dict
        The ``trajlens_store`` attribute (see the module docstring).
    """

    path: Path
    meta: dict

    @property
    def n_frames(self) -> tuple[int, ...]:
        return tuple(self.meta["n_frames"])

    @property
    def n_trajectories(self) -> int:
        return len(self.meta["n_frames"])

    @property
    def n_features(self) -> int:
        return int(self.meta["n_features"])

    @property
    def chunk(self) -> int:
        return int(self.meta["chunk"])

    def spec(self) -> FeatureSpec:
        """The feature spec the store was computed with."""
        return FeatureSpec.from_dict(self.meta["spec"])

    def _group(self):
        return _zarr().open_group(str(self.path), mode="r")

    def features(self, index: int, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Features (float32, shape (stop - start, n_features)) of trajectory ``index``."""
        return np.asarray(self._group()[f"traj_{index}/features"][start:stop])

    def times(self, index: int, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Time (ps, float64) of frames ``start:stop`` of trajectory ``index``."""
        return np.asarray(self._group()[f"traj_{index}/time"][start:stop])

    def load(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """All features and times, one array per trajectory (reads everything into memory)."""
        group = self._group()
        X = [np.asarray(group[f"traj_{i}/features"][:]) for i in range(self.n_trajectories)]
        T = [np.asarray(group[f"traj_{i}/time"][:]) for i in range(self.n_trajectories)]
        return X, T

    def matches(self, trajectories, spec: FeatureSpec) -> bool:
        """Whether the store holds ``spec`` computed over exactly these unchanged files."""
        want = describe_inputs(trajectories, spec, self.chunk)
        keys = ("spec", "sources", "stride", "atom_indices", "n_frames")
        return all(_canonical(want[k]) == _canonical(self.meta.get(k)) for k in keys)


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True)


def open_store(path: str | Path) -> FeatureStore:
    """Open a complete feature store.

    Raises
    ------
    InputError
        ``path`` is not a trajlens feature store, or it was never completed.
    """
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"--store: {path} is not a feature store (no such folder)")
    zarr = _zarr()
    try:
        group = zarr.open_group(str(path), mode="r")
        meta = dict(group.attrs.asdict()).get("trajlens_store")
    except Exception as exc:
        raise InputError(f"--store: {path} is not a Zarr store: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise InputError(f"--store: {path} is a Zarr store but not a trajlens feature store")
    if meta.get("version") != VERSION:
        raise InputError(
            f"--store: {path} has store version {meta.get('version')}; expected {VERSION}"
        )
    if not meta.get("complete"):
        raise InputError(f"--store: {path} is incomplete (featurization did not finish)")
    return FeatureStore(path, meta)


def create_store(path: Path, meta: dict, chunk: int):
    """Create the (incomplete) store folder with empty arrays; returns the Zarr group."""
    zarr = _zarr()
    group = zarr.open_group(str(path), mode="w")
    n_features = int(meta["n_features"])
    # zarr 3 names it create_array, zarr 2 create_dataset
    create = getattr(group, "create_array", None) or group.create_dataset
    for i, n in enumerate(meta["n_frames"]):
        c = max(1, min(int(chunk), int(n)))
        create(
            f"traj_{i}/features",
            shape=(int(n), n_features),
            chunks=(c, n_features),
            dtype="float32",
        )
        create(f"traj_{i}/time", shape=(int(n),), chunks=(c,), dtype="float64")
    group.attrs["trajlens_store"] = meta
    return group


def write_region(path: str, index: int, start: int, features: np.ndarray, time: np.ndarray):
    """Write frames ``start:start+len`` of trajectory ``index`` (chunk-aligned, one writer)."""
    group = _zarr().open_group(str(path), mode="r+")
    stop = start + features.shape[0]
    group[f"traj_{index}/features"][start:stop] = features
    group[f"traj_{index}/time"][start:stop] = time


def finish_store(tmp: Path, final: Path, meta: dict, overwrite: bool) -> FeatureStore:
    """Mark the temporary store complete and move it to ``final`` (replacing an old store)."""
    zarr = _zarr()
    group = zarr.open_group(str(tmp), mode="r+")
    meta = dict(meta, complete=True)
    group.attrs["trajlens_store"] = meta
    old = None
    if final.exists():
        if not overwrite:
            raise OutputError(f"--store: {final} exists; give --overwrite to replace it")
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
    try:
        os.replace(tmp, final)
    except OSError:
        if old is not None:
            os.replace(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return FeatureStore(final, meta)
