"""Sphinx configuration of the trajlens documentation.

Build (from the repository root, after ``pip install ".[test]"``)::

    python -m sphinx -W -b html docs docs/_build/html

The command-line reference (``cli.md``) is generated at build time from the typer commands
in :mod:`trajlens.cli` by typer's own Markdown generator (the one behind ``typer ... utils
docs``), so it always matches ``trajlens --help``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trajlens  # noqa: E402

project = "trajlens"
author = "trajlens developers"
copyright = "trajlens developers"
version = release = trajlens.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
root_doc = "index"
html_theme = "alabaster"
html_static_path: list[str] = []

# numpydoc-style docstrings through napoleon; type hints stay in the signatures
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autodoc_typehints = "signature"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": False}
myst_heading_anchors = 3
# mathjax is loaded from a CDN only when a page is opened; the build needs no network
nitpicky = False
smartquotes = False  # keep "--option" and quotes in the generated CLI reference as typed
# numpydoc "shape (n_frames, n_features)" in a type field is text, not a cross-reference:
# the Python domain would otherwise warn that n_frames matches several attributes.
suppress_warnings = ["ref.python"]


def _cli_markdown() -> str:
    """Markdown reference of every ``trajlens`` command, from the typer app itself."""
    import typer.cli
    import typer.main

    from trajlens.cli import app

    command = typer.main.get_command(app)
    ctx = command.make_context("trajlens", [], resilient_parsing=True)
    text = typer.cli.get_docs_for_click(obj=command, ctx=ctx, name="trajlens")
    # one heading level below the page title
    text = "\n".join("#" + line if line.startswith("#") else line for line in text.splitlines())
    return text


def _source_read(app, docname: str, source: list[str]) -> None:
    if docname == "cli":
        source[0] = source[0].replace("<!-- trajlens-cli -->", _cli_markdown())


def _skip_member(app, what, name, obj, skip, options):
    # scikit-learn's generated metadata-routing methods (set_fit_request, ...) carry
    # sklearn's own cross-references; they are sklearn API, not trajlens API
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("source-read", _source_read)
    app.connect("autodoc-skip-member", _skip_member)
