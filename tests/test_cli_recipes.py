"""The shell recipes in cli/ run as written, with the installed ``trajlens`` script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def recipe_env() -> dict:
    env = dict(os.environ, COLUMNS="120", MPLBACKEND="Agg")
    # the `trajlens` console script next to this interpreter, importing this checkout
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def test_ala2_to_plumed_recipe(tmp_path):
    proc = subprocess.run(
        ["bash", str(ROOT / "cli" / "ala2_to_plumed.sh"), "out"],
        cwd=tmp_path,
        env=recipe_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "out"
    basins = (out / "basins.csv").read_text()
    plumed = (out / "plumed.dat").read_text()
    # the recipe prints both files
    assert basins in proc.stdout and plumed in proc.stdout
    assert len(basins.splitlines()) >= 3  # header + C7eq and C5 at least
    assert "PCA" in plumed and "TORSION" in plumed
    assert (out / "report.html").is_file()
