"""Numba kernels for features: arrays and scalars in, no validation.

Conventions (see CONVENTIONS.md, habit 3): ``cache=True``, parallel over frames with
``prange``, no fastmath; ``nogil=True`` so that streaming can compute one chunk while the
next is read. Coordinates arrive as float32 (nm); geometry is computed in float64
and stored as float32. ``boxes`` holds one (3, 3) matrix of box vectors (rows) per frame;
``pbc`` switches the minimum-image convention on, ``triclinic`` adds the search over the 27
neighbouring images that a skewed cell needs. Each kernel has a plain NumPy twin in
``_reference.py`` that the tests compare it to.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from trajlens.featurize._pbc import image as _image
from trajlens.featurize._pbc import inverse as _inverse
from trajlens.featurize._pbc import invert3 as _invert3
from trajlens.featurize._pbc import min_image


@njit(cache=True, inline="always")
def _displacement(xyz, frame, i, j, pbc, triclinic, box, inv, out):
    """out = x_j - x_i, with the minimum-image convention when ``pbc``."""
    out[0] = np.float64(xyz[frame, j, 0]) - np.float64(xyz[frame, i, 0])
    out[1] = np.float64(xyz[frame, j, 1]) - np.float64(xyz[frame, i, 1])
    out[2] = np.float64(xyz[frame, j, 2]) - np.float64(xyz[frame, i, 2])
    if pbc:
        min_image(out, box, inv, triclinic)


# Frames per block in kernels that need scratch arrays: allocated once per block of frames
# (each thread takes whole blocks), not once per frame.
_BLOCK = 64


@njit(cache=True, inline="always")
def _disp(xyz, f, i, j, pbc, triclinic, box, inv):
    """x_j - x_i in float64 as a tuple (no scratch array), minimum image when ``pbc``."""
    dx = np.float64(xyz[f, j, 0]) - np.float64(xyz[f, i, 0])
    dy = np.float64(xyz[f, j, 1]) - np.float64(xyz[f, i, 1])
    dz = np.float64(xyz[f, j, 2]) - np.float64(xyz[f, i, 2])
    if pbc:
        return _image(dx, dy, dz, box, inv, triclinic)
    return dx, dy, dz


_NO_INV = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


@njit(parallel=True, cache=True, nogil=True)
def distances(xyz, pairs, boxes, pbc, triclinic):
    """Distances (nm) between atom pairs; returns float32 of shape (n_frames, n_pairs)."""
    n_frames = xyz.shape[0]
    n_pairs = pairs.shape[0]
    out = np.empty((n_frames, n_pairs), dtype=np.float32)
    for f in prange(n_frames):
        box = boxes[f] if pbc else boxes[0]
        inv = _inverse(box) if pbc else _NO_INV
        for k in range(n_pairs):
            dx, dy, dz = _disp(xyz, f, pairs[k, 0], pairs[k, 1], pbc, triclinic, box, inv)
            out[f, k] = np.sqrt(dx * dx + dy * dy + dz * dz)
    return out


@njit(parallel=True, cache=True, nogil=True)
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
        inv = _inverse(box) if pbc else _NO_INV
        for k in range(n_q):
            a0, a1, a2, a3 = quartets[k, 0], quartets[k, 1], quartets[k, 2], quartets[k, 3]
            b1x, b1y, b1z = _disp(xyz, f, a0, a1, pbc, triclinic, box, inv)
            b2x, b2y, b2z = _disp(xyz, f, a1, a2, pbc, triclinic, box, inv)
            b3x, b3y, b3z = _disp(xyz, f, a2, a3, pbc, triclinic, box, inv)
            # c1 = b2 x b3, c2 = b1 x b2
            c1x = b2y * b3z - b2z * b3y
            c1y = b2z * b3x - b2x * b3z
            c1z = b2x * b3y - b2y * b3x
            c2x = b1y * b2z - b1z * b2y
            c2y = b1z * b2x - b1x * b2z
            c2z = b1x * b2y - b1y * b2x
            nb2 = np.sqrt(b2x * b2x + b2y * b2y + b2z * b2z)
            p1 = (b1x * c1x + b1y * c1y + b1z * c1z) * nb2
            p2 = c1x * c2x + c1y * c2y + c1z * c2z
            out[f, k] = np.arctan2(p1, p2)
    return out


@njit(parallel=True, cache=True, nogil=True)
def angles(xyz, triplets, boxes, pbc, triclinic):
    """Angles (radians, in [0, pi]) at the middle atom of each triplet (a, b, c).

    The angle between b->a and b->c, as atan2(|u x v|, u . v) (mdtraj's compute_angles,
    PLUMED's ANGLE). Returns float32 of shape (n_frames, n_triplets).
    """
    n_frames = xyz.shape[0]
    n_t = triplets.shape[0]
    out = np.empty((n_frames, n_t), dtype=np.float32)
    for f in prange(n_frames):
        box = boxes[f] if pbc else boxes[0]
        inv = _inverse(box) if pbc else _NO_INV
        for k in range(n_t):
            a, b, c = triplets[k, 0], triplets[k, 1], triplets[k, 2]
            ux, uy, uz = _disp(xyz, f, b, a, pbc, triclinic, box, inv)
            vx, vy, vz = _disp(xyz, f, b, c, pbc, triclinic, box, inv)
            cx = uy * vz - uz * vy
            cy = uz * vx - ux * vz
            cz = ux * vy - uy * vx
            dot = ux * vx + uy * vy + uz * vz
            out[f, k] = np.arctan2(np.sqrt(cx * cx + cy * cy + cz * cz), dot)
    return out


@njit(parallel=True, cache=True, nogil=True)
def inverse_distances(xyz, pairs, boxes, pbc, triclinic):
    """Inverse distances 1/r (nm^-1) between atom pairs; float32 (n_frames, n_pairs)."""
    n_frames = xyz.shape[0]
    n_pairs = pairs.shape[0]
    out = np.empty((n_frames, n_pairs), dtype=np.float32)
    for f in prange(n_frames):
        box = boxes[f] if pbc else boxes[0]
        inv = _inverse(box) if pbc else _NO_INV
        for k in range(n_pairs):
            dx, dy, dz = _disp(xyz, f, pairs[k, 0], pairs[k, 1], pbc, triclinic, box, inv)
            out[f, k] = 1.0 / np.sqrt(dx * dx + dy * dy + dz * dz)
    return out


@njit(cache=True, inline="always")
def _switch(r, code, r0, d0, nn, mm):
    """PLUMED switching function s(r): 0 rational, 1 exp, 2 gaussian; 1 for r <= d0."""
    x = (r - d0) / r0
    if x <= 0.0:
        return 1.0
    if code == 0:
        if abs(x - 1.0) < 1e-8:
            # limit of (1 - x^n)/(1 - x^m) at x = 1, plus its first-order term
            return nn / mm + 0.5 * nn * (nn - mm) / mm * (x - 1.0)
        return (1.0 - x**nn) / (1.0 - x**mm)
    if code == 1:
        return np.exp(-x)
    return np.exp(-0.5 * x * x)


@njit(parallel=True, cache=True, nogil=True)
def coordination(xyz, pairs, owner, n_out, codes, r0, d0, nn, mm, boxes, pbc, triclinic):
    """Sums of switching functions over atom pairs: ``out[:, owner[k]] += s(r_k)``.

    ``codes``, ``r0``, ``d0`` (nm), ``nn``, ``mm`` hold each output's switching function
    (codes 0 rational, 1 exp, 2 gaussian). Returns float32 of shape (n_frames, n_out).
    """
    n_frames = xyz.shape[0]
    n_pairs = pairs.shape[0]
    out = np.empty((n_frames, n_out), dtype=np.float32)
    n_blocks = (n_frames + _BLOCK - 1) // _BLOCK
    for blk in prange(n_blocks):
        acc = np.empty(n_out)
        for f in range(blk * _BLOCK, min(n_frames, (blk + 1) * _BLOCK)):
            box = boxes[f] if pbc else boxes[0]
            inv = _inverse(box) if pbc else _NO_INV
            acc[:] = 0.0
            for k in range(n_pairs):
                dx, dy, dz = _disp(xyz, f, pairs[k, 0], pairs[k, 1], pbc, triclinic, box, inv)
                r = np.sqrt(dx * dx + dy * dy + dz * dz)
                o = owner[k]
                acc[o] += _switch(r, codes[o], r0[o], d0[o], nn[o], mm[o])
            for o in range(n_out):
                out[f, o] = acc[o]
    return out


@njit(parallel=True, cache=True, nogil=True)
def min_distances(xyz, pairs, owner, n_out, boxes, pbc, triclinic):
    """Smallest distance (nm) over the pairs of each output ``owner[k]``; float32."""
    n_frames = xyz.shape[0]
    n_pairs = pairs.shape[0]
    out = np.empty((n_frames, n_out), dtype=np.float32)
    n_blocks = (n_frames + _BLOCK - 1) // _BLOCK
    for blk in prange(n_blocks):
        best = np.empty(n_out)
        for f in range(blk * _BLOCK, min(n_frames, (blk + 1) * _BLOCK)):
            box = boxes[f] if pbc else boxes[0]
            inv = _inverse(box) if pbc else _NO_INV
            best[:] = np.inf
            for k in range(n_pairs):
                dx, dy, dz = _disp(xyz, f, pairs[k, 0], pairs[k, 1], pbc, triclinic, box, inv)
                r2 = dx * dx + dy * dy + dz * dz
                if r2 < best[owner[k]]:
                    best[owner[k]] = r2
            for o in range(n_out):
                out[f, o] = np.sqrt(best[o])
    return out


@njit(parallel=True, cache=True, nogil=True)
def gyration_radii(xyz, atoms, offsets, boxes, pbc, triclinic):
    """Unweighted radius of gyration (nm) of atom groups ``atoms[offsets[g]:offsets[g+1]]``.

    With a box, each group is first made whole atom by atom (each atom placed at the minimum
    image of its predecessor in the list), as PLUMED's GYRATION does. Returns float32 of
    shape (n_frames, n_groups).
    """
    n_frames = xyz.shape[0]
    n_g = offsets.shape[0] - 1
    out = np.empty((n_frames, n_g), dtype=np.float32)
    for f in prange(n_frames):
        box = boxes[f] if pbc else boxes[0]
        inv = np.empty((3, 3))
        if pbc:
            _invert3(box, inv)
        d = np.empty(3)
        for g in range(n_g):
            start, stop = offsets[g], offsets[g + 1]
            n = stop - start
            pos = np.zeros((n, 3))
            for k in range(1, n):
                _displacement(
                    xyz, f, atoms[start + k - 1], atoms[start + k], pbc, triclinic, box, inv, d
                )
                for c in range(3):
                    pos[k, c] = pos[k - 1, c] + d[c]
            mean = np.zeros(3)
            for k in range(n):
                for c in range(3):
                    mean[c] += pos[k, c]
            for c in range(3):
                mean[c] /= n
            s = 0.0
            for k in range(n):
                for c in range(3):
                    s += (pos[k, c] - mean[c]) ** 2
            out[f, g] = np.sqrt(s / n)
    return out


# ---------------------------------------------------------------------------------------
# Planned kernels: write straight into the caller's feature matrix.
#
# ``core._Plan`` prepares, once per spec, the index arrays these kernels take: the output
# column of every value (so no column is copied or reordered afterwards), sin/cos of
# dihedrals fused into the dihedral kernel, and pairs grouped into *runs* (one atom i
# against consecutive atoms j of a per-frame gather of the atoms used, written to
# consecutive columns or summed into one). A run's inner loop is contiguous, so LLVM turns
# it into SIMD code; without a box the distances are computed in float32 (the coordinates'
# own precision: differences of float32 numbers, then one sqrt; measured on the 98 AdK
# frames of MDAnalysisTests, all 22,791 C-alpha distances: at most 1.7e-7 relative,
# 7.6e-7 nm, from the float64 NumPy twin; identical to mdtraj's float32 values).
# These kernels use numba's NumPy error model (a division by zero gives inf or nan instead
# of a per-element ZeroDivisionError check, which would stop LLVM from vectorizing).
# ---------------------------------------------------------------------------------------


@njit(parallel=True, cache=True, nogil=True, error_model="numpy")
def dihedral_columns(xyz, quartets, boxes, pbc, triclinic, out, col_angle, col_sin, col_cos):
    """Dihedrals written into ``out`` (float32, (n_frames, n_columns)) in place.

    For quartet k: the angle (radians, as :func:`dihedrals`) goes to column
    ``col_angle[k]``, its sine and cosine to ``col_sin[k]`` and ``col_cos[k]`` (-1: not
    wanted). sin and cos come straight from the two atan2 arguments, ``p1 / h`` and
    ``p2 / h`` with ``h = hypot(p1, p2)``, without computing the angle (sin 0, cos 1 for a
    degenerate quartet, as for atan2(0, 0) = 0).
    """
    n_frames = xyz.shape[0]
    n_q = quartets.shape[0]
    for f in prange(n_frames):
        box = boxes[f] if pbc else boxes[0]
        inv = _inverse(box) if pbc else _NO_INV
        for k in range(n_q):
            a0, a1, a2, a3 = quartets[k, 0], quartets[k, 1], quartets[k, 2], quartets[k, 3]
            b1x, b1y, b1z = _disp(xyz, f, a0, a1, pbc, triclinic, box, inv)
            b2x, b2y, b2z = _disp(xyz, f, a1, a2, pbc, triclinic, box, inv)
            b3x, b3y, b3z = _disp(xyz, f, a2, a3, pbc, triclinic, box, inv)
            c1x = b2y * b3z - b2z * b3y
            c1y = b2z * b3x - b2x * b3z
            c1z = b2x * b3y - b2y * b3x
            c2x = b1y * b2z - b1z * b2y
            c2y = b1z * b2x - b1x * b2z
            c2z = b1x * b2y - b1y * b2x
            nb2 = np.sqrt(b2x * b2x + b2y * b2y + b2z * b2z)
            p1 = (b1x * c1x + b1y * c1y + b1z * c1z) * nb2
            p2 = c1x * c2x + c1y * c2y + c1z * c2z
            if col_angle[k] >= 0:
                out[f, col_angle[k]] = np.arctan2(p1, p2)
            if col_sin[k] >= 0 or col_cos[k] >= 0:
                h = np.sqrt(p1 * p1 + p2 * p2)
                s, c = (p1 / h, p2 / h) if h > 0.0 else (0.0, 1.0)
                if col_sin[k] >= 0:
                    out[f, col_sin[k]] = s
                if col_cos[k] >= 0:
                    out[f, col_cos[k]] = c


@njit(parallel=True, cache=True, nogil=True, error_model="numpy")
def angle_columns(xyz, triplets, boxes, pbc, triclinic, out, cols):
    """Angles (radians, as :func:`angles`) written into column ``cols[k]`` of ``out``."""
    n_frames = xyz.shape[0]
    n_t = triplets.shape[0]
    for f in prange(n_frames):
        box = boxes[f] if pbc else boxes[0]
        inv = _inverse(box) if pbc else _NO_INV
        for k in range(n_t):
            a, b, c = triplets[k, 0], triplets[k, 1], triplets[k, 2]
            ux, uy, uz = _disp(xyz, f, b, a, pbc, triclinic, box, inv)
            vx, vy, vz = _disp(xyz, f, b, c, pbc, triclinic, box, inv)
            cx = uy * vz - uz * vy
            cy = uz * vx - ux * vz
            cz = ux * vy - uy * vx
            dot = ux * vx + uy * vy + uz * vz
            out[f, cols[k]] = np.arctan2(np.sqrt(cx * cx + cy * cy + cz * cz), dot)


@njit(cache=True, inline="always")
def _gather(xyz, f, atoms, x, y, z):
    for a in range(atoms.shape[0]):
        x[a] = xyz[f, atoms[a], 0]
        y[a] = xyz[f, atoms[a], 1]
        z[a] = xyz[f, atoms[a], 2]


@njit(cache=True, error_model="numpy")
def _run_r2_f32(x, y, z, i, j0, n, buf):
    """buf[:n] = squared distances (float32) from atom i to atoms j0 .. j0+n-1."""
    xi, yi, zi = x[i], y[i], z[i]
    xs, ys, zs = x[j0 : j0 + n], y[j0 : j0 + n], z[j0 : j0 + n]
    for m in range(n):
        dx = xs[m] - xi
        dy = ys[m] - yi
        dz = zs[m] - zi
        buf[m] = dx * dx + dy * dy + dz * dz


@njit(cache=True, error_model="numpy")
def _run_r_f64(x, y, z, i, j0, n, buf):
    """buf[:n] = distances in float64 from atom i to atoms j0 .. j0+n-1."""
    xi, yi, zi = np.float64(x[i]), np.float64(y[i]), np.float64(z[i])
    xs, ys, zs = x[j0 : j0 + n], y[j0 : j0 + n], z[j0 : j0 + n]
    for m in range(n):
        dx = xs[m] - xi
        dy = ys[m] - yi
        dz = zs[m] - zi
        buf[m] = np.sqrt(dx * dx + dy * dy + dz * dz)


@njit(cache=True, error_model="numpy")
def _run_r_pbc(x, y, z, i, j0, n, box, inv, triclinic, buf):
    """As _run_r_f64 with the minimum image (scalar loop)."""
    xi, yi, zi = np.float64(x[i]), np.float64(y[i]), np.float64(z[i])
    for m in range(n):
        dx, dy, dz = _image(x[j0 + m] - xi, y[j0 + m] - yi, z[j0 + m] - zi, box, inv, triclinic)
        buf[m] = np.sqrt(dx * dx + dy * dy + dz * dz)


@njit(parallel=True, cache=True, nogil=True, error_model="numpy")
def pair_columns(xyz, atoms, runs, inverse, boxes, pbc, triclinic, out):
    """Distances (nm) or, if ``inverse``, inverse distances (1/nm), in place into ``out``.

    ``atoms`` (n_used,) are the atoms the pairs use; each row ``(i, j0, n, c0)`` of ``runs``
    puts the distance from ``atoms[i]`` to ``atoms[j0 + m]`` into column ``c0 + m``,
    ``m < n``. Without a box, float32 arithmetic (vectorized); with one, float64 and the
    minimum image.
    """
    n_frames = xyz.shape[0]
    n_used = atoms.shape[0]
    n_runs = runs.shape[0]
    longest = 1
    for r in range(n_runs):
        longest = max(longest, runs[r, 2])
    n_blocks = (n_frames + _BLOCK - 1) // _BLOCK
    for blk in prange(n_blocks):
        x = np.empty(n_used, dtype=np.float32)
        y = np.empty(n_used, dtype=np.float32)
        z = np.empty(n_used, dtype=np.float32)
        buf32 = np.empty(longest, dtype=np.float32)
        buf64 = np.empty(longest, dtype=np.float64)
        for f in range(blk * _BLOCK, min(n_frames, (blk + 1) * _BLOCK)):
            _gather(xyz, f, atoms, x, y, z)
            row = out[f]
            if pbc:
                box = boxes[f]
                inv = _inverse(box)
                for r in range(n_runs):
                    i, j0, n, c0 = runs[r, 0], runs[r, 1], runs[r, 2], runs[r, 3]
                    _run_r_pbc(x, y, z, i, j0, n, box, inv, triclinic, buf64)
                    dst = row[c0 : c0 + n]
                    if inverse:
                        for m in range(n):
                            dst[m] = 1.0 / buf64[m]
                    else:
                        for m in range(n):
                            dst[m] = buf64[m]
            else:
                for r in range(n_runs):
                    i, j0, n, c0 = runs[r, 0], runs[r, 1], runs[r, 2], runs[r, 3]
                    _run_r2_f32(x, y, z, i, j0, n, buf32)
                    dst = row[c0 : c0 + n]
                    if inverse:
                        for m in range(n):
                            dst[m] = np.float32(1.0) / np.sqrt(buf32[m])
                    else:
                        for m in range(n):
                            dst[m] = np.sqrt(buf32[m])


@njit(cache=True, inline="always")
def _ipow(x, n):
    """x ** n for a small non-negative integer n, by squaring (no pow call)."""
    result = 1.0
    while n > 0:
        if n & 1:
            result *= x
        x *= x
        n >>= 1
    return result


@njit(cache=True, error_model="numpy")
def _switch_run(buf, n, code, r0, d0, nn, mm):
    """buf[:n] = s(buf[:n]) in place: PLUMED switching function of distances (nm).

    x = max((r - d0) / r0, 0), which gives s = 1 for r <= d0 in every form below without
    a branch, so the loops vectorize.
    """
    inv = 1.0 / r0
    if code == 0 and nn == 6 and mm == 12:
        # the default: (1 - x^6) / (1 - x^12) = 1 / (1 + x^6), and no 0/0 at x = 1
        for m in range(n):
            x = max((buf[m] - d0) * inv, 0.0)
            x2 = x * x
            buf[m] = 1.0 / (1.0 + x2 * x2 * x2)
    elif code == 0 and mm == 2 * nn:
        for m in range(n):
            buf[m] = 1.0 / (1.0 + _ipow(max((buf[m] - d0) * inv, 0.0), nn))
    elif code == 0:
        for m in range(n):
            x = max((buf[m] - d0) * inv, 0.0)
            if abs(x - 1.0) < 1e-8:
                buf[m] = nn / mm + 0.5 * nn * (nn - mm) / mm * (x - 1.0)
            else:
                buf[m] = (1.0 - _ipow(x, nn)) / (1.0 - _ipow(x, mm))
    elif code == 1:
        for m in range(n):
            buf[m] = np.exp(-max((buf[m] - d0) * inv, 0.0))
    else:
        for m in range(n):
            x = max((buf[m] - d0) * inv, 0.0)
            buf[m] = np.exp(-0.5 * x * x)


# Reassociation only, only here: lets LLVM vectorize this one float64 sum (the order of the
# additions changes; each term is in [0, 1], so the difference is at the 1e-16 level).
@njit(cache=True, fastmath={"reassoc"})
def _sum(buf, n):
    """Sum of buf[:n]."""
    s = 0.0
    for m in range(n):
        s += buf[m]
    return s


@njit(parallel=True, cache=True, nogil=True, error_model="numpy")
def coordination_columns(
    xyz, atoms, runs, codes, r0, d0, nn, mm, sum_cols, boxes, pbc, triclinic, out
):
    """Switching functions of pair distances, in place into ``out``.

    ``runs`` rows are ``(i, j0, n, c, p)``: pairs ``(atoms[i], atoms[j0 + m])``, ``m < n``,
    with switching parameters ``codes[p], r0[p], d0[p], nn[p], mm[p]``. With ``c >= 0``
    each s(r) goes to its own column ``c + m`` (a contact map); with ``c < 0`` they are
    summed (float64) into column ``sum_cols[-c - 1]`` (a coordination number). Distances
    and switching functions in float64.
    """
    n_frames = xyz.shape[0]
    n_used = atoms.shape[0]
    n_runs = runs.shape[0]
    n_sums = sum_cols.shape[0]
    longest = 1
    for r in range(n_runs):
        longest = max(longest, runs[r, 2])
    n_blocks = (n_frames + _BLOCK - 1) // _BLOCK
    for blk in prange(n_blocks):
        x = np.empty(n_used, dtype=np.float32)
        y = np.empty(n_used, dtype=np.float32)
        z = np.empty(n_used, dtype=np.float32)
        buf = np.empty(longest, dtype=np.float64)
        acc = np.zeros(n_sums, dtype=np.float64)
        for f in range(blk * _BLOCK, min(n_frames, (blk + 1) * _BLOCK)):
            _gather(xyz, f, atoms, x, y, z)
            box = boxes[f] if pbc else boxes[0]
            inv = _inverse(box) if pbc else _NO_INV
            row = out[f]
            for r in range(n_runs):
                i, j0, n, c, p = runs[r, 0], runs[r, 1], runs[r, 2], runs[r, 3], runs[r, 4]
                if pbc:
                    _run_r_pbc(x, y, z, i, j0, n, box, inv, triclinic, buf)
                else:
                    _run_r_f64(x, y, z, i, j0, n, buf)
                _switch_run(buf, n, codes[p], r0[p], d0[p], nn[p], mm[p])
                if c >= 0:
                    dst = row[c : c + n]
                    for m in range(n):
                        dst[m] = buf[m]
                else:
                    acc[-c - 1] += _sum(buf, n)
            for a in range(n_sums):
                row[sum_cols[a]] = acc[a]
                acc[a] = 0.0
