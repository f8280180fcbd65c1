"""Build feature specs from a topology."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import mdtraj as md
import numpy as np

from trajlens.exceptions import InputError
from trajlens.featurize.spec import Feature, FeatureSpec

_BACKBONE = ("phi", "psi")
_DIHEDRALS = ("phi", "psi", "omega", "chi1", "chi2", "chi3", "chi4")
_COMPUTE = {
    "phi": md.compute_phi,
    "psi": md.compute_psi,
    "omega": md.compute_omega,
    "chi1": md.compute_chi1,
    "chi2": md.compute_chi2,
    "chi3": md.compute_chi3,
    "chi4": md.compute_chi4,
}


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
    return dihedral_angles(topology, which, sincos=sincos, atom_indices=atom_indices)


def _owner(angle: str, atoms: tuple[int, ...]) -> int:
    """Index (into the quartet) of the atom whose residue owns the angle."""
    # phi_i = C(i-1) N(i) CA(i) C(i); psi_i = N(i) CA(i) C(i) N(i+1);
    # omega_i = CA(i) C(i) N(i+1) CA(i+1) (IUPAC: residue i); chi_n: all in one residue
    return {"phi": 2, "psi": 1, "omega": 0}.get(angle, 1)


def dihedral_angles(
    topology: md.Topology,
    which: Sequence[str] = _BACKBONE,
    *,
    sincos: bool = True,
    atom_indices: Iterable[int] | None = None,
) -> FeatureSpec:
    """Backbone and side-chain dihedrals (φ, ψ, ω, χ1–χ4) as mdtraj defines them.

    Parameters
    ----------
    topology : mdtraj.Topology
        The full system.
    which : sequence of {"phi", "psi", "omega", "chi1", "chi2", "chi3", "chi4"}
        Which angles, in this order for each residue.
    sincos : bool, default True
        Two columns per angle, ``cos_<name>`` and ``sin_<name>``; else one column in radians.
    atom_indices : iterable of int, optional
        Only dihedrals whose four atoms all lie in this set.

    Returns
    -------
    FeatureSpec
        Names are ``<angle>_<RES><resSeq>`` (``chi1_ALA2``); ω is named after the residue
        of its first CA. Atoms are 0-based.
    """
    which = list(which)
    unknown = [w for w in which if w not in _DIHEDRALS]
    if unknown:
        raise InputError(f"dihedrals: unknown angle(s) {unknown}; expected {_DIHEDRALS}")
    dummy = md.Trajectory(np.zeros((1, topology.n_atoms, 3), dtype=np.float32), topology)
    allowed = None if atom_indices is None else set(int(a) for a in atom_indices)
    found: list[tuple[int, str, tuple[int, ...]]] = []
    n_chains = topology.n_chains
    for angle in which:
        indices = _COMPUTE[angle](dummy)[0]
        for quartet in indices:
            atoms = tuple(int(a) for a in quartet)
            if allowed is not None and not set(atoms) <= allowed:
                continue
            residue = topology.atom(atoms[_owner(angle, atoms)]).residue
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


def atom_dihedrals(quartets: Iterable[Sequence[int]], *, sincos: bool = False) -> FeatureSpec:
    """Dihedrals (radians) of explicit 0-based atom quartets, named ``dih_<i+1>_<j+1>_...``.

    With ``sincos`` two columns per angle (``cos_``/``sin_``), else one in (-pi, pi].
    """
    features: list[Feature] = []
    for quartet in quartets:
        a = tuple(int(x) for x in quartet)
        if len(a) != 4 or len(set(a)) != 4:
            raise InputError(f"dihedral {a}: expected four different atoms")
        name = "dih_" + "_".join(str(x + 1) for x in a)
        if sincos:
            features += [Feature("dihedral", a, name, "cos"), Feature("dihedral", a, name, "sin")]
        else:
            features.append(Feature("dihedral", a, name))
    return FeatureSpec(tuple(features))


def angles(triplets: Iterable[Sequence[int]]) -> FeatureSpec:
    """Angles (radians) at the middle atom of explicit 0-based triplets.

    Named ``angle_<i+1>_<j+1>_<k+1>`` with PLUMED's 1-based atom numbers.
    """
    features = []
    for triplet in triplets:
        a = tuple(int(x) for x in triplet)
        if len(a) != 3 or len(set(a)) != 3:
            raise InputError(f"angle {a}: expected three different atoms")
        features.append(Feature("angle", a, "angle_" + "_".join(str(x + 1) for x in a)))
    return FeatureSpec(tuple(features))


def _select(topology: md.Topology, selection: str, what: str, at_least: int = 1) -> list[int]:
    try:
        atoms = topology.select(selection)
    except Exception as exc:
        raise InputError(f"{what}: invalid selection {selection!r}: {exc}") from None
    if atoms.size < at_least:
        raise InputError(
            f"{what}: selection {selection!r} matches {atoms.size} atom(s); expected at least "
            f"{at_least}"
        )
    return atoms.tolist()


def inverse_distances(pairs: Iterable[Sequence[int]]) -> FeatureSpec:
    """Inverse distances 1/r (nm^-1) of 0-based atom pairs, named ``invd_<i+1>_<j+1>``."""
    features = []
    for pair in pairs:
        i, j = (int(a) for a in pair)
        if i == j:
            raise InputError(f"inverse distance pair ({i}, {j}): the two atoms must differ")
        features.append(Feature("inverse_distance", (i, j), f"invd_{i + 1}_{j + 1}"))
    return FeatureSpec(tuple(features))


def selection_pair_inverse_distances(topology: md.Topology, selection: str) -> FeatureSpec:
    """Inverse distances between all pairs of atoms matched by an mdtraj selection."""
    atoms = _select(topology, selection, "inverse distances", 2)
    return inverse_distances(itertools.combinations(atoms, 2))


def coordination(
    group_a: Iterable[int],
    group_b: Iterable[int],
    name: str = "coord",
    *,
    switch: str = "rational",
    r0: float = 0.6,
    d0: float = 0.0,
    nn: int = 6,
    mm: int = 12,
) -> FeatureSpec:
    """Coordination number between two atom groups (PLUMED's COORDINATION).

    ``sum_{i in A, j in B, i != j} s(r_ij)`` over unordered pairs, with PLUMED's switching
    function ``s``: rational ``(1 - x^nn) / (1 - x^mm)``, exp ``exp(-x)`` or gaussian
    ``exp(-x^2 / 2)``, where ``x = (r - d0) / r0`` and ``s = 1`` for ``r <= d0``.

    Parameters
    ----------
    group_a, group_b : iterable of int
        0-based atoms; disjoint or identical (identical: each pair within the group once).
    name : str
        PLUMED label.
    switch : {"rational", "exp", "gaussian"}
    r0, d0 : float
        nm.
    nn, mm : int
        Exponents of the rational switch.
    """
    a = [int(x) for x in group_a]
    b = [int(x) for x in group_b]
    params = {"n_a": len(a), "switch": switch, "r0": r0, "d0": d0, "nn": nn, "mm": mm}
    return FeatureSpec((Feature("coordination", tuple(a + b), name, params=params),))


def radius_of_gyration(atoms: Iterable[int], name: str = "rg") -> FeatureSpec:
    """Unweighted radius of gyration (nm) of 0-based atoms (mdtraj's compute_rg)."""
    return FeatureSpec((Feature("rg", tuple(int(a) for a in atoms), name),))


def residue_min_distances(
    topology: md.Topology, residue_pairs: Iterable[Sequence[int]]
) -> FeatureSpec:
    """Closest heavy-atom distance (nm) between residues, by 0-based residue index.

    Same as mdtraj's ``compute_contacts(scheme="closest-heavy")``; named
    ``mind_<RES><n>_<RES><m>``.
    """
    features = []
    n_chains = topology.n_chains
    for pair in residue_pairs:
        r1, r2 = (topology.residue(int(r)) for r in pair)
        if r1.index == r2.index:
            raise InputError(f"residue pair {tuple(pair)}: the two residues must differ")
        heavy = []
        for res in (r1, r2):
            atoms = [a.index for a in res.atoms if a.element is None or a.element.symbol != "H"]
            if not atoms:
                raise InputError(f"residue {res}: has no heavy atoms")
            heavy.append(atoms)
        name = f"mind_{_residue_tag(r1, n_chains)}_{_residue_tag(r2, n_chains)}"
        features.append(
            Feature(
                "residue_min_distance",
                tuple(heavy[0] + heavy[1]),
                name,
                params={"n_a": len(heavy[0])},
            )
        )
    return FeatureSpec(tuple(features))
