"""Plain NumPy twins of ``_kernels_structure.py`` (float64; Kabsch's SVD, not quaternions)."""

from __future__ import annotations

import numpy as np

from trajlens.featurize._reference import displacement


def whole(xyz: np.ndarray, atoms, boxes: np.ndarray | None) -> np.ndarray:
    """Positions (n_frames, n, 3) of ``atoms``, made whole along the list if ``boxes``."""
    atoms = np.asarray(atoms)
    steps = displacement(xyz, atoms[:-1], atoms[1:], boxes)
    start = xyz[:, atoms[:1], :].astype(np.float64)
    return np.concatenate([start, start + np.cumsum(steps, axis=1)], axis=1)


def kabsch(mobile: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Rotation R (3, 3) minimising |R x - y| over centred (n, 3) ``mobile`` x, ``target`` y."""
    u, _, vt = np.linalg.svd(mobile.T @ target)
    sign = np.sign(np.linalg.det(u @ vt))
    return (u @ np.diag([1.0, 1.0, sign]) @ vt).T


def rmsd(xyz, atoms, reference, boxes=None) -> np.ndarray:
    """RMSD (nm) after optimal superposition onto ``reference`` (n, 3)."""
    ref = np.asarray(reference, dtype=np.float64)
    ref = ref - ref.mean(axis=0)
    out = []
    for pos in whole(xyz, atoms, boxes):
        x = pos - pos.mean(axis=0)
        r = kabsch(x, ref)
        out.append(np.sqrt(np.mean(np.sum((x @ r.T - ref) ** 2, axis=1))))
    return np.array(out)


def aligned_positions(xyz, fit_atoms, reference, targets, boxes=None) -> np.ndarray:
    """Positions (n_frames, len(targets), 3) after superposing ``fit_atoms`` on ``reference``."""
    ref = np.asarray(reference, dtype=np.float64)
    ref_center = ref.mean(axis=0)
    out = []
    for f, pos in enumerate(whole(xyz, fit_atoms, boxes)):
        center = pos.mean(axis=0)
        r = kabsch(pos - center, ref - ref_center)
        moved = (xyz[f, targets].astype(np.float64) - center) @ r.T + ref_center
        out.append(moved)
    return np.array(out)
