"""Minimum-image helpers shared by all feature kernels (numba, inlined).

Wrap the fractional displacement into [-0.5, 0.5), then, for a skewed cell, search the 27
neighbouring images for a shorter one.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def inverse(box):
    """Inverse of a (3, 3) box matrix as a 9-tuple (row-major)."""
    a, b, c = box[0, 0], box[0, 1], box[0, 2]
    d, e, f = box[1, 0], box[1, 1], box[1, 2]
    g, h, i = box[2, 0], box[2, 1], box[2, 2]
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return (
        (e * i - f * h) / det,
        (c * h - b * i) / det,
        (b * f - c * e) / det,
        (f * g - d * i) / det,
        (a * i - c * g) / det,
        (c * d - a * f) / det,
        (d * h - e * g) / det,
        (b * g - a * h) / det,
        (a * e - b * d) / det,
    )


@njit(cache=True, inline="always")
def image(dx, dy, dz, box, inv, triclinic):
    """Minimum image of the float64 displacement (dx, dy, dz); see the module docstring."""
    s0 = dx * inv[0] + dy * inv[3] + dz * inv[6]
    s1 = dx * inv[1] + dy * inv[4] + dz * inv[7]
    s2 = dx * inv[2] + dy * inv[5] + dz * inv[8]
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
    return dx, dy, dz


@njit(cache=True, inline="always")
def invert3(m, out):
    """out = inverse of the 3x3 matrix m (float64)."""
    t = inverse(m)
    for k in range(9):
        out[k // 3, k % 3] = t[k]


@njit(cache=True, inline="always")
def min_image(d, box, inv, triclinic):
    """Replace the displacement d (float64 (3,)) by its minimum image; box rows are vectors,
    ``inv`` the (3, 3) inverse of ``box``."""
    t = (
        inv[0, 0], inv[0, 1], inv[0, 2],
        inv[1, 0], inv[1, 1], inv[1, 2],
        inv[2, 0], inv[2, 1], inv[2, 2],
    )  # fmt: skip
    d[0], d[1], d[2] = image(d[0], d[1], d[2], box, t, triclinic)
