"""Free-energy surface and projection plots."""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: Okabe & Ito's colour-blind-safe qualitative palette.
OKABE_ITO = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)
NOISE_COLOUR = "#BBBBBB"


def _axes(ax, figsize=(5.0, 4.2)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    return ax


def label_colours(labels: np.ndarray) -> np.ndarray:
    """An RGBA-able colour per label: the Okabe–Ito cycle, grey for -1 (noise)."""
    labels = np.asarray(labels)
    palette = np.array(OKABE_ITO, dtype=object)
    out = np.where(labels >= 0, palette[np.maximum(labels, 0) % len(OKABE_ITO)], NOISE_COLOUR)
    return out


def fes(
    surface,
    basins=None,
    ax=None,
    *,
    vmax: float | None = None,
    cmap: str = "viridis",
    degrees: bool = False,
    colorbar: bool = True,
):
    """Draw a 2-D free-energy surface, with basin minima marked and numbered.

    Parameters
    ----------
    surface : FreeEnergySurface
        A 2-D surface.
    basins : BasinSet, optional
        Marks each basin's minimum with its label.
    ax : matplotlib Axes, optional
    vmax : float, optional
        Upper limit of the colour scale in kJ/mol (default: the 95th percentile of the
        sampled cells, at least 5 kT).
    degrees : bool, default False
        The axes are angles in radians: show them in degrees.

    Returns
    -------
    dict
        ``{"mesh": QuadContourSet, "colorbar": Colorbar or None, "minima": list of artists}``
    """
    if surface.ndim != 2:
        raise ValueError(f"plot.fes draws 2-D surfaces; this one has {surface.ndim} dimensions")
    ax = _axes(ax)
    F = surface.free_energy
    finite = F[np.isfinite(F)]
    if vmax is None:
        vmax = max(float(np.percentile(finite, 95)), 5 * surface.kT)
    scale = 180.0 / np.pi if degrees else 1.0
    cx, cy = (c * scale for c in surface.centers)
    from matplotlib.ticker import MaxNLocator

    levels = MaxNLocator(nbins=20).tick_values(0.0, vmax)
    vmax = levels[-1]
    shown = np.where(np.isfinite(F), np.minimum(F, vmax), np.nan)
    mesh = ax.contourf(cx, cy, shown.T, levels=levels, cmap=cmap, extend="neither")
    ax.contour(cx, cy, shown.T, levels=levels[::4], colors="k", linewidths=0.4, alpha=0.5)
    xl, yl = ((*surface.labels, "", ""))[:2]
    unit = " (deg)" if degrees else ""
    ax.set_xlabel(f"{xl}{unit}")
    ax.set_ylabel(f"{yl}{unit}")
    cbar = None
    if colorbar:
        cbar = ax.figure.colorbar(mesh, ax=ax)
        cbar.set_label(f"free energy ({surface.units})")
    minima = []
    if basins is not None:
        for basin in basins.basins:
            x, y = basin.minimum * scale
            minima.append(ax.plot(x, y, marker="X", ms=9, mec="white", mfc="#D55E00")[0])
            minima.append(
                ax.annotate(
                    str(basin.label),
                    (x, y),
                    xytext=(6, 6),
                    textcoords="offset points",
                    color="white",
                    fontweight="bold",
                )
            )
    return {"mesh": mesh, "colorbar": cbar, "minima": minima}


def projection(
    X,
    labels=None,
    ax=None,
    *,
    max_points: int = 50000,
    random_state=0,
    axis_labels=("PC1", "PC2"),
    s: float = 3.0,
    legend_name: str = "cluster",
):
    """Scatter a 2-D projection, coloured by cluster label (grey for noise).

    Parameters
    ----------
    X : ndarray, shape (n_frames, >= 2)
    labels : ndarray of int, shape (n_frames,), optional
    max_points : int
        A seeded random subset is drawn when there are more frames.
    legend_name : str
        What the labels are, in the legend ("cluster 0", "basin 0", ...).

    Returns
    -------
    dict
        ``{"scatter": PathCollection, "legend": Legend or None}``
    """
    ax = _axes(ax)
    X = np.asarray(X)
    idx = np.arange(X.shape[0])
    if idx.size > max_points:
        idx = np.sort(np.random.default_rng(random_state).choice(idx, max_points, replace=False))
    colours = label_colours(labels[idx]) if labels is not None else OKABE_ITO[4]
    sc = ax.scatter(X[idx, 0], X[idx, 1], c=colours, s=s, linewidths=0, rasterized=True)
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    legend = None
    if labels is not None:
        from matplotlib.lines import Line2D

        present = np.unique(labels)
        handles = [
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                color=label_colours(np.array([k]))[0],
                label="noise" if k < 0 else f"{legend_name} {k}",
            )
            for k in present
        ]
        legend = ax.legend(handles=handles, loc="best", fontsize="small", frameon=False)
    return {"scatter": sc, "legend": legend}


def projection_values(
    X,
    values,
    ax=None,
    *,
    label: str = "time (ps)",
    cmap: str = "viridis",
    max_points: int = 50000,
    random_state=0,
    axis_labels=("PC1", "PC2"),
    s: float = 3.0,
    colorbar: bool = True,
):
    """Scatter a 2-D projection coloured by a continuous value per frame (e.g. time).

    Parameters
    ----------
    X : ndarray, shape (n_frames, >= 2)
    values : ndarray, shape (n_frames,)
        The colour of each frame, e.g. simulation time in ps.
    label : str
        Colour-bar label, with units.
    max_points : int
        A seeded random subset is drawn when there are more frames; later frames are
        drawn on top.

    Returns
    -------
    dict
        ``{"scatter": PathCollection, "colorbar": Colorbar or None}``
    """
    ax = _axes(ax)
    X = np.asarray(X)
    values = np.asarray(values, dtype=float)
    if values.shape != (X.shape[0],):
        raise ValueError(f"values: expected shape ({X.shape[0]},), got {values.shape}")
    idx = np.arange(X.shape[0])
    if idx.size > max_points:
        idx = np.sort(np.random.default_rng(random_state).choice(idx, max_points, replace=False))
    sc = ax.scatter(
        X[idx, 0], X[idx, 1], c=values[idx], cmap=cmap, s=s, linewidths=0, rasterized=True
    )
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    cbar = None
    if colorbar:
        cbar = ax.figure.colorbar(sc, ax=ax)
        cbar.set_label(label)
    return {"scatter": sc, "colorbar": cbar}


def save_figure(fig, path: str | Path, *, dpi: int = 150) -> Path:
    """Save a figure (made with ``matplotlib.figure.Figure``, no pyplot needed)."""
    path = Path(path)
    fig.savefig(path, dpi=dpi)
    return path
