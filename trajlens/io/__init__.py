"""Reading trajectories in chunks (mdtraj), COLVAR files, and writing results safely."""

from trajlens.io.colvar import read_colvar, write_colvar
from trajlens.io.output import atomic_output_dir
from trajlens.io.trajectory import TrajectorySet, example_files, open_trajectories

__all__ = [
    "TrajectorySet",
    "atomic_output_dir",
    "example_files",
    "open_trajectories",
    "read_colvar",
    "write_colvar",
]
