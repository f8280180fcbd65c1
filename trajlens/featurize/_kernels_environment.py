"""Numba kernels for atomic-environment features (condensed phase): coordination numbers,
Steinhardt Q_l as PLUMED defines it, Behler-Parrinello G2 and G4.

Conventions as ``_kernels.py``: ``cache=True``, ``prange`` over frames, no fastmath,
float64 math, float32 out, minimum image (orthorhombic and triclinic). A batch of
``n_q`` features is given as ``atoms`` (flat, int64) with ``offsets`` (n_q + 1) and ``n_a``
(n_q): feature q has centres ``atoms[offsets[q]:offsets[q] + n_a[q]]`` and neighbours
``atoms[offsets[q] + n_a[q]:offsets[q + 1]]``; its value is the mean over the centres of a
sum over the neighbours (the centre itself skipped). See ``_spec_more`` for the formulas.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from trajlens.featurize._kernels import _displacement, _switch
from trajlens.featurize._pbc import invert3


@njit(cache=True, inline="always")
def _vector(xyz, f, i, j, pbc, triclinic, box, inv, d):
    """d = x_j - x_i (minimum image when ``pbc``); returns |d|."""
    _displacement(xyz, f, i, j, pbc, triclinic, box, inv, d)
    return np.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2])


@njit(cache=True, inline="always")
def _cutoff(r, rc):
    """Behler's cosine cutoff (cos(pi r / rc) + 1) / 2 for r < rc, else 0."""
    if r >= rc:
        return 0.0
    return 0.5 * (np.cos(np.pi * r / rc) + 1.0)


@njit(parallel=True, cache=True)
def coordination_numbers(xyz, atoms, offsets, n_a, codes, r0, d0, nn, mm, boxes, pbc, triclinic):
    """Mean over centres of sum_j s(r_ij); float32 (n_frames, n_q)."""
    n_frames = xyz.shape[0]
    n_q = n_a.shape[0]
    out = np.empty((n_frames, n_q), dtype=np.float32)
    for f in prange(n_frames):
        box = boxes[f] if pbc else boxes[0]
        inv = np.empty((3, 3))
        if pbc:
            invert3(box, inv)
        d = np.empty(3)
        for q in range(n_q):
            start, split, stop = offsets[q], offsets[q] + n_a[q], offsets[q + 1]
            total = 0.0
            for a in range(start, split):
                i = atoms[a]
                for b in range(split, stop):
                    j = atoms[b]
                    if j == i:
                        continue
                    r = _vector(xyz, f, i, j, pbc, triclinic, box, inv, d)
                    total += _switch(r, codes[q], r0[q], d0[q], nn[q], mm[q])
            out[f, q] = total / (split - start)
    return out


@njit(cache=True)
def _legendre(ell, m, z):
    """Associated Legendre P_l^m(z) without the (1 - z^2)^(m/2) factor (Condon-Shortley)."""
    pmm = 1.0
    for k in range(1, m + 1):
        pmm *= -(2.0 * k - 1.0)
    if ell == m:
        return pmm
    pm1 = z * (2.0 * m + 1.0) * pmm
    if ell == m + 1:
        return pm1
    value = 0.0
    for ll in range(m + 2, ell + 1):
        value = ((2.0 * ll - 1.0) * z * pm1 - (ll + m - 1.0) * pmm) / (ll - m)
        pmm = pm1
        pm1 = value
    return value


@njit(cache=True)
def _norms(ell):
    """sqrt((2l + 1) / (4 pi) (l - m)! / (l + m)!) for m = 0..l."""
    out = np.empty(ell + 1)
    for m in range(ell + 1):
        ratio = 1.0
        for k in range(ell - m + 1, ell + m + 1):
            ratio /= k
        out[m] = np.sqrt((2.0 * ell + 1.0) / (4.0 * np.pi) * ratio)
    return out


@njit(parallel=True, cache=True)
def steinhardt(xyz, atoms, offsets, n_a, ells, codes, r0, d0, nn, mm, boxes, pbc, triclinic):
    """Mean over centres of PLUMED's Q_l = |sum_j s_ij Y_lm(r_ij)|_m / sum_j s_ij.

    Y_lm are the orthonormal complex spherical harmonics; pairs with s < 2.2e-16 are
    skipped as in PLUMED. Returns float32 (n_frames, n_q).
    """
    n_frames = xyz.shape[0]
    n_q = n_a.shape[0]
    out = np.empty((n_frames, n_q), dtype=np.float32)
    eps = np.finfo(np.float64).eps
    for f in prange(n_frames):
        box = boxes[f] if pbc else boxes[0]
        inv = np.empty((3, 3))
        if pbc:
            invert3(box, inv)
        d = np.empty(3)
        re = np.empty(7)
        im = np.empty(7)
        for q in range(n_q):
            ell = ells[q]
            norm = _norms(ell)
            start, split, stop = offsets[q], offsets[q] + n_a[q], offsets[q + 1]
            total = 0.0
            for a in range(start, split):
                i = atoms[a]
                re[:] = 0.0
                im[:] = 0.0
                denom = 0.0
                for b in range(split, stop):
                    j = atoms[b]
                    if j == i:
                        continue
                    r = _vector(xyz, f, i, j, pbc, triclinic, box, inv, d)
                    w = _switch(r, codes[q], r0[q], d0[q], nn[q], mm[q])
                    if w < eps:
                        continue
                    denom += w
                    z = d[2] / r
                    # (x + i y)^m / r^m = sin^m(theta) e^{i m phi}
                    ux, uy = d[0] / r, d[1] / r
                    pr, pim = 1.0, 0.0
                    for m in range(ell + 1):
                        p = w * norm[m] * _legendre(ell, m, z)
                        re[m] += p * pr
                        im[m] += p * pim
                        pr, pim = pr * ux - pim * uy, pr * uy + pim * ux
                s = re[0] * re[0] + im[0] * im[0]
                for m in range(1, ell + 1):
                    s += 2.0 * (re[m] * re[m] + im[m] * im[m])  # |q_{l,-m}| = |q_{l,m}|
                total += np.sqrt(s) / denom
            out[f, q] = total / (split - start)
    return out


@njit(parallel=True, cache=True)
def symmetry_g2(xyz, atoms, offsets, n_a, eta, rs, rc, boxes, pbc, triclinic):
    """Mean over centres of sum_j exp(-eta (r_ij - rs)^2) fc(r_ij); float32 (n_frames, n_q)."""
    n_frames = xyz.shape[0]
    n_q = n_a.shape[0]
    out = np.empty((n_frames, n_q), dtype=np.float32)
    for f in prange(n_frames):
        box = boxes[f] if pbc else boxes[0]
        inv = np.empty((3, 3))
        if pbc:
            invert3(box, inv)
        d = np.empty(3)
        for q in range(n_q):
            start, split, stop = offsets[q], offsets[q] + n_a[q], offsets[q + 1]
            total = 0.0
            for a in range(start, split):
                i = atoms[a]
                for b in range(split, stop):
                    j = atoms[b]
                    if j == i:
                        continue
                    r = _vector(xyz, f, i, j, pbc, triclinic, box, inv, d)
                    if r < rc[q]:
                        total += np.exp(-eta[q] * (r - rs[q]) ** 2) * _cutoff(r, rc[q])
            out[f, q] = total / (split - start)
    return out


@njit(parallel=True, cache=True)
def symmetry_g4(xyz, atoms, offsets, n_a, eta, zeta, lam, rc, boxes, pbc, triclinic):
    """Mean over centres of Behler's G4 over unordered neighbour pairs; float32 (n_frames, n_q).

    r_jk is taken between the images of j and k nearest to the centre (d_ik - d_ij).
    """
    n_frames = xyz.shape[0]
    n_q = n_a.shape[0]
    out = np.empty((n_frames, n_q), dtype=np.float32)
    max_b = 0
    for q in range(n_q):
        max_b = max(max_b, offsets[q + 1] - offsets[q] - n_a[q])
    for f in prange(n_frames):
        box = boxes[f] if pbc else boxes[0]
        inv = np.empty((3, 3))
        if pbc:
            invert3(box, inv)
        d = np.empty(3)
        near = np.empty((max_b, 3))
        dist = np.empty(max_b)
        for q in range(n_q):
            start, split, stop = offsets[q], offsets[q] + n_a[q], offsets[q + 1]
            cut = rc[q]
            total = 0.0
            for a in range(start, split):
                i = atoms[a]
                n = 0
                for b in range(split, stop):
                    j = atoms[b]
                    if j == i:
                        continue
                    r = _vector(xyz, f, i, j, pbc, triclinic, box, inv, d)
                    if r < cut:
                        for c in range(3):
                            near[n, c] = d[c]
                        dist[n] = r
                        n += 1
                g = 0.0
                for u in range(n):
                    rij = dist[u]
                    fij = _cutoff(rij, cut)
                    for v in range(u + 1, n):
                        rik = dist[v]
                        dot = 0.0
                        rjk2 = 0.0
                        for c in range(3):
                            dot += near[u, c] * near[v, c]
                            rjk2 += (near[v, c] - near[u, c]) ** 2
                        rjk = np.sqrt(rjk2)
                        if rjk >= cut:
                            continue
                        base = 1.0 + lam[q] * dot / (rij * rik)
                        if base <= 0.0:
                            continue
                        g += (
                            base ** zeta[q]
                            * np.exp(-eta[q] * (rij * rij + rik * rik + rjk2))
                            * fij
                            * _cutoff(rik, cut)
                            * _cutoff(rjk, cut)
                        )
                total += g * 2.0 ** (1.0 - zeta[q])
            out[f, q] = total / (split - start)
    return out
