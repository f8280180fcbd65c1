"""Model systems with known answers: analytic potentials and overdamped Langevin dynamics.

Used by the tests and examples to check free-energy surfaces and basins against exact
Boltzmann integrals. Energies are in the potential's own units; pass kT in the same units.
"""

from __future__ import annotations

import numba
import numpy as np

# Müller & Brown, Theor. Chim. Acta 53, 75 (1979)
MB_A = np.array([-200.0, -100.0, -170.0, 15.0])
MB_a = np.array([-1.0, -1.0, -6.5, 0.7])
MB_b = np.array([0.0, 0.0, 11.0, 0.6])
MB_c = np.array([-10.0, -10.0, -6.5, 0.7])
MB_X0 = np.array([1.0, 0.0, -0.5, -1.0])
MB_Y0 = np.array([0.0, 0.5, 1.5, 1.0])

#: The three minima of the Müller–Brown potential (to 1e-3).
MUELLER_BROWN_MINIMA = np.array([[-0.558, 1.442], [0.623, 0.028], [-0.050, 0.467]])


def mueller_brown(x, y):
    """Müller–Brown potential V(x, y) (energy units of the original paper)."""
    x = np.asarray(x, dtype=float)[..., None]
    y = np.asarray(y, dtype=float)[..., None]
    dx, dy = x - MB_X0, y - MB_Y0
    return np.sum(MB_A * np.exp(MB_a * dx**2 + MB_b * dx * dy + MB_c * dy**2), axis=-1)


def double_well(x, height=1.0, tilt=0.0):
    """V(x) = height (x² - 1)² + tilt x: minima near ±1, barrier ~``height`` at 0."""
    x = np.asarray(x, dtype=float)
    return height * (x * x - 1.0) ** 2 + tilt * x


@numba.njit(cache=True)
def _mb_force(x, y):
    fx = 0.0
    fy = 0.0
    for k in range(4):
        dx = x - MB_X0[k]
        dy = y - MB_Y0[k]
        e = MB_A[k] * np.exp(MB_a[k] * dx * dx + MB_b[k] * dx * dy + MB_c[k] * dy * dy)
        fx -= e * (2.0 * MB_a[k] * dx + MB_b[k] * dy)
        fy -= e * (MB_b[k] * dx + 2.0 * MB_c[k] * dy)
    return fx, fy


@numba.njit(cache=True, parallel=True)
def _langevin_mb(x0, kT, dt, n_steps, stride, seeds):
    n_walkers = x0.shape[0]
    n_out = n_steps // stride
    out = np.empty((n_walkers, n_out, 2))
    amp = np.sqrt(2.0 * kT * dt)
    for i in numba.prange(n_walkers):
        np.random.seed(seeds[i])  # noqa: NPY002 (numba: per-thread legacy RNG)
        x = x0[i, 0]
        y = x0[i, 1]
        for s in range(n_steps):
            fx, fy = _mb_force(x, y)
            x += fx * dt + amp * np.random.standard_normal()  # noqa: NPY002
            y += fy * dt + amp * np.random.standard_normal()  # noqa: NPY002
            if (s + 1) % stride == 0:
                out[i, (s + 1) // stride - 1, 0] = x
                out[i, (s + 1) // stride - 1, 1] = y
    return out


@numba.njit(cache=True, parallel=True)
def _langevin_dw(x0, kT, dt, n_steps, stride, height, tilt, bias_k, bias_x0, seeds):
    n_walkers = x0.shape[0]
    n_out = n_steps // stride
    out = np.empty((n_walkers, n_out))
    amp = np.sqrt(2.0 * kT * dt)
    for i in numba.prange(n_walkers):
        np.random.seed(seeds[i])  # noqa: NPY002 (numba: per-thread legacy RNG)
        x = x0[i]
        for s in range(n_steps):
            f = -4.0 * height * x * (x * x - 1.0) - tilt - bias_k * (x - bias_x0)
            x += f * dt + amp * np.random.standard_normal()  # noqa: NPY002
            if (s + 1) % stride == 0:
                out[i, (s + 1) // stride - 1] = x
    return out


def _seeds(random_state, n):
    rng = np.random.default_rng(random_state)
    return rng.integers(0, 2**31 - 1, size=n).astype(np.int64)


def langevin_mueller_brown(
    x0: np.ndarray,
    kT: float = 12.0,
    *,
    dt: float = 1e-4,
    n_steps: int = 10000,
    stride: int = 10,
    random_state=None,
) -> np.ndarray:
    """Overdamped Langevin dynamics on the Müller–Brown potential, many walkers in parallel.

    Euler–Maruyama, x ← x - ∇V dt + sqrt(2 kT dt) ξ (unit friction).

    Parameters
    ----------
    x0 : ndarray, shape (n_walkers, 2)
        Starting points.
    kT : float
        Thermal energy in the potential's units.
    dt : float
        Time step; the stiffest well has curvature ~3000, so keep dt <= 1e-4.
    n_steps, stride : int
        Steps per walker; a frame is saved every ``stride`` steps.
    random_state : int or None

    Returns
    -------
    ndarray of float64, shape (n_walkers, n_steps // stride, 2)
    """
    x0 = np.ascontiguousarray(x0, dtype=np.float64).reshape(-1, 2)
    return _langevin_mb(
        x0, float(kT), float(dt), int(n_steps), int(stride), _seeds(random_state, x0.shape[0])
    )


def langevin_double_well(
    x0: np.ndarray,
    kT: float = 1.0,
    *,
    height: float = 1.0,
    tilt: float = 0.0,
    bias_k: float = 0.0,
    bias_x0: float = 0.0,
    dt: float = 1e-3,
    n_steps: int = 10000,
    stride: int = 10,
    random_state=None,
) -> np.ndarray:
    """Overdamped Langevin on V(x) = height (x² - 1)² + tilt x plus a static harmonic bias.

    The bias is V_b(x) = bias_k / 2 (x - bias_x0)²; with ``bias_x0 = 0`` and a positive
    ``bias_k`` it lifts the wells relative to the barrier, so walkers cross more often.
    Its value per frame is ``0.5 * bias_k * (x - bias_x0)**2`` (the weight of a frame in
    the unbiased ensemble is ∝ exp(+V_b / kT)).

    Returns
    -------
    ndarray of float64, shape (n_walkers, n_steps // stride)
    """
    x0 = np.ascontiguousarray(x0, dtype=np.float64).reshape(-1)
    return _langevin_dw(
        x0,
        float(kT),
        float(dt),
        int(n_steps),
        int(stride),
        float(height),
        float(tilt),
        float(bias_k),
        float(bias_x0),
        _seeds(random_state, x0.shape[0]),
    )


def write_biased_double_well(
    path,
    *,
    temperature: float = 300.0,
    height: float = 5.0,
    tilt: float = 0.5,
    bias_k: float = 8.0,
    n_walkers: int = 100,
    n_steps: int = 40000,
    random_state=0,
) -> None:
    """Write a PLUMED-style COLVAR of a double well sampled under a static harmonic bias.

    ``height``, ``tilt`` and ``bias_k`` are in kT; the file holds ``time`` (ps), ``x`` and
    ``restraint.bias`` (kJ/mol at ``temperature``), walker after walker, the first 10% of
    each walker dropped as equilibration.
    """
    from trajlens.fes.surface import kT as _kT
    from trajlens.io.colvar import write_colvar

    traj = langevin_double_well(
        np.full(n_walkers, -1.0),
        1.0,
        height=height,
        tilt=tilt,
        bias_k=bias_k,
        dt=1e-3,
        n_steps=n_steps,
        stride=20,
        random_state=random_state,
    )
    x = traj[:, traj.shape[1] // 10 :].reshape(-1)
    write_colvar(
        path,
        {
            "time": np.arange(x.size) * 0.02,
            "x": x,
            "restraint.bias": 0.5 * bias_k * x**2 * _kT(temperature),
        },
    )


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 2:
        sys.exit("usage: python -m trajlens.datasets COLVAR  (writes a biased double-well run)")
    write_biased_double_well(sys.argv[1])
