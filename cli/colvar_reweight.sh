#!/usr/bin/env bash
# Recipe: a biased run's PLUMED COLVAR file -> reweighted free energy and basins.
# Usage: cli/colvar_reweight.sh [OUTDIR]
# Writes an example COLVAR (a double well sampled under a static harmonic bias, with its
# bias column) and reweights it with w = exp(V_bias / kT). With your own metadynamics run:
#   trajlens project COLVAR --weights-from metad.rbias --out fes_out
set -euo pipefail
out="${1:-colvar_out}"
trajlens="${TRAJLENS:-trajlens}"
python -m trajlens.datasets "$out.COLVAR"
$trajlens project "$out.COLVAR" --weights-from restraint.bias --out "$out" --overwrite
echo "basins:"
cat "$out/basins.csv"
