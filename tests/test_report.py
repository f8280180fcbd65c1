"""report.html: self-contained, every figure decodes, no script errors, renders non-blank.

The browser checks run Debian's ``chromium`` headless (installed by ``.ci/run``); they are
skipped only when no chromium is on PATH. The page's inline script writes the decoded size
of every <img> and any error into <body> attributes, which ``--dump-dom`` returns.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import SimpleNamespace

import mdtraj as md
import numpy as np
import pytest

from trajlens import report
from trajlens.io import write_colvar
from trajlens.pipeline import run_colvar, run_project

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


def chromium(page: Path, *args: str) -> subprocess.CompletedProcess:
    """Run headless chromium on ``page`` with a fresh profile."""
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
        )


def browser_problems(page: Path) -> tuple[list[str], list[tuple[int, int]]]:
    """(errors, decoded image sizes) of ``page`` as loaded by headless chromium.

    Errors are those the page's script recorded (script errors, resources that failed to
    load, console.error calls) plus every CONSOLE line of chromium's log: the report
    writes nothing to the console, so any message there is a problem.
    """
    proc = chromium(page, "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", proc.stdout)
    assert body is not None, proc.stdout[:500]
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(1)))
    assert attrs.get("data-loaded") == "1", "the page's load handler did not run"
    errors = json.loads(attrs["data-errors"].replace("&quot;", '"').replace("&amp;", "&"))
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    sizes = [tuple(map(int, s.split("x"))) for s in attrs["data-image-sizes"].split()]
    return errors + console, sizes


@pytest.fixture(scope="module")
def project_out(ala2_short, tmp_path_factory):
    xtc, pdb = ala2_short
    out = tmp_path_factory.mktemp("report") / "out"
    result = run_project([xtc], pdb, out=out)
    return out, result


FIGURES = ("fes", "projection", "projection_basins", "projection_time", "ranking")


def test_report_is_self_contained_with_every_section(project_out):
    out, result = project_out
    text = (out / "report.html").read_text()
    assert "report.html" in result.outputs
    # no network: nothing is fetched from outside the file
    assert not re.search(r'(src|href)="(?!data:)', text)
    assert "<link" not in text and "@import" not in text and "url(" not in text
    # one embedded PNG per figure, identical to the PNG file; each figure also as SVG
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert len(embedded) == len(FIGURES)
    files = {(out / f"{n}.png").read_bytes() for n in FIGURES}
    assert {base64.b64decode(e) for e in embedded} == files
    for name in FIGURES:
        assert (out / f"{name}.svg").read_text().lstrip().startswith("<?xml")
    for heading in ("Inputs and parameters", "Projection", "Free-energy surface", "Basins"):
        assert f"<h2>{heading}</h2>" in text
    # the PLUMED input appears verbatim once HTML-unescaped
    pre = re.search(r"<p>plumed.dat</p><pre>(.*?)</pre>", text, re.S).group(1)
    assert html.unescape(pre) == (out / "plumed.dat").read_text()
    # basins with error bars: one row per basin, "±" where blocks gave an error
    assert text.count("<tr><td>") >= len(result.basins)
    assert "±" in text
    # the CV ranking (two or more basins): figure, table of the top rows and ranking.csv
    assert "<h2>CV ranking</h2>" in text
    rows = (out / "ranking.csv").read_text().splitlines()
    assert rows[0].startswith("rank,feature,") and len(rows) == 1 + len(result.spec)
    assert f"<td>{rows[1].split(',')[1]}</td>" in text  # the best feature is in the table
    # optional sections are absent when the result has nothing for them (HDBSCAN: no tree)
    assert "Dendrogram" not in text


def test_optional_sections_appear_when_present(tmp_path):
    from trajlens.cvs import rank_features

    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 100)
    X = np.column_stack([labels + 0.1 * rng.normal(size=200), rng.normal(size=200)])
    extras = SimpleNamespace(
        linkage_matrix=np.array([[0, 1, 0.5, 2], [2, 3, 1.0, 2], [4, 5, 2.0, 4]], dtype=float),
        ranking=rank_features(X, labels, ["phi", "noise"], scores=("fisher", "hlda")),
    )
    sections, written = report.optional_sections(extras, tmp_path)
    assert set(written) == {
        "dendrogram.png",
        "dendrogram.svg",
        "ranking.png",
        "ranking.svg",
        "ranking.csv",
    }
    assert [h for h, _ in sections] == ["Dendrogram", "CV ranking"]
    for name in written:
        assert (tmp_path / name).is_file()
    # the separating feature ranks first, above the noise
    assert sections[1][1].index("<td>phi</td>") < sections[1][1].index("<td>noise</td>")
    assert report.optional_sections(object(), tmp_path) == ([], {})


def test_text_from_data_is_escaped():
    page = report.render("x", [("Inputs", report.key_value_html({"file": "<b>&'\"</b>"}))])
    assert "<b>&" not in page and "&lt;b&gt;&amp;" in page


@needs_chromium
def test_report_loads_in_headless_chromium(project_out, tmp_path):
    out, _ = project_out
    errors, sizes = browser_problems(out / "report.html")
    assert errors == []
    assert len(sizes) == len(FIGURES)
    assert all(w > 100 and h > 100 for w, h in sizes), sizes

    shot = tmp_path / "report.png"
    proc = chromium(out / "report.html", f"--screenshot={shot}", "--window-size=1200,3000")
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[:2] == (3000, 1200)
    # a rendered page of figures and tables: far from one flat colour
    assert pixels[..., :3].std() > 0.1, pixels[..., :3].std()
    assert (pixels[..., :3] < 0.5).mean() > 0.01  # dark pixels: text, axes, contours


@needs_chromium
def test_browser_check_catches_broken_pages(tmp_path):
    """The check above is not vacuous: a script error, console.error and a missing image
    in a report page are all reported, and the missing image decodes to 0x0."""
    good = report.render("ok", [("Figures", report.figure_html([]))])
    page = tmp_path / "broken.html"
    broken = good.replace(
        "</body>",
        '<img src="missing.png" alt="gone"><script>console.error("boom");'
        "undefinedFunction();</script></body>",
    )
    page.write_text(broken)
    errors, sizes = browser_problems(page)
    assert sizes == [(0, 0)]
    text = " ".join(errors)
    assert any(":CONSOLE" in e and "undefinedFunction" in e for e in errors)  # the log
    assert "missing.png" in text and "boom" in text and "undefinedFunction" in text
    ok = tmp_path / "ok.html"
    ok.write_text(good)
    assert browser_problems(ok) == ([], [])


@pytest.fixture(scope="module")
def colvar_out(ala2, tmp_path_factory):
    t = ala2[:3000]
    folder = tmp_path_factory.mktemp("colvar_report")
    path = folder / "COLVAR"
    write_colvar(
        path,
        {"time": t.time, "phi": md.compute_phi(t)[1][:, 0], "psi": md.compute_psi(t)[1][:, 0]},
        periodic={"phi": ("-pi", "pi"), "psi": ("-pi", "pi")},
    )
    out = folder / "out"
    return out, run_colvar(path, out)


def test_colvar_report_files(colvar_out):
    out, result = colvar_out
    assert "report.html" in result.outputs
    for name in ("fes", "colvar_time"):
        assert (out / f"{name}.png").is_file() and (out / f"{name}.svg").is_file()
    text = (out / "report.html").read_text()
    assert text.count("data:image/png;base64,") == 2
    assert "<h2>Basins</h2>" in text and text.count("<tr><td>") >= len(result.basins) >= 2


@needs_chromium
def test_colvar_report_in_chromium(colvar_out):
    out, _ = colvar_out
    errors, sizes = browser_problems(out / "report.html")
    assert errors == [] and len(sizes) == 2 and min(min(s) for s in sizes) > 100


def test_notebook_reprs(project_out):
    _, result = project_out
    page = result._repr_html_()
    assert page.startswith("<div><b>ProjectResult</b>")
    assert page.count("data:image/png;base64,") == 1  # the FES
    assert page.count("<tr><td>") >= len(result.basins)  # a row per basin
    assert "±" in page
    assert result.basins._repr_html_().startswith(f"<div><b>BasinSet</b>: {len(result.basins)}")
    assert "data:image/png;base64," in result.surface._repr_html_()


def test_one_dimensional_surface_repr():
    from trajlens.fes import estimate, find_basins

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-1, 0.3, 3000), rng.normal(1, 0.3, 1500)])
    s = estimate(x, bins=40, labels=("x <nm>",))
    page = s._repr_html_()
    assert "x &lt;nm&gt;" in page and "<td>1</td>" in page and "data:image/png" in page
    assert find_basins(s, x)._repr_html_().count("<tr><td>") == 2


@needs_chromium
def test_notebook_repr_renders_in_chromium(project_out, tmp_path):
    _, result = project_out
    page = tmp_path / "repr.html"
    page.write_text(report.render("repr", [("Result", result._repr_html_())]))
    errors, sizes = browser_problems(page)
    assert errors == [] and len(sizes) == 1 and min(sizes[0]) > 100


def test_hierarchical_clustering_puts_its_dendrogram_in_the_report(ala2_short, tmp_path):
    xtc, pdb = ala2_short
    out = tmp_path / "hier"
    result = run_project(
        [xtc], pdb, out=out, cluster="hierarchical", cluster_params={"n_clusters": 3}
    )
    assert result.linkage_matrix is not None and result.linkage_matrix.shape[1] == 4
    text = (out / "report.html").read_text()
    assert "<h2>Dendrogram</h2>" in text
    assert (out / "dendrogram.png").is_file() and (out / "dendrogram.svg").is_file()
