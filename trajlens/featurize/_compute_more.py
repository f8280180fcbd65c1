"""Batch the structure and environment kinds into their kernels (called by ``core``)."""

from __future__ import annotations

import numpy as np

from trajlens.featurize import _kernels_environment as env
from trajlens.featurize import _kernels_structure as structure

KINDS = (
    "rmsd",
    "aligned_position",
    "coordination_number",
    "steinhardt",
    "symmetry_g2",
    "symmetry_g4",
)
_SWITCH_CODES = {"rational": 0, "exp": 1, "gaussian": 2}


def _reference(params) -> np.ndarray:
    return np.asarray(dict(params)["reference"], dtype=np.float64).reshape(-1, 3)


def compute(kind, xyz, atoms, quantities, boxes, pbc, triclinic) -> np.ndarray:
    """Values (float32, (n_frames, len(quantities))) of quantities of one of :data:`KINDS`.

    ``atoms`` are the quantities' atoms mapped to columns of ``xyz``.
    """
    n_frames = xyz.shape[0]
    if kind == "rmsd":
        out = np.empty((n_frames, len(quantities)), dtype=np.float32)
        for k, (a, q) in enumerate(zip(atoms, quantities, strict=True)):
            ref = _reference(q[3])
            ref = np.ascontiguousarray(ref - ref.mean(axis=0))
            out[:, k] = structure.rmsd(xyz, a, ref, boxes, pbc, triclinic)
        return out
    if kind == "aligned_position":
        # one superposition per (fit atoms, reference), shared by all its columns
        groups: dict[tuple, list[int]] = {}
        for k, (a, q) in enumerate(zip(atoms, quantities, strict=True)):
            groups.setdefault((tuple(a[1:]), dict(q[3])["reference"]), []).append(k)
        out = np.empty((n_frames, len(quantities)), dtype=np.float32)
        for (fit, reference), columns in groups.items():
            ref = np.asarray(reference, dtype=np.float64).reshape(-1, 3)
            center = ref.mean(axis=0)
            targets = np.array([atoms[k][0] for k in columns], dtype=np.int64)
            axes = np.array(
                ["xyz".index(dict(quantities[k][3])["axis"]) for k in columns], dtype=np.int64
            )
            out[:, columns] = structure.aligned_positions(
                xyz,
                np.asarray(fit, dtype=np.int64),
                np.ascontiguousarray(ref - center),
                center,
                targets,
                axes,
                boxes,
                pbc,
                triclinic,
            )
        return out
    flat = np.ascontiguousarray(np.concatenate(atoms).astype(np.int64))
    offsets = np.cumsum([0] + [a.size for a in atoms]).astype(np.int64)
    params = [dict(q[3]) for q in quantities]
    n_a = np.array([p["n_a"] for p in params], dtype=np.int64)

    def column(key, dtype=np.float64):
        return np.array([p[key] for p in params], dtype=dtype)

    if kind in ("coordination_number", "steinhardt"):
        codes = np.array([_SWITCH_CODES[p["switch"]] for p in params], dtype=np.int64)
        switch = (codes, column("r0"), column("d0"), column("nn"), column("mm"))
        if kind == "coordination_number":
            return env.coordination_numbers(xyz, flat, offsets, n_a, *switch, boxes, pbc, triclinic)
        ells = column("l", np.int64)
        return env.steinhardt(xyz, flat, offsets, n_a, ells, *switch, boxes, pbc, triclinic)
    if kind == "symmetry_g2":
        return env.symmetry_g2(
            xyz, flat, offsets, n_a, column("eta"), column("rs"), column("rc"), boxes, pbc,
            triclinic,
        )  # fmt: skip
    return env.symmetry_g4(
        xyz, flat, offsets, n_a, column("eta"), column("zeta"), column("lambda"), column("rc"),
        boxes, pbc, triclinic,
    )  # fmt: skip
