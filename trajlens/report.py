"""A self-contained HTML report of a run: ``report.html`` next to the other outputs.

The page needs no network: figures are embedded as base64 PNG, styles are inline and the
only script is a small inline one that records, into ``<body>`` attributes, the decoded size
of every image (``data-image-sizes``) and any script or resource error (``data-errors``), so
that a headless browser can check the page. Every figure is also written as PNG and SVG.
Templates are plain strings; everything that comes from data goes through
:func:`html.escape`.
"""

from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trajlens import __version__

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; background: #fff; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
td { white-space: nowrap; }
th { background: #f2f2f2; } td.key { text-align: left; font-weight: 600; }
.figs { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; } figure img { max-width: 520px; height: auto; display: block; }
figcaption { font-size: 0.9em; color: #555; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
"""

# Records decoded image sizes and errors into the DOM (read by tests in a headless browser).
_SCRIPT = """
window.__trajlensErrors = [];
window.addEventListener("error", function (e) {
  var t = e.target;
  var what = (t && t !== window && (t.src || t.tagName)) ? "failed to load " + (t.src || t.tagName)
                                                      : String(e.message);
  window.__trajlensErrors.push(what.slice(0, 200));
}, true);
(function () {
  var original = console.error;
  console.error = function () {
    window.__trajlensErrors.push("console.error: " + Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
})();
window.addEventListener("load", function () {
  var sizes = [];
  document.querySelectorAll("img").forEach(function (img) {
    sizes.push(img.naturalWidth + "x" + img.naturalHeight);
  });
  document.body.setAttribute("data-image-sizes", sizes.join(" "));
  document.body.setAttribute("data-errors", JSON.stringify(window.__trajlensErrors));
  document.body.setAttribute("data-loaded", "1");
});
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>{style}</style>
<script>{script}</script>
</head>
<body>
<h1>{title}</h1>
<p>Written by trajlens {version}.</p>
{sections}
</body>
</html>
"""


@dataclass
class Figure:
    """A figure of the report: file stem, caption and PNG bytes (embedded in the page)."""

    name: str
    caption: str
    png: bytes


def save_figure(fig, folder: Path, name: str, caption: str, *, dpi: int = 150) -> Figure:
    """Write ``fig`` as ``<name>.png`` and ``<name>.svg`` in ``folder``; returns the Figure."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    png = buffer.getvalue()
    (Path(folder) / f"{name}.png").write_bytes(png)
    fig.savefig(Path(folder) / f"{name}.svg", format="svg")
    return Figure(name, caption, png)


def figure_html(figures: list[Figure]) -> str:
    """A row of ``<figure>`` elements with the PNGs inlined as base64 data URIs."""
    items = []
    for f in figures:
        data = base64.b64encode(f.png).decode("ascii")
        items.append(
            f'<figure id="fig-{html.escape(f.name)}"><img alt="{html.escape(f.caption)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{html.escape(f.caption)} '
            f"({html.escape(f.name)}.png, {html.escape(f.name)}.svg)</figcaption></figure>"
        )
    return '<div class="figs">\n' + "\n".join(items) + "\n</div>"


def _cell(value) -> str:
    if isinstance(value, float | np.floating):
        return "–" if not np.isfinite(value) else f"{value:.4g}"
    if isinstance(value, list | tuple):
        return html.escape(", ".join(_cell(v) if not isinstance(v, str) else v for v in value))
    return html.escape(str(value))


def key_value_html(items: dict) -> str:
    """A two-column table of parameters."""
    rows = "".join(
        f'<tr><td class="key">{html.escape(str(k))}</td><td>{_cell(v)}</td></tr>'
        for k, v in items.items()
    )
    return f"<table>{rows}</table>"


def table_html(header: list[str], rows: list[list]) -> str:
    """A table with a header row; cells are escaped."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _pm(value: float, error: float, fmt: str) -> str:
    if not np.isfinite(value):
        return "–"
    if np.isfinite(error) and error > 0:
        return f"{value:{fmt}} ± {error:{fmt}}"
    return f"{value:{fmt}}"


def basins_html(basins) -> str:
    """The basins table: population and ΔF with their error bars, barrier, minimum, size."""
    t = basins.to_table()
    units = basins.surface.units
    names = basins.surface.labels or tuple(f"x{d}" for d in range(basins.surface.ndim))
    header = [
        "basin",
        "population",
        f"ΔF ({units})",
        f"barrier ({units})",
        "frames",
        "representative frame",
        *[f"{n} at minimum" for n in names],
    ]
    rows = []
    for i in range(len(basins)):
        rows.append(
            [
                int(t["basin"][i]),
                _pm(t["population"][i], t["population_error"][i], ".3f"),
                _pm(t["free_energy"][i], t["free_energy_error"][i], ".2f"),
                float(t["barrier"][i]),
                int(t["n_frames"][i]),
                int(t["representative"][i]),
                *[float(t[f"minimum_{n}"][i]) for n in names],
            ]
        )
    note = (
        "<p>Errors are one standard error from block analysis (jackknife); ΔF is relative "
        "to the most populated basin; the barrier is the lowest saddle out of the basin "
        "minus its minimum.</p>"
    )
    return table_html(header, rows) + note


def render(title: str, sections: list[tuple[str, str]]) -> str:
    """The page: ``sections`` are (heading, HTML body); bodies must already be escaped."""
    body = "\n".join(
        f'<section id="{html.escape(heading.lower().replace(" ", "-"))}">'
        f"<h2>{html.escape(heading)}</h2>\n{content}</section>"
        for heading, content in sections
    )
    return _PAGE.format(
        title=html.escape(title),
        style=_STYLE,
        script=_SCRIPT,
        version=html.escape(__version__),
        sections=body,
    )


def _parameters(summary: dict) -> dict:
    """Summary entries for the parameters table; nested groups (``fes``) one row per entry,
    with the unit in brackets."""
    out = {}
    for key, value in summary.items():
        if key == "basins":
            continue
        if isinstance(value, dict):
            units = value.get("units", {})
            for k, v in value.items():
                if k != "units":
                    out[f"{key} {k}" + (f" ({units[k]})" if k in units else "")] = v
        else:
            out[key] = value
    return out


def optional_sections(result, folder: Path) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Sections shown only when the result has them: a dendrogram or a CV ranking.

    Looks for ``linkage_matrix`` (an (n-1, 4) SciPy linkage, drawn as a dendrogram) and
    ``ranking`` (a :class:`~trajlens.cvs.FeatureRanking`: figure, top rows and
    ``ranking.csv``) on ``result``.
    """
    from matplotlib.figure import Figure as MplFigure

    from trajlens import plot

    sections, written = [], {}
    linkage = getattr(result, "linkage_matrix", None)
    if linkage is not None:
        fig = MplFigure(figsize=(6.0, 4.0), layout="constrained")
        plot.dendrogram(np.asarray(linkage), ax=fig.add_subplot())
        f = save_figure(fig, folder, "dendrogram", "dendrogram of the clustering")
        sections.append(("Dendrogram", figure_html([f])))
        written.update({"dendrogram.png": f.caption, "dendrogram.svg": f.caption})
    ranking = getattr(result, "ranking", None)
    if ranking is not None:
        n = min(15, len(ranking.order))
        fig = MplFigure(figsize=(6.0, 0.3 * n + 1.4), layout="constrained")
        plot.feature_ranking(ranking, ax=fig.add_subplot(), n=n)
        caption = f"top features for separating the basins (sorted by {ranking.by})"
        f = save_figure(fig, folder, "ranking", caption)
        ranking.to_csv(folder / "ranking.csv")
        table = ranking.to_table()
        header = list(table)
        rows = [
            [
                *(table[k][i] for k in header[:2]),
                *(f"{table[k][i]:.3g}" for k in header[2:]),
            ]
            for i in range(n)
        ]
        sections.append(("CV ranking", figure_html([f]) + table_html(header, rows)))
        written.update(
            {
                "ranking.png": f.caption,
                "ranking.svg": f.caption,
                "ranking.csv": "every feature's scores for separating the basins, best first",
            }
        )
    return sections, written


def project_figures(result, folder: Path, coords: np.ndarray, time: np.ndarray) -> list[Figure]:
    """FES with basins, and the projection coloured by basin, by cluster and by time."""
    from matplotlib.figure import Figure as MplFigure

    from trajlens import plot

    figures = []
    fig = MplFigure(figsize=(5.4, 4.4), layout="constrained")
    plot.fes(result.surface, result.basins, ax=fig.add_subplot())
    figures.append(save_figure(fig, folder, "fes", "free-energy surface with basins"))
    fig = MplFigure(figsize=(5.4, 4.4), layout="constrained")
    plot.projection(coords, result.clusters, ax=fig.add_subplot())
    figures.append(save_figure(fig, folder, "projection", "projection coloured by cluster"))
    fig = MplFigure(figsize=(5.4, 4.4), layout="constrained")
    plot.projection(coords, result.basins.frame_labels, ax=fig.add_subplot(), legend_name="basin")
    figures.append(save_figure(fig, folder, "projection_basins", "projection coloured by basin"))
    fig = MplFigure(figsize=(5.4, 4.4), layout="constrained")
    plot.projection_values(coords, time, ax=fig.add_subplot(), label="time (ps)")
    figures.append(save_figure(fig, folder, "projection_time", "projection coloured by time"))
    return figures


def write_project_report(
    result, folder: Path, summary: dict, figures: list[Figure]
) -> dict[str, str]:
    """Write ``report.html`` for ``trajlens project``; returns file name → description."""
    folder = Path(folder)
    extra, written = optional_sections(result, folder)
    by_name = {f.name: f for f in figures}
    proj = [by_name[n] for n in ("projection_basins", "projection", "projection_time")]
    sections = [
        ("Inputs and parameters", key_value_html(_parameters(summary))),
        ("Projection", figure_html(proj)),
        ("Free-energy surface", figure_html([by_name["fes"]])),
        ("Basins", basins_html(result.basins)),
        *extra,
        ("PLUMED input", f"<p>plumed.dat</p><pre>{html.escape(result.plumed)}</pre>"),
        ("Summary JSON", f"<pre>{html.escape(json.dumps(summary, indent=1))}</pre>"),
    ]
    (folder / "report.html").write_text(render("trajlens project report", sections))
    written["report.html"] = "self-contained HTML report (open in a browser)"
    return written


def write_colvar_report(result, folder: Path, summary: dict) -> dict[str, str]:
    """Write ``report.html`` (and the figure files) for a COLVAR run."""
    from matplotlib.figure import Figure as MplFigure

    from trajlens import plot

    folder = Path(folder)
    s = result.surface
    written: dict[str, str] = {}
    sections = [("Inputs and parameters", key_value_html(_parameters(summary)))]
    figures = []
    if s.ndim == 2:
        fig = MplFigure(figsize=(5.4, 4.4), layout="constrained")
        plot.fes(s, result.basins, ax=fig.add_subplot(), degrees=all(s.is_periodic))
        figures.append(save_figure(fig, folder, "fes", "free-energy surface with basins"))
        fig = MplFigure(figsize=(5.4, 4.4), layout="constrained")
        plot.projection_values(
            result.X[:, :2], result.time, ax=fig.add_subplot(), axis_labels=result.variables
        )
        figures.append(save_figure(fig, folder, "colvar_time", "variables coloured by time"))
    elif s.ndim == 1:
        fig = MplFigure(figsize=(5.4, 4.0), layout="constrained")
        plot.fes_profile(s, result.basins, ax=fig.add_subplot())
        figures.append(save_figure(fig, folder, "fes", "free-energy profile with basins"))
    if figures:
        sections.append(("Free-energy surface", figure_html(figures)))
        for f in figures:
            written[f"{f.name}.svg"] = f.caption + " (SVG)"
    sections.append(("Basins", basins_html(result.basins)))
    (folder / "report.html").write_text(render("trajlens COLVAR report", sections))
    written["report.html"] = "self-contained HTML report (open in a browser)"
    return written


def _inline_png(fig, dpi: int = 80) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{data}">'


def surface_repr_html(surface, basins=None) -> str:
    """Notebook view of a FreeEnergySurface: grid facts and, for 1-D/2-D, a small plot."""
    from matplotlib.figure import Figure as MplFigure

    from trajlens import plot

    F = surface.free_energy
    finite = F[np.isfinite(F)]
    facts = {
        "dimensions": surface.ndim,
        "grid": " × ".join(str(n) for n in F.shape),
        "variables": ", ".join(surface.labels) or "–",
        "periodic": ", ".join(str(p) for p in surface.is_periodic),
        "temperature (K)": float(surface.temperature),
        f"free-energy range ({surface.units})": float(finite.max()) if finite.size else "–",
        "sampled cells": f"{finite.size} of {F.size}",
    }
    picture = ""
    if surface.ndim in (1, 2):
        fig = MplFigure(figsize=(4.5, 3.5), layout="constrained")
        ax = fig.add_subplot()
        if surface.ndim == 2:
            plot.fes(surface, basins, ax=ax)
        else:
            plot.fes_profile(surface, basins, ax=ax)
        picture = _inline_png(fig)
    title = f"<b>FreeEnergySurface</b> ({html.escape(surface.units)})"
    return f"<div>{title}{key_value_html(facts)}{picture}</div>"


def basins_repr_html(basins) -> str:
    """Notebook view of a BasinSet: the basins table with error bars."""
    return f"<div><b>BasinSet</b>: {len(basins)} basins{basins_html(basins)}</div>"


def colvar_repr_html(result) -> str:
    """Notebook view of a ColvarResult: the input, the weights, the FES and basins table."""
    facts = {
        "input": str(result.path),
        "rows": int(result.X.shape[0]),
        "variables": ", ".join(result.variables),
        "weights from": result.weights_from or "– (unweighted)",
    }
    if result.weights is not None:
        w = np.asarray(result.weights, dtype=np.float64)
        facts["effective sample size"] = f"{w.sum() ** 2 / np.sum(w * w):.0f}"
    if result.outputs:
        facts["outputs"] = str(next(iter(result.outputs.values())).parent)
    return (
        f"<div><b>ColvarResult</b>{key_value_html(facts)}"
        f"{surface_repr_html(result.surface, result.basins)}{basins_html(result.basins)}</div>"
    )


def project_repr_html(result) -> str:
    """Notebook view of a ProjectResult: inputs, the FES with basins, the basins table."""
    trajs = result.trajectories
    facts = {
        "inputs": [str(p) for p in trajs.paths],
        "frames": [int(n) for n in trajs.n_frames],
        "features": len(result.spec),
        "projection": result.method,
        "clusters": int(result.clusters.max() + 1),
    }
    ratio = getattr(result.model, "explained_variance_ratio_", None)
    if ratio is not None:
        facts["explained variance ratio"] = [float(v) for v in ratio]
    timescales = getattr(result.model, "timescales_", None)
    if timescales is not None:
        facts["implied timescales"] = [float(v) for v in timescales]
    if result.outputs:
        facts["outputs"] = str(next(iter(result.outputs.values())).parent)
    return (
        f"<div><b>ProjectResult</b>{key_value_html(facts)}"
        f"{surface_repr_html(result.surface, result.basins)}{basins_html(result.basins)}</div>"
    )
