"""Streamed, validated access to one or many trajectory files through mdtraj.

Any format mdtraj reads is accepted (xtc, dcd, trr, nc, h5, pdb, gro, ...). Files that carry
no topology need one (``top``). Frames are read in chunks, so memory is set by ``chunk`` and
not by the length of the trajectory. Problems are reported as :class:`InputError` naming the
file and what was expected, before any output is written.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import mdtraj as md
import numpy as np

from trajlens.exceptions import InputError

#: Formats from which mdtraj can take the topology itself.
_SELF_DESCRIBING = {".pdb", ".pdb.gz", ".h5", ".gro", ".mol2", ".hdf5", ".lh5", ".cif", ".pdbx"}

#: Formats whose mdtraj iterload applies a stride correctly across chunks; for the others
#: (mdtraj 1.11's HDF5 reader repeats frames when stride and chunk are combined) the stride
#: is applied here, on frames read in order.
_NATIVE_STRIDE = {".xtc", ".trr", ".dcd", ".nc", ".netcdf", ".ncdf"}

_EXAMPLES = {
    "ala2": ("ala2/ala2.xtc", "ala2/ala2.pdb"),
    "ala2_obc2": ("ala2_obc2/ala2.xtc", "ala2_obc2/ala2.pdb"),
    "ala10": ("ala10/ala10.xtc", "ala10/ala10.pdb"),
}


def example_files(name: str) -> tuple[Path, Path]:
    """Return ``(trajectory, topology)`` paths of a bundled example.

    Parameters
    ----------
    name : str
        ``"ala2"``: alanine dipeptide in vacuum, amber14, 300 K, 10 ns saved every 1 ps
        (see ``trajlens/data/make_ala2.py`` for how it was made).
        ``"ala2_obc2"``: the same molecule in OBC2 implicit water, 2 ns saved every 1 ps
        (2,000 frames), where the right-handed helix (αR) is a basin of its own.
        ``"ala10"``:
        deca-alanine (ACE-(ALA)10-NME) in vacuum, amber14, 450 K, 2 ns saved every 2 ps
        (``trajlens/data/make_peptide.py``).
    """
    if name not in _EXAMPLES:
        raise InputError(
            f"--example: unknown example {name!r}; expected one of {sorted(_EXAMPLES)}"
        )
    root = resources.files("trajlens") / "data"
    traj, top = (Path(str(root / rel)) for rel in _EXAMPLES[name])
    for path in (traj, top):
        if not path.is_file():
            raise InputError(
                f"example {name!r}: bundled file {path} is missing from the installation"
            )
    return traj, top


@contextmanager
def _c_output_silenced() -> Iterator[None]:
    """Silence what mdtraj's C readers print on file descriptors 1 and 2.

    The XTC and DCD plugins write notes and errors straight to the descriptors (for example
    "(xdrfile error) ..."); trajlens reports problems itself, as one line.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, ValueError, OSError):
            pass
    try:
        saved = [os.dup(1), os.dup(2)]
    except OSError:  # no real descriptors (embedded interpreter): nothing to silence
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if len(suffixes) >= 2 and suffixes[-1] == ".gz":
        return "".join(suffixes[-2:])
    return suffixes[-1] if suffixes else ""


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


@dataclass
class TrajectorySet:
    """One or many trajectory files sharing a topology, read lazily in chunks.

    Use :func:`open_trajectories` to build one; it validates every file.

    Attributes
    ----------
    paths : tuple of Path
        Trajectory files, in the order given.
    topology : mdtraj.Topology
        Topology of the full system (all atoms in the files).
    atom_indices : ndarray of int, shape (n_selected,) or None
        0-based indices (into the full system) of the atoms read; None reads all atoms.
    stride : int
        Only every ``stride``-th frame is read.
    chunk : int
        Number of frames per chunk.
    n_frames : tuple of int
        Frames per file after the stride.
    """

    paths: tuple[Path, ...]
    topology: md.Topology
    top_path: Path | None = None
    atom_indices: np.ndarray | None = None
    stride: int = 1
    chunk: int = 5000
    n_frames: tuple[int, ...] = field(default=())

    @property
    def selected_topology(self) -> md.Topology:
        """Topology of the atoms that are read (the selection)."""
        if self.atom_indices is None:
            return self.topology
        return self.topology.subset(self.atom_indices)

    @property
    def selected_atoms(self) -> np.ndarray:
        """0-based indices into the full system of the atoms that are read."""
        if self.atom_indices is None:
            return np.arange(self.topology.n_atoms)
        return self.atom_indices

    @property
    def total_frames(self) -> int:
        return int(sum(self.n_frames))

    def iterchunks(self, index: int, chunk: int | None = None) -> Iterator[md.Trajectory]:
        """Yield chunks (``mdtraj.Trajectory``) of trajectory ``index``, stride applied."""
        path = self.paths[index]
        chunk = self.chunk if chunk is None else chunk
        native = self.stride == 1 or _suffix(path) in _NATIVE_STRIDE
        read = 0  # frames yielded (after the stride)
        seen = 0  # frames read from the file
        try:
            pieces = md.iterload(
                str(path),
                chunk=chunk if native else chunk * self.stride,
                top=self.topology,
                stride=self.stride if native else 1,
                atom_indices=self.atom_indices,
            )
            while True:
                with _c_output_silenced():
                    piece = next(pieces, None)
                if piece is None:
                    break
                if not native:
                    first = (-seen) % self.stride
                    seen += piece.n_frames
                    piece = piece[first :: self.stride]
                    if piece.n_frames == 0:
                        continue
                read += piece.n_frames
                yield piece
        except (OSError, RuntimeError, ValueError, EOFError, IndexError) as exc:
            raise InputError(
                f"{path}: unreadable after {read} frames (corrupt or truncated file?): "
                f"{_describe(exc)}"
            ) from exc

    def read_frames(self, index: int, frames: Sequence[int]) -> md.Trajectory:
        """Read the given frames (counted after the stride) of trajectory ``index``."""
        frames = np.asarray(frames, dtype=np.int64)
        if frames.size == 0:
            raise ValueError("no frames requested")
        wanted: dict[int, list[int]] = {}
        for k, f in enumerate(frames.tolist()):
            wanted.setdefault(f, []).append(k)
        pieces: list[md.Trajectory | None] = [None] * frames.size
        offset = 0
        for piece in self.iterchunks(index):
            local = [f for f in wanted if offset <= f < offset + piece.n_frames]
            for f in local:
                for k in wanted.pop(f):
                    pieces[k] = piece[f - offset]
            offset += piece.n_frames
            if not wanted:
                break
        if wanted:
            raise InputError(
                f"{self.paths[index]}: has no frame {min(wanted)} (stride {self.stride})"
            )
        return md.join(pieces, check_topology=False)


def _load_topology(top: Path | None, first: Path) -> tuple[md.Topology, Path | None]:
    if top is not None:
        top = Path(top)
        if not top.is_file():
            raise InputError(f"--top: topology file {top} does not exist")
        try:
            with _c_output_silenced():
                return md.load_topology(str(top)), top
        except Exception as exc:  # mdtraj raises many types for unreadable files
            raise InputError(f"--top: cannot read topology from {top}: {_describe(exc)}") from exc
    if _suffix(first) not in _SELF_DESCRIBING:
        raise InputError(
            f"{first}: this format carries no topology; give one with --top (a PDB, GRO, ...)"
        )
    try:
        with _c_output_silenced():
            return md.load_topology(str(first)), None
    except Exception as exc:
        raise InputError(f"{first}: cannot read a topology from it: {_describe(exc)}") from exc


_SHAPE = re.compile(r"shape \(Any, (\d+), 3\)\. You supplied\s+\(\d+, (\d+), 3\)")


def _count_frames(path: Path, topology: md.Topology, stride: int) -> int:
    """Check that ``path`` matches ``topology`` and count its frames (after the stride)."""
    try:
        with _c_output_silenced():
            first = md.load_frame(str(path), 0, top=topology)
    except ValueError as exc:
        match = _SHAPE.search(str(exc))
        if match:
            raise InputError(
                f"{path}: has {match.group(2)} atoms but the topology has {match.group(1)}; "
                "expected the topology of this trajectory"
            ) from exc
        raise InputError(f"{path}: cannot read it as a trajectory: {_describe(exc)}") from exc
    except Exception as exc:
        raise InputError(f"{path}: cannot read it as a trajectory: {_describe(exc)}") from exc
    if first.n_atoms != topology.n_atoms:
        raise InputError(
            f"{path}: has {first.n_atoms} atoms but the topology has {topology.n_atoms}"
        )
    try:
        with _c_output_silenced(), md.open(str(path)) as handle:
            n = len(handle)
    except Exception:
        n = None
    if n is None:  # formats without a cheap length: count by streaming coordinates only
        n = 0
        try:
            with _c_output_silenced():
                for piece in md.iterload(str(path), chunk=10000, top=topology, atom_indices=[0]):
                    n += piece.n_frames
        except Exception as exc:
            raise InputError(
                f"{path}: unreadable after {n} frames (corrupt or truncated file?): {_describe(exc)}"
            ) from exc
    return (n + stride - 1) // stride


def open_trajectories(
    paths: Sequence[str | Path] | str | Path,
    top: str | Path | None = None,
    *,
    stride: int = 1,
    selection: str | None = None,
    chunk: int = 5000,
) -> TrajectorySet:
    """Validate trajectory files and return a lazily read :class:`TrajectorySet`.

    Parameters
    ----------
    paths : path or sequence of paths
        Trajectory files in any format mdtraj reads. Several files are kept as separate
        trajectories (never concatenated).
    top : path, optional
        Topology file; needed unless the first trajectory carries its own (PDB, GRO, H5).
    stride : int, default 1
        Read every ``stride``-th frame.
    selection : str, optional
        mdtraj selection (for example ``"protein"`` or ``"not water"``) of the atoms to read.
    chunk : int, default 5000
        Frames per chunk when streaming.

    Raises
    ------
    InputError
        A file is missing, unreadable, or does not match the topology; the selection is
        empty or invalid; stride or chunk is not a positive integer.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise InputError("no trajectory given: expected one or more trajectory files")
    if int(stride) != stride or stride < 1:
        raise InputError(f"--stride: expected a positive integer, got {stride}")
    if int(chunk) != chunk or chunk < 1:
        raise InputError(f"--chunk-size: expected a positive integer, got {chunk}")
    for path in paths:
        if not path.exists():
            raise InputError(f"trajectory file {path} does not exist")
        if not path.is_file():
            raise InputError(f"{path}: is not a file; expected a trajectory file")
    topology, top_path = _load_topology(None if top is None else Path(top), paths[0])
    atom_indices = None
    if selection is not None and selection.strip() not in ("", "all"):
        try:
            atom_indices = topology.select(selection)
        except Exception as exc:
            raise InputError(
                f"--select: invalid selection {selection!r}: {_describe(exc)}"
            ) from exc
        if atom_indices.size == 0:
            raise InputError(f"--select: selection {selection!r} matches no atoms")
        atom_indices = np.asarray(atom_indices, dtype=np.int64)
    n_frames = tuple(_count_frames(p, topology, int(stride)) for p in paths)
    return TrajectorySet(
        paths=tuple(paths),
        topology=topology,
        top_path=top_path,
        atom_indices=atom_indices,
        stride=int(stride),
        chunk=int(chunk),
        n_frames=n_frames,
    )
