#!/usr/bin/env bash
# Recipe: unbiased trajectory -> basins, representative structures and PLUMED CVs.
# Usage: cli/ala2_to_plumed.sh [OUTDIR]   (runs on the bundled alanine-dipeptide example)
set -euo pipefail
out="${1:-ala2_out}"
trajlens project --example ala2 --out "$out" --overwrite --seed 0
echo "basins:"
cat "$out/basins.csv"
echo "PLUMED input ($out/plumed.dat):"
cat "$out/plumed.dat"
