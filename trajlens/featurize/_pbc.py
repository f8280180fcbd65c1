"""Minimum-image helpers shared by all feature kernels (numba, inlined).

Wrap the fractional displacement into [-0.5, 0.5), then, for a skewed cell, search the 27
neighbouring images for a shorter one.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def invert3(m, out):
    """out = inverse of the 3x3 matrix m (float64)."""
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
def min_image(d, box, inv, triclinic):
    """Replace the displacement d (float64 (3,)) by its minimum image; box rows are vectors."""
    dx, dy, dz = d[0], d[1], d[2]
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
    d[0] = dx
    d[1] = dy
    d[2] = dz
