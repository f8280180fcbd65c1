"""Build feature specs from a topology."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import mdtraj as md
import numpy as np

from trajlens.exceptions import InputError
from trajlens.featurize.spec import Feature, FeatureSpec

_BACKBONE = ("phi", "psi")


def _residue_tag(residue: md.core.topology.Residue, n_chains: int) -> str:
    tag = f"{residue.name}{residue.resSeq}"
    if n_chains > 1:
        tag += f"_{residue.chain.index}"
    return "".join(ch if ch.isalnum() else "_" for ch in tag)


def backbone_dihedrals(
    topology: md.Topology,
    which: Sequence[str] = _BACKBONE,
    *,
    sincos: bool = True,
    atom_indices: Iterable[int] | None = None,
) -> FeatureSpec:
    """Backbone φ/ψ dihedrals of every residue that has them.

    Parameters
    ----------
    topology : mdtraj.Topology
        The full system.
    which : sequence of {"phi", "psi"}
        Which angles, in this order for each residue.
    sincos : bool, default True
        Two columns per angle, ``cos_<name>`` and ``sin_<name>``; else one column in radians.
    atom_indices : iterable of int, optional
        Only dihedrals whose four atoms all lie in this set (for example a selection).

    Returns
    -------
    FeatureSpec
        Names are ``phi_<RES><resSeq>`` (``phi_ALA2``), atoms are 0-based.
    """
    unknown = [w for w in which if w not in _BACKBONE]
    if unknown:
        raise InputError(f"backbone dihedrals: unknown angle(s) {unknown}; expected {_BACKBONE}")
    dummy = md.Trajectory(np.zeros((1, topology.n_atoms, 3), dtype=np.float32), topology)
    allowed = None if atom_indices is None else set(int(a) for a in atom_indices)
    found: list[tuple[int, str, tuple[int, ...]]] = []
    n_chains = topology.n_chains
    for angle in which:
        indices = (md.compute_phi if angle == "phi" else md.compute_psi)(dummy)[0]
        for quartet in indices:
            atoms = tuple(int(a) for a in quartet)
            if allowed is not None and not set(atoms) <= allowed:
                continue
            # phi_i = C(i-1) N(i) CA(i) C(i); psi_i = N(i) CA(i) C(i) N(i+1): CA is the owner
            residue = topology.atom(atoms[2] if angle == "phi" else atoms[1]).residue
            found.append((residue.index, angle, atoms, _residue_tag(residue, n_chains)))
    found.sort(key=lambda item: (item[0], which.index(item[1])))
    features: list[Feature] = []
    for _, angle, atoms, tag in found:
        name = f"{angle}_{tag}"
        if sincos:
            features += [
                Feature("dihedral", atoms, name, "cos"),
                Feature("dihedral", atoms, name, "sin"),
            ]
        else:
            features.append(Feature("dihedral", atoms, name))
    return FeatureSpec(tuple(features))


def atom_pair_distances(pairs: Iterable[Sequence[int]]) -> FeatureSpec:
    """Distances (nm) between explicit 0-based atom pairs, named ``dist_<i+1>_<j+1>``.

    The name uses PLUMED's 1-based atom numbers so it matches the exported input.
    """
    features = []
    for pair in pairs:
        i, j = (int(a) for a in pair)
        if i == j:
            raise InputError(f"distance pair ({i}, {j}): the two atoms must differ")
        features.append(Feature("distance", (i, j), f"dist_{i + 1}_{j + 1}"))
    return FeatureSpec(tuple(features))


def selection_pair_distances(topology: md.Topology, selection: str) -> FeatureSpec:
    """Distances between all pairs of atoms matched by an mdtraj selection."""
    try:
        atoms = topology.select(selection)
    except Exception as exc:
        raise InputError(f"--distances: invalid selection {selection!r}: {exc}") from None
    if atoms.size < 2:
        raise InputError(
            f"--distances: selection {selection!r} matches {atoms.size} atom(s); expected at least 2"
        )
    return atom_pair_distances(itertools.combinations(atoms.tolist(), 2))
