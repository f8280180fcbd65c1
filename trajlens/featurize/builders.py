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


def _reference_coords(reference, atoms: Sequence[int], frame: int, what: str) -> tuple:
    """Flat (x, y, z, ...) nm of ``atoms`` in ``reference`` (mdtraj.Trajectory or array)."""
    atoms = list(atoms)
    if isinstance(reference, md.Trajectory):
        if not 0 <= frame < reference.n_frames:
            raise InputError(f"{what}: frame {frame} is outside the reference's frames")
        if max(atoms) >= reference.n_atoms:
            raise InputError(
                f"{what}: atom {max(atoms)} is outside the reference ({reference.n_atoms} atoms)"
            )
        xyz = reference.xyz[frame][atoms]
    else:
        xyz = np.asarray(reference, dtype=np.float64)
        if xyz.ndim != 2 or xyz.shape[1] != 3:
            raise InputError(f"{what}: reference must be an mdtraj.Trajectory or (n_atoms, 3) nm")
        xyz = xyz[atoms]
    return tuple(float(v) for v in np.asarray(xyz, dtype=np.float64).reshape(-1))


def rmsd(reference, atoms: Iterable[int], name: str = "rmsd", *, frame: int = 0) -> FeatureSpec:
    """RMSD (nm) of 0-based ``atoms`` to a reference after optimal superposition.

    Same as ``mdtraj.rmsd(traj, reference, frame, atom_indices=atoms)`` (uniform weights,
    the atoms both fitted and measured); PLUMED ``RMSD TYPE=OPTIMAL`` with a reference PDB
    (see :func:`trajlens.cvs.plumed.feature_files`).

    Parameters
    ----------
    reference : mdtraj.Trajectory or ndarray of shape (n_atoms, 3)
        Full-system reference structure (nm); ``frame`` picks its frame.
    atoms : iterable of int
        At least 3 atoms.
    """
    atoms = [int(a) for a in atoms]
    if len(atoms) < 3:
        raise InputError(f"rmsd {name!r}: needs at least 3 atoms, got {len(atoms)}")
    ref = _reference_coords(reference, atoms, frame, f"rmsd {name!r}")
    return FeatureSpec((Feature("rmsd", tuple(atoms), name, params={"reference": ref}),))


def aligned_positions(
    reference,
    atoms: Iterable[int],
    fit_atoms: Iterable[int] | None = None,
    *,
    frame: int = 0,
    prefix: str = "pos",
) -> FeatureSpec:
    """Cartesian coordinates (nm) of ``atoms`` after superposing ``fit_atoms`` on a reference.

    As ``traj.superpose(reference, frame, atom_indices=fit_atoms)`` then
    ``traj.xyz[:, atoms]``: three columns per atom, ``<prefix>_<atom+1>_x`` (``_y``, ``_z``).
    PLUMED: ``FIT_TO_TEMPLATE TYPE=OPTIMAL`` then ``POSITION NOPBC``.

    Parameters
    ----------
    reference : mdtraj.Trajectory or ndarray of shape (n_atoms, 3)
    atoms : iterable of int
        Atoms whose coordinates are the features.
    fit_atoms : iterable of int, optional
        Atoms superposed (at least 3); default ``atoms``.
    """
    atoms = [int(a) for a in atoms]
    fit = atoms if fit_atoms is None else [int(a) for a in fit_atoms]
    if len(fit) < 3:
        raise InputError(f"aligned positions: need at least 3 fit atoms, got {len(fit)}")
    ref = _reference_coords(reference, fit, frame, "aligned positions")
    features = []
    for a in atoms:
        for axis in "xyz":
            features.append(
                Feature(
                    "aligned_position",
                    (a, *fit),
                    f"{prefix}_{a + 1}_{axis}",
                    params={"axis": axis, "reference": ref},
                )
            )
    return FeatureSpec(tuple(features))


def _environment(
    kind: str,
    centers: Iterable[int],
    neighbours: Iterable[int] | None,
    prefix: str,
    per_atom: bool,
    params: dict,
) -> FeatureSpec:
    centers = [int(a) for a in centers]
    neighbours = centers if neighbours is None else [int(a) for a in neighbours]
    if not centers or not neighbours:
        raise InputError(f"{prefix}: needs at least one centre and one neighbour atom")
    if per_atom:
        groups = [([c], f"{prefix}_{c + 1}") for c in centers]
    else:
        groups = [(centers, f"{prefix}_mean")]
    features = []
    for group, name in groups:
        p = {**params, "n_a": len(group)}
        features.append(Feature(kind, tuple(group + neighbours), name, params=p))
    return FeatureSpec(tuple(features))


def coordination_numbers(
    centers: Iterable[int],
    neighbours: Iterable[int] | None = None,
    *,
    per_atom: bool = True,
    prefix: str = "cn",
    switch: str = "rational",
    r0: float = 0.6,
    d0: float = 0.0,
    nn: int = 6,
    mm: int = 12,
) -> FeatureSpec:
    """Per-atom coordination numbers sum_{j in neighbours, j != i} s(r_ij) (PLUMED's
    COORDINATIONNUMBER with SWITCH={RATIONAL|EXP|GAUSSIAN ...}).

    Parameters
    ----------
    centers : iterable of int
        0-based atoms i; one column each (``cn_<i+1>``), or with ``per_atom=False`` one
        column ``cn_mean``, the mean over them.
    neighbours : iterable of int, optional
        Atoms j counted (default: ``centers``); a centre is never its own neighbour.
    switch, r0, d0, nn, mm
        PLUMED switching function (r0, d0 in nm), as :func:`coordination`.
    """
    params = {"switch": switch, "r0": r0, "d0": d0, "nn": nn, "mm": mm}
    return _environment("coordination_number", centers, neighbours, prefix, per_atom, params)


def steinhardt(
    centers: Iterable[int],
    neighbours: Iterable[int] | None = None,
    l: int = 6,  # noqa: E741 (the order's usual name)
    *,
    per_atom: bool = True,
    prefix: str | None = None,
    switch: str = "rational",
    r0: float = 0.35,
    d0: float = 0.0,
    nn: int = 6,
    mm: int = 12,
) -> FeatureSpec:
    """Steinhardt order parameters Q_l as PLUMED 2.10's Q4/Q6 define them.

    ``Q_l(i) = sqrt(sum_m |sum_j s(r_ij) Y_lm(r_ij)|^2) / sum_j s(r_ij)``, with the orthonormal
    spherical harmonics and PLUMED's switching function s; PLUMED omits Steinhardt's factor
    sqrt(4 pi / (2l + 1)). Columns ``q<l>_<i+1>`` per atom, or ``q<l>_mean`` (PLUMED's MEAN).
    The parameters other than ``l`` are those of :func:`coordination_numbers`.

    Parameters
    ----------
    l : {1, 3, 4, 6}
        The order.
    """
    params = {"l": l, "switch": switch, "r0": r0, "d0": d0, "nn": nn, "mm": mm}
    prefix = prefix or f"q{int(l)}"
    return _environment("steinhardt", centers, neighbours, prefix, per_atom, params)


def symmetry_functions_g2(
    centers: Iterable[int],
    neighbours: Iterable[int] | None = None,
    *,
    eta: float,
    rc: float,
    rs: float = 0.0,
    per_atom: bool = True,
    prefix: str = "g2",
) -> FeatureSpec:
    """Behler-Parrinello radial symmetry function G2 (dimensionless).

    G2(i) = sum_j exp(-eta (r_ij - rs)^2) fc(r_ij), fc(r) = (cos(pi r / rc) + 1) / 2 below
    ``rc``; eta in nm^-2, rs and rc in nm. Columns ``g2_<i+1>`` or ``g2_mean``.
    """
    params = {"eta": eta, "rs": rs, "rc": rc}
    return _environment("symmetry_g2", centers, neighbours, prefix, per_atom, params)


def symmetry_functions_g4(
    centers: Iterable[int],
    neighbours: Iterable[int] | None = None,
    *,
    eta: float,
    zeta: float,
    lam: float,
    rc: float,
    per_atom: bool = True,
    prefix: str = "g4",
) -> FeatureSpec:
    """Behler-Parrinello angular symmetry function G4 (dimensionless).

    G4(i) = 2^(1-zeta) sum_{j<k} (1 + lam cos theta_jik)^zeta exp(-eta (r_ij^2 + r_ik^2 +
    r_jk^2)) fc(r_ij) fc(r_ik) fc(r_jk), over unordered neighbour pairs (half of Behler's
    sum over j != k); ``lam`` is +1 or -1, eta in nm^-2, rc in nm. No PLUMED export.
    """
    params = {"eta": eta, "zeta": zeta, "lambda": lam, "rc": rc}
    return _environment("symmetry_g4", centers, neighbours, prefix, per_atom, params)
