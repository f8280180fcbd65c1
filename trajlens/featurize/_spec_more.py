"""Kinds over structures and atomic environments: parameters, checks and PLUMED input.

Structure kinds compare frames with a reference structure stored in the feature's params
(``reference``: flat tuple of x, y, z in nm, one triple per fitted atom):

- ``rmsd``: RMSD (nm) after optimal superposition (mdtraj's ``rmsd``; PLUMED ``RMSD
  TYPE=OPTIMAL``); atoms are both fitted and measured, uniformly weighted.
- ``aligned_position``: one Cartesian coordinate (nm) of ``atoms[0]`` after the optimal
  superposition of ``atoms[1:]`` onto the reference (mdtraj's ``superpose`` then ``xyz``;
  PLUMED ``FIT_TO_TEMPLATE TYPE=OPTIMAL`` then ``POSITION NOPBC``); ``axis`` is x, y or z.

Environment kinds are means over the centres ``atoms[:n_a]`` (one centre: a per-atom
value) of a sum over the neighbours ``atoms[n_a:]`` (the centre itself skipped, so the two
groups may overlap, as PLUMED's SPECIESA/SPECIESB):

- ``coordination_number``: sum_j s(r_ij) with PLUMED's switching function (PLUMED
  ``COORDINATIONNUMBER``).
- ``steinhardt``: PLUMED's Q_l (``Q4``, ``Q6``): |sum_j s(r_ij) Y_lm(r_ij)| / sum_j s(r_ij),
  the norm over m of the switching-weighted mean of the orthonormal spherical harmonics
  (PLUMED does not apply the sqrt(4 pi / (2l + 1)) factor of Steinhardt's paper).
- ``symmetry_g2``: Behler-Parrinello radial G2 = sum_j exp(-eta (r_ij - rs)^2) fc(r_ij),
  fc(r) = (cos(pi r / rc) + 1) / 2 for r < rc, else 0.
- ``symmetry_g4``: angular G4 = 2^(1 - zeta) sum_{j<k} (1 + lambda cos theta_jik)^zeta
  exp(-eta (r_ij^2 + r_ik^2 + r_jk^2)) fc(r_ij) fc(r_ik) fc(r_jk), over unordered neighbour
  pairs {j, k} (half of Behler's double sum over j != k).
"""

from __future__ import annotations

import hashlib
import math

from trajlens.exceptions import InputError
from trajlens.featurize.spec import Kind, _num, switch_text

ENVIRONMENT = ("coordination_number", "steinhardt", "symmetry_g2", "symmetry_g4")
STEINHARDT_L = (1, 3, 4, 6)  # PLUMED 2.10 has Q1, Q3, Q4, Q6
AXES = ("x", "y", "z")
_SWITCH_DEFAULTS = {"switch": "rational", "r0": 0.6, "d0": 0.0, "nn": 6, "mm": 12}


def ranges(atoms) -> str:
    """0-based atoms as PLUMED's 1-based list with ranges (``1-4,7,9-12``)."""
    ids = [int(a) + 1 for a in atoms]
    parts, k = [], 0
    while k < len(ids):
        stop = k
        while stop + 1 < len(ids) and ids[stop + 1] == ids[stop] + 1:
            stop += 1
        if stop - k >= 2:
            parts.append(f"{ids[k]}-{ids[stop]}")
        else:
            parts.extend(str(i) for i in ids[k : stop + 1])
        k = stop + 1
    return ",".join(parts)


def reference_pdb(atoms, reference) -> str:
    """A PLUMED reference PDB: serial = 1-based atom, coordinates in Å (the PDB's 0.001 Å
    resolution), occupancy = alignment weight 1, beta = displacement weight 1."""
    lines = []
    for k, atom in enumerate(atoms):
        x, y, z = (10.0 * float(reference[3 * k + c]) for c in range(3))
        lines.append(
            f"ATOM  {int(atom) + 1:5d}  X   RES X   1    {x:8.3f}{y:8.3f}{z:8.3f}  1.00  1.00"
        )
    return "\n".join([*lines, "END", ""])


def _rmsd_lines(name, atoms, params):
    return [f"{name}: RMSD REFERENCE={name}_ref.pdb TYPE=OPTIMAL"]


def _rmsd_files(name, atoms, params):
    return {f"{name}_ref.pdb": reference_pdb(atoms, dict(params)["reference"])}


def _fit_file(atoms, params) -> str:
    digest = hashlib.sha1(repr((atoms[1:], dict(params)["reference"])).encode()).hexdigest()
    return f"fit_{digest[:10]}.pdb"


def _aligned_lines(name, atoms, params):
    # FIT_TO_TEMPLATE moves every atom (x -> R (x - c) + c_ref) for the actions after it;
    # refitting an already fitted frame to the same template is the identity, so one
    # FIT_TO_TEMPLATE per column is exact whatever features come before or after it
    axis = dict(params)["axis"]
    return [
        f"FIT_TO_TEMPLATE REFERENCE={_fit_file(atoms, params)} TYPE=OPTIMAL",
        f"{name}_p: POSITION ATOM={atoms[0] + 1} NOPBC",
        f"{name}: COMBINE ARG={name}_p.{axis} PERIODIC=NO",
    ]


def _aligned_files(name, atoms, params):
    return {_fit_file(atoms, params): reference_pdb(atoms[1:], dict(params)["reference"])}


def _species(atoms, params) -> str:
    n_a = int(dict(params)["n_a"])
    return f"SPECIESA={ranges(atoms[:n_a])} SPECIESB={ranges(atoms[n_a:])}"


def _mean_of(name, action_line):
    return [action_line, f"{name}: COMBINE ARG={name}_v_mean PERIODIC=NO"]


def _cn_lines(name, atoms, params):
    return _mean_of(
        name,
        f"{name}_v: COORDINATIONNUMBER {_species(atoms, params)} SWITCH={switch_text(params)} MEAN",
    )


def _q_lines(name, atoms, params):
    p = dict(params)
    return _mean_of(
        name,
        f"{name}_v: Q{int(p['l'])} {_species(atoms, params)} SWITCH={switch_text(params)} MEAN",
    )


def _g2_lines(name, atoms, params):
    # a CUSTOM switching function of x = r (R_0=1, D_0=0) that is zero beyond D_MAX = rc;
    # NOSTRETCH keeps PLUMED from rescaling it to 1 at r = 0, so the sum is exactly G2
    p = dict(params)
    func = f"exp(-{_num(p['eta'])}*(x-{_num(p['rs'])})^2)*0.5*(cos({math.pi / p['rc']!r}*x)+1)"
    switch = f"{{CUSTOM FUNC={func} R_0=1 D_MAX={_num(p['rc'])} NOSTRETCH}}"
    return _mean_of(
        name, f"{name}_v: COORDINATIONNUMBER {_species(atoms, params)} SWITCH={switch} MEAN"
    )


def _g4_lines(name, atoms, params):
    raise InputError(
        f"feature {name!r}: PLUMED 2.10 has no documented action for the angular symmetry "
        "function G4 (GSYMFUNC_THREEBODY is undocumented), so trajlens cannot export it; "
        "leave symmetry_g4 features out of the CVs you export"
    )


KINDS = {
    "rmsd": Kind("rmsd", None, "nm", False, "RMSD", _rmsd_lines, 3, plumed_files=_rmsd_files),
    "aligned_position": Kind(
        "aligned_position",
        None,
        "nm",
        False,
        "FIT_TO_TEMPLATE",
        _aligned_lines,
        4,
        plumed_files=_aligned_files,
    ),
    "coordination_number": Kind(
        "coordination_number", None, "1", False, "COORDINATIONNUMBER", _cn_lines, 2, True, True
    ),
    "steinhardt": Kind("steinhardt", None, "1", False, "Q6", _q_lines, 2, True, True),
    "symmetry_g2": Kind(
        "symmetry_g2", None, "1", False, "COORDINATIONNUMBER", _g2_lines, 2, True, True
    ),
    "symmetry_g4": Kind("symmetry_g4", None, "1", False, "", _g4_lines, 2, True, True),
}


def _fail(feature, message):
    raise InputError(f"feature {feature.name!r}: {message}")


def _numbers(feature, items, keys, cast=float):
    try:
        for key in keys:
            items[key] = cast(items[key])
    except KeyError as exc:
        _fail(feature, f"a {feature.kind} needs params {list(keys)}; missing {exc}")
    except (TypeError, ValueError):
        _fail(feature, f"params {list(keys)} must be numbers")


def _reference(feature, items, n_atoms):
    ref = items.get("reference")
    if ref is None:
        _fail(feature, f"a {feature.kind} needs params reference (x, y, z in nm per atom)")
    try:
        ref = tuple(float(v) for v in ref)
    except (TypeError, ValueError):
        _fail(feature, "reference must be a flat list of numbers (nm)")
    if len(ref) != 3 * n_atoms or not all(math.isfinite(v) for v in ref):
        _fail(feature, f"reference must hold 3 x {n_atoms} finite coordinates, got {len(ref)}")
    items["reference"] = ref


def _unique(feature, atoms):
    if len(set(atoms)) != len(atoms):
        _fail(feature, f"an atom is repeated in {tuple(atoms)}")


def _check_rmsd(feature, items):
    _unique(feature, feature.atoms)
    _reference(feature, items, len(feature.atoms))
    extra = set(items) - {"reference"}
    if extra:
        _fail(feature, f"unknown params {sorted(extra)} for rmsd")
    return tuple(sorted(items.items()))


def _check_aligned(feature, items):
    fit = feature.atoms[1:]
    _unique(feature, fit)
    _reference(feature, items, len(fit))
    if items.get("axis") not in AXES:
        _fail(feature, f"axis must be one of {AXES}, got {items.get('axis')!r}")
    extra = set(items) - {"reference", "axis"}
    if extra:
        _fail(feature, f"unknown params {sorted(extra)} for aligned_position")
    return tuple(sorted(items.items()))


def _check_environment(feature, items):
    kind = feature.kind
    try:
        n_a = int(items["n_a"])
    except (KeyError, TypeError, ValueError):
        _fail(feature, f"a {kind} needs params n_a (number of centre atoms)")
    if not 0 < n_a < len(feature.atoms):
        _fail(feature, f"n_a={n_a} must leave centres and neighbours non-empty")
    items["n_a"] = n_a
    _unique(feature, feature.atoms[:n_a])
    _unique(feature, feature.atoms[n_a:])
    if kind in ("coordination_number", "steinhardt"):
        items = {**_SWITCH_DEFAULTS, **items}
        items["switch"] = str(items["switch"]).lower()
        if items["switch"] not in ("rational", "exp", "gaussian"):
            _fail(feature, f"unknown switch {items['switch']!r}")
        _numbers(feature, items, ("r0", "d0"))
        _numbers(feature, items, ("nn", "mm"), int)
        if not items["r0"] > 0 or items["d0"] < 0:
            _fail(feature, "expected r0 > 0 and d0 >= 0 (nm)")
        if items["nn"] <= 0 or items["mm"] <= items["nn"]:
            _fail(feature, "expected 0 < nn < mm")
        allowed = {"n_a", "switch", "r0", "d0", "nn", "mm"}
        if kind == "steinhardt":
            _numbers(feature, items, ("l",), int)
            if items["l"] not in STEINHARDT_L:
                _fail(feature, f"l must be one of {STEINHARDT_L} (PLUMED's Q1..Q6)")
            allowed.add("l")
    elif kind == "symmetry_g2":
        items = {"rs": 0.0, **items}
        _numbers(feature, items, ("eta", "rs", "rc"))
        if items["eta"] < 0 or not items["rc"] > 0:
            _fail(feature, "expected eta >= 0 (nm^-2) and rc > 0 (nm)")
        allowed = {"n_a", "eta", "rs", "rc"}
    else:
        _numbers(feature, items, ("eta", "zeta", "lambda", "rc"))
        if items["eta"] < 0 or not items["rc"] > 0 or items["zeta"] < 1:
            _fail(feature, "expected eta >= 0 (nm^-2), zeta >= 1 and rc > 0 (nm)")
        if items["lambda"] not in (-1.0, 1.0):
            _fail(feature, "lambda must be 1 or -1")
        allowed = {"n_a", "eta", "zeta", "lambda", "rc"}
    extra = set(items) - allowed
    if extra:
        _fail(feature, f"unknown params {sorted(extra)} for {kind}")
    return tuple(sorted(items.items()))


CHECKS = {
    "rmsd": _check_rmsd,
    "aligned_position": _check_aligned,
    **{kind: _check_environment for kind in ENVIRONMENT},
}
