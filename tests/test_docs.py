"""The Sphinx documentation builds with warnings as errors, and says what it should."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("myst_parser")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docs_html")
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(out / ".doctrees"),
            str(ROOT / "docs"),
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    return out


def test_docs_build_without_warnings(html):
    for page in ("index", "guide", "cli", "api", "recipes", "notebooks", "plumed-2.10-notes"):
        assert (html / f"{page}.html").is_file(), page


def page_text(path: Path) -> str:
    """The visible text of an HTML page (tags removed, entities decoded)."""
    return unescape(re.sub(r"<[^>]+>", "", path.read_text()))


def test_cli_reference_lists_every_option_of_every_command(html):
    import typer.main

    from trajlens.cli import app

    text = page_text(html / "cli.html")
    command = typer.main.get_command(app)
    for name, sub in command.commands.items():
        assert f"trajlens {name}" in text
        for param in sub.params:
            for opt in param.opts:
                if opt.startswith("-"):
                    assert opt in text, f"{name} {opt} missing from the CLI reference"


def test_api_reference_documents_the_public_api(html):
    text = (html / "api.html").read_text()
    for name in (
        "trajlens.pipeline.compute_project",
        "trajlens.reduce.PCA",
        "trajlens.reduce.TICA",
        "trajlens.reduce.SketchMap",
        "trajlens.cluster.HDBSCAN",
        "trajlens.fes.estimate",
        "trajlens.fes.find_basins",
        "trajlens.cvs.linear_cv_input",
        "trajlens.plot.fes",
    ):
        assert f'id="{name}"' in text, name


def test_theory_pages_and_recipes_are_included(html):
    for method in (
        "pca",
        "tica",
        "mds",
        "sketchmap",
        "umap",
        "hdbscan",
        "density_peaks",
        "hierarchical",
        "fes",
        "reweighting",
        "plumed",
    ):
        assert (html / "theory" / f"{method}.html").is_file(), method
    recipes = page_text(html / "recipes.html")
    # the scripts themselves are shown, as the tests run them
    assert "trajlens project --example ala2" in recipes
    assert "--weights-from restraint.bias" in recipes
