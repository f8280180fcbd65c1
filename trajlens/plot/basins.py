"""1-D free-energy profiles with error bands, and dendrograms of hierarchical clustering."""

from __future__ import annotations

import numpy as np

from trajlens.plot.core import OKABE_ITO, _axes


def fes_profile(surface, basins=None, ax=None, *, degrees: bool = False, color: str = OKABE_ITO[4]):
    """Draw a 1-D free-energy profile, with its block-analysis error band and basin minima.

    Parameters
    ----------
    surface : FreeEnergySurface
        A 1-D surface (``surface.error`` is drawn as a ±1 standard-error band when present).
    basins : BasinSet, optional
    ax : matplotlib Axes, optional
    degrees : bool, default False
        The variable is an angle in radians: show it in degrees.

    Returns
    -------
    dict
        ``{"line": Line2D, "band": PolyCollection or None, "minima": list of artists}``
    """
    if surface.ndim != 1:
        raise ValueError(f"plot.fes_profile draws 1-D surfaces; this one has {surface.ndim}")
    ax = _axes(ax)
    scale = 180.0 / np.pi if degrees else 1.0
    x = surface.centers[0] * scale
    F = np.where(np.isfinite(surface.free_energy), surface.free_energy, np.nan)
    (line,) = ax.plot(x, F, color=color)
    band = None
    if surface.error is not None:
        err = np.where(np.isfinite(surface.error), surface.error, np.nan)
        band = ax.fill_between(x, F - err, F + err, color=color, alpha=0.3, linewidth=0)
    minima = []
    if basins is not None:
        for b in basins.basins:
            xm = b.minimum[0] * scale
            minima.append(ax.plot(xm, b.minimum_free_energy, "X", color="#D55E00", ms=8)[0])
            minima.append(
                ax.annotate(
                    str(b.label),
                    (xm, b.minimum_free_energy),
                    xytext=(4, 6),
                    textcoords="offset points",
                )
            )
    name = surface.labels[0] if surface.labels else "x"
    ax.set_xlabel(f"{name}{' (deg)' if degrees else ''}")
    ax.set_ylabel(f"free energy ({surface.units})")
    return {"line": line, "band": band, "minima": minima}


def dendrogram(linkage_matrix, ax=None, *, n_clusters: int | None = None, truncate: int = 30):
    """Draw the dendrogram of a scipy linkage matrix (``LandmarkHierarchical.linkage_matrix_``).

    Parameters
    ----------
    linkage_matrix : ndarray, shape (n - 1, 4)
    n_clusters : int, optional
        Colour the branches of this many clusters.
    truncate : int, default 30
        Show only the last ``truncate`` merges (landmark trees are large).

    Returns
    -------
    dict
        scipy's dendrogram dictionary (leaves, colours, coordinates).
    """
    from scipy.cluster.hierarchy import dendrogram as _dendrogram

    ax = _axes(ax)
    Z = np.asarray(linkage_matrix, dtype=np.float64)
    threshold = None
    if n_clusters is not None and 1 < n_clusters <= Z.shape[0]:
        threshold = 0.5 * (Z[-n_clusters, 2] + Z[-n_clusters + 1, 2])
    out = _dendrogram(
        Z,
        ax=ax,
        truncate_mode="lastp" if Z.shape[0] + 1 > truncate else None,
        p=truncate,
        color_threshold=threshold,
        no_labels=True,
    )
    ax.set_ylabel("merge distance")
    return out
