"""Numba kernels for features: arrays and scalars in, no validation.

Conventions (see CONVENTIONS.md, habit 3): ``cache=True``, parallel over frames with
``prange``, no fastmath. Coordinates arrive as float32 (nm); geometry is computed in float64
and stored as float32. ``boxes`` holds one (3, 3) matrix of box vectors (rows) per frame;
``pbc`` switches the minimum-image convention on, ``triclinic`` adds the search over the 27
neighbouring images that a skewed cell needs. Each kernel has a plain NumPy twin in
``_reference.py`` that the tests compare it to.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, inline="always")
def _invert3(m, out):
    a, b, c = m[0, 0], m[0, 1], m[0, 2]
    d, e, f = m[1, 0], m[1, 1], m[1, 2]
    g, h, i = m[2, 0], m[2, 1], m[2, 2]
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    out[0, 0] = (e * i - f * h) / det
    out[0, 1] = (c * h - b * i) / det
    out[0, 2] = (b * f - c * e) / det
    out[1, 0] = (f * g - d * i) / det
    out[1, 1] = (a * i - c * g) / det
    out[1, 2] = (c * d - a * f) / det
    out[2, 0] = (d * h - e * g) / det
    out[2, 1] = (b * g - a * h) / det
    out[2, 2] = (a * e - b * d) / det


@njit(cache=True, inline="always")
def _displacement(xyz, frame, i, j, pbc, triclinic, box, inv, out):
    """out = x_j - x_i, with the minimum-image convention when ``pbc``."""
    dx = np.float64(xyz[frame, j, 0]) - np.float64(xyz[frame, i, 0])
    dy = np.float64(xyz[frame, j, 1]) - np.float64(xyz[frame, i, 1])
    dz = np.float64(xyz[frame, j, 2]) - np.float64(xyz[frame, i, 2])
    if pbc:
        # fractional coordinates, wrapped into [-0.5, 0.5)
        s0 = dx * inv[0, 0] + dy * inv[1, 0] + dz * inv[2, 0]
        s1 = dx * inv[0, 1] + dy * inv[1, 1] + dz * inv[2, 1]
        s2 = dx * inv[0, 2] + dy * inv[1, 2] + dz * inv[2, 2]
        s0 -= np.floor(s0 + 0.5)
        s1 -= np.floor(s1 + 0.5)
        s2 -= np.floor(s2 + 0.5)
        dx = s0 * box[0, 0] + s1 * box[1, 0] + s2 * box[2, 0]
        dy = s0 * box[0, 1] + s1 * box[1, 1] + s2 * box[2, 1]
        dz = s0 * box[0, 2] + s1 * box[1, 2] + s2 * box[2, 2]
        if triclinic:
            best = dx * dx + dy * dy + dz * dz
            bx, by, bz = dx, dy, dz
            for n0 in range(-1, 2):
                for n1 in range(-1, 2):
                    for n2 in range(-1, 2):
                        tx = dx + n0 * box[0, 0] + n1 * box[1, 0] + n2 * box[2, 0]
                        ty = dy + n0 * box[0, 1] + n1 * box[1, 1] + n2 * box[2, 1]
                        tz = dz + n0 * box[0, 2] + n1 * box[1, 2] + n2 * box[2, 2]
                        r2 = tx * tx + ty * ty + tz * tz
                        if r2 < best:
                            best = r2
                            bx, by, bz = tx, ty, tz
            dx, dy, dz = bx, by, bz
    out[0] = dx
    out[1] = dy
    out[2] = dz


@njit(parallel=True, cache=True)
def distances(xyz, pairs, boxes, pbc, triclinic):
    """Distances (nm) between atom pairs; returns float32 of shape (n_frames, n_pairs)."""
    n_frames = xyz.shape[0]
    n_pairs = pairs.shape[0]
    out = np.empty((n_frames, n_pairs), dtype=np.float32)
    for f in prange(n_frames):
        box = boxes[f] if pbc else boxes[0]
        inv = np.empty((3, 3))
        if pbc:
            _invert3(box, inv)
        d = np.empty(3)
        for k in range(n_pairs):
            _displacement(xyz, f, pairs[k, 0], pairs[k, 1], pbc, triclinic, box, inv, d)
            out[f, k] = np.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2])
    return out


@njit(parallel=True, cache=True)
def dihedrals(xyz, quartets, boxes, pbc, triclinic):
    """Dihedral angles (radians, in (-pi, pi]) of atom quartets, IUPAC sign convention.

    Same definition as mdtraj and PLUMED's TORSION: with b1 = x1 - x0, b2 = x2 - x1,
    b3 = x3 - x2, the angle is atan2(|b2| b1 . (b2 x b3), (b1 x b2) . (b2 x b3)).
    Returns float32 of shape (n_frames, n_quartets).
    """
    n_frames = xyz.shape[0]
    n_q = quartets.shape[0]
    out = np.empty((n_frames, n_q), dtype=np.float32)
    for f in prange(n_frames):
        box = boxes[f] if pbc else boxes[0]
        inv = np.empty((3, 3))
        if pbc:
            _invert3(box, inv)
        b1 = np.empty(3)
        b2 = np.empty(3)
        b3 = np.empty(3)
        for k in range(n_q):
            _displacement(xyz, f, quartets[k, 0], quartets[k, 1], pbc, triclinic, box, inv, b1)
            _displacement(xyz, f, quartets[k, 1], quartets[k, 2], pbc, triclinic, box, inv, b2)
            _displacement(xyz, f, quartets[k, 2], quartets[k, 3], pbc, triclinic, box, inv, b3)
            # c1 = b2 x b3, c2 = b1 x b2
            c1x = b2[1] * b3[2] - b2[2] * b3[1]
            c1y = b2[2] * b3[0] - b2[0] * b3[2]
            c1z = b2[0] * b3[1] - b2[1] * b3[0]
            c2x = b1[1] * b2[2] - b1[2] * b2[1]
            c2y = b1[2] * b2[0] - b1[0] * b2[2]
            c2z = b1[0] * b2[1] - b1[1] * b2[0]
            nb2 = np.sqrt(b2[0] * b2[0] + b2[1] * b2[1] + b2[2] * b2[2])
            p1 = (b1[0] * c1x + b1[1] * c1y + b1[2] * c1z) * nb2
            p2 = c1x * c2x + c1y * c2y + c1z * c2z
            out[f, k] = np.arctan2(p1, p2)
    return out
