"""Numba kernels for structure features: RMSD and positions after optimal superposition.

Conventions as ``_kernels.py``: ``cache=True``, ``prange`` over frames, no fastmath, float64
math, float32 out. The optimal rotation is the quaternion of Horn (1987): the eigenvector of
the largest eigenvalue of a symmetric 4x4 matrix built from the 3x3 correlation of the
centred structures (the NumPy twin in ``_reference_structure.py`` uses Kabsch's SVD
instead). With a box, the fitted atoms are first made whole atom by atom along their list
(each placed at the minimum image of its predecessor), as PLUMED's RMSD and FIT_TO_TEMPLATE
do; other atoms are moved rigidly from their stored positions.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from trajlens.featurize._pbc import invert3, min_image


@njit(cache=True)
def _whole(xyz, frame, atoms, pbc, triclinic, box, inv, pos):
    """pos[k] = position of atoms[k], made whole along the list when ``pbc``."""
    d = np.empty(3)
    for c in range(3):
        pos[0, c] = xyz[frame, atoms[0], c]
    for k in range(1, atoms.shape[0]):
        for c in range(3):
            d[c] = np.float64(xyz[frame, atoms[k], c]) - np.float64(xyz[frame, atoms[k - 1], c])
        if pbc:
            min_image(d, box, inv, triclinic)
        for c in range(3):
            pos[k, c] = pos[k - 1, c] + d[c]


@njit(cache=True)
def _fit(pos, ref, center, rot):
    """Optimal rotation ``rot`` with ref ~ rot @ (pos - center); ``ref`` is centred.

    ``center`` receives the centroid of ``pos``; returns the RMSD (nm) after the fit.
    """
    n = pos.shape[0]
    for c in range(3):
        center[c] = 0.0
    for k in range(n):
        for c in range(3):
            center[c] += pos[k, c]
    for c in range(3):
        center[c] /= n
    s = np.zeros((3, 3))  # s[a, b] = sum_k x_a y_b
    for k in range(n):
        for a in range(3):
            xa = pos[k, a] - center[a]
            for b in range(3):
                s[a, b] += xa * ref[k, b]
    sxx, sxy, sxz = s[0, 0], s[0, 1], s[0, 2]
    syx, syy, syz = s[1, 0], s[1, 1], s[1, 2]
    szx, szy, szz = s[2, 0], s[2, 1], s[2, 2]
    m = np.empty((4, 4))
    m[0, 0] = sxx + syy + szz
    m[0, 1] = syz - szy
    m[0, 2] = szx - sxz
    m[0, 3] = sxy - syx
    m[1, 1] = sxx - syy - szz
    m[1, 2] = sxy + syx
    m[1, 3] = szx + sxz
    m[2, 2] = -sxx + syy - szz
    m[2, 3] = syz + szy
    m[3, 3] = -sxx - syy + szz
    for a in range(4):
        for b in range(a):
            m[a, b] = m[b, a]
    _, vecs = np.linalg.eigh(m)
    q0, q1, q2, q3 = vecs[0, 3], vecs[1, 3], vecs[2, 3], vecs[3, 3]
    rot[0, 0] = q0 * q0 + q1 * q1 - q2 * q2 - q3 * q3
    rot[0, 1] = 2.0 * (q1 * q2 - q0 * q3)
    rot[0, 2] = 2.0 * (q1 * q3 + q0 * q2)
    rot[1, 0] = 2.0 * (q1 * q2 + q0 * q3)
    rot[1, 1] = q0 * q0 - q1 * q1 + q2 * q2 - q3 * q3
    rot[1, 2] = 2.0 * (q2 * q3 - q0 * q1)
    rot[2, 0] = 2.0 * (q1 * q3 - q0 * q2)
    rot[2, 1] = 2.0 * (q2 * q3 + q0 * q1)
    rot[2, 2] = q0 * q0 - q1 * q1 - q2 * q2 + q3 * q3
    msd = 0.0
    for k in range(n):
        for a in range(3):
            y = 0.0
            for b in range(3):
                y += rot[a, b] * (pos[k, b] - center[b])
            msd += (y - ref[k, a]) ** 2
    return np.sqrt(msd / n)


@njit(parallel=True, cache=True)
def rmsd(xyz, atoms, ref, boxes, pbc, triclinic):
    """RMSD (nm) of ``atoms`` to ``ref`` (float64 (n, 3), centred) after optimal fit.

    Returns float32 of shape (n_frames,).
    """
    n_frames = xyz.shape[0]
    n = atoms.shape[0]
    out = np.empty(n_frames, dtype=np.float32)
    for f in prange(n_frames):
        box = boxes[f] if pbc else boxes[0]
        inv = np.empty((3, 3))
        if pbc:
            invert3(box, inv)
        pos = np.empty((n, 3))
        _whole(xyz, f, atoms, pbc, triclinic, box, inv, pos)
        center = np.empty(3)
        rot = np.empty((3, 3))
        out[f] = _fit(pos, ref, center, rot)
    return out


@njit(parallel=True, cache=True)
def aligned_positions(xyz, fit_atoms, ref, ref_center, targets, axes, boxes, pbc, triclinic):
    """Coordinates (nm) after superposing ``fit_atoms`` onto the reference.

    ``ref`` (float64 (n_fit, 3)) is the centred reference, ``ref_center`` its centroid;
    column k is coordinate ``axes[k]`` (0, 1, 2) of atom ``targets[k]`` moved as
    x -> R (x - c) + ref_center. Returns float32 of shape (n_frames, n_targets).
    """
    n_frames = xyz.shape[0]
    n = fit_atoms.shape[0]
    n_out = targets.shape[0]
    out = np.empty((n_frames, n_out), dtype=np.float32)
    for f in prange(n_frames):
        box = boxes[f] if pbc else boxes[0]
        inv = np.empty((3, 3))
        if pbc:
            invert3(box, inv)
        pos = np.empty((n, 3))
        _whole(xyz, f, fit_atoms, pbc, triclinic, box, inv, pos)
        center = np.empty(3)
        rot = np.empty((3, 3))
        _fit(pos, ref, center, rot)
        for k in range(n_out):
            a = axes[k]
            v = ref_center[a]
            for b in range(3):
                v += rot[a, b] * (np.float64(xyz[f, targets[k], b]) - center[b])
            out[f, k] = v
    return out
