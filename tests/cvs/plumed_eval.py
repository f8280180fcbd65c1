"""An independent reader and evaluator of the PLUMED input trajlens writes.

It parses plumed.dat as PLUMED 2.10 does (``label: ACTION KEY=value FLAG``), checks each
action's keywords against the manual, and evaluates the actions with mdtraj (not with
trajlens's kernels or estimators), so tests can compare PLUMED's view of a CV with
trajlens's projection.
"""

from __future__ import annotations

import re

import mdtraj as md
import numpy as np
from scipy import special

# Keywords from the PLUMED 2.10 manual pages of each action (registerKeywords).
MANUAL_KEYWORDS = {
    "TORSION": {
        "ATOMS",
        "VECTORA",
        "VECTORB",
        "AXIS",
        "VECTOR1",
        "VECTOR2",
        "NOPBC",
        "COSINE",
        "NUMERICAL_DERIVATIVES",
    },
    "DISTANCE": {"ATOMS", "COMPONENTS", "SCALED_COMPONENTS", "NOPBC", "NUMERICAL_DERIVATIVES"},
    "CUSTOM": {"ARG", "VAR", "FUNC", "PERIODIC", "NUMERICAL_DERIVATIVES"},
    "COMBINE": {
        "ARG",
        "COEFFICIENTS",
        "PARAMETERS",
        "POWERS",
        "PERIODIC",
        "NORMALIZE",
        "NUMERICAL_DERIVATIVES",
    },
    "PRINT": {"ARG", "STRIDE", "FILE", "FMT", "RESTART", "UPDATE_FROM", "UPDATE_UNTIL"},
    "ANGLE": {"ATOMS", "NOPBC", "NUMERICAL_DERIVATIVES"},
    "COORDINATION": {
        "GROUPA",
        "GROUPB",
        "SWITCH",
        "R_0",
        "D_0",
        "NN",
        "MM",
        "NLIST",
        "NL_CUTOFF",
        "NL_STRIDE",
        "PAIR",
        "NOPBC",
        "NUMERICAL_DERIVATIVES",
    },
    "GYRATION": {"ATOMS", "TYPE", "MASS_WEIGHTED", "NOPBC", "NUMERICAL_DERIVATIVES"},
    "DISTANCES": {"ATOMS", "GROUP", "GROUPA", "GROUPB", "LOWEST", "HIGHEST", "NOPBC"},
    # symfunc shortcuts (CoordinationNumbers::shortcutKeywords + MultiColvarShortcuts)
    **{
        action: {"SPECIES", "SPECIESA", "SPECIESB", "SWITCH", "R_0", "D_0", "NN", "MM", "MEAN",
                 "SUM", "LOWMEM", "VMEAN", "VSUM", "NOPBC"}
        for action in ("COORDINATIONNUMBER", "Q1", "Q3", "Q4", "Q6")
    },
    "RMSD": {"REFERENCE", "TYPE", "SQUARED", "NOPBC", "NUMERICAL_DERIVATIVES", "DISPLACEMENT",
             "NUMBER"},
    "FIT_TO_TEMPLATE": {"STRIDE", "REFERENCE", "TYPE", "NOPBC"},
    "POSITION": {"ATOM", "NOPBC", "SCALED_COMPONENTS", "NUMERICAL_DERIVATIVES"},
}  # fmt: skip
FLAGS = {
    "NOPBC",
    "COMPONENTS",
    "SCALED_COMPONENTS",
    "NORMALIZE",
    "COSINE",
    "NUMERICAL_DERIVATIVES",
    "NLIST",
    "PAIR",
    "MASS_WEIGHTED",
    "LOWEST",
    "HIGHEST",
    "MEAN",
    "SUM",
    "SQUARED",
}
REQUIRED = {
    "ANGLE": {"ATOMS"},
    "COORDINATION": {"GROUPA"},
    "GYRATION": {"ATOMS"},
    "DISTANCES": set(),
    "TORSION": set(),
    "DISTANCE": {"ATOMS"},
    "CUSTOM": {"ARG", "FUNC", "PERIODIC"},
    "COMBINE": {"ARG", "PERIODIC"},
    "PRINT": {"ARG"},
    "COORDINATIONNUMBER": {"SWITCH"},
    "Q4": {"SWITCH"},
    "Q6": {"SWITCH"},
    "RMSD": {"REFERENCE"},
    "FIT_TO_TEMPLATE": {"REFERENCE"},
    "POSITION": {"ATOM"},
}
LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse(text: str) -> list[tuple[str | None, str, dict[str, str]]]:
    """``[(label, ACTION, {KEY: value or True})]`` in order; comments and blanks dropped."""
    actions = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        label = None
        words = re.findall(r"\S+=\{[^}]*\}|\S+", line)  # SWITCH={...} is one word
        if words[0].endswith(":"):
            label = words.pop(0)[:-1]
            assert LABEL.match(label), f"line {lineno}: bad label {label!r}"
        action, *rest = words
        assert action in MANUAL_KEYWORDS, f"line {lineno}: action {action} not expected"
        keys: dict[str, str | bool] = {}
        for word in rest:
            if "=" in word:
                key, value = word.split("=", 1)
                assert value, f"line {lineno}: empty value for {key}"
            else:
                key, value = word, True
                assert key in FLAGS, f"line {lineno}: {key} is not a flag of {action}"
            assert key in MANUAL_KEYWORDS[action], f"line {lineno}: {action} has no keyword {key}"
            assert key not in keys, f"line {lineno}: {key} given twice"
            keys[key] = value
        missing = REQUIRED[action] - set(keys)
        assert not missing, f"line {lineno}: {action} lacks {missing}"
        if label is None:
            assert action in ("PRINT", "FIT_TO_TEMPLATE"), f"line {lineno}: {action} unlabelled"
        actions.append((label, action, keys))
    labels = [a[0] for a in actions if a[0]]
    assert len(labels) == len(set(labels)), "duplicate labels"
    return actions


_FUNCS = {"sin": np.sin, "cos": np.cos, "exp": np.exp, "sqrt": np.sqrt, "log": np.log}


def _custom(func: str, variables: dict[str, np.ndarray]) -> np.ndarray:
    tokens = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", func)
    for token in tokens:
        assert token in _FUNCS or token in variables, f"unknown symbol {token} in FUNC={func}"
    return eval(func, {"__builtins__": {}}, {**_FUNCS, **variables})


def evaluate(
    text: str, traj: md.Trajectory, files: dict[str, str] | None = None
) -> dict[str, np.ndarray]:
    """Value of every labelled action on every frame of ``traj`` (atoms 1-based in ``text``).

    ``files`` holds the reference PDBs that RMSD and FIT_TO_TEMPLATE name (file name: text).
    """
    values: dict[str, np.ndarray] = {}
    traj = md.Trajectory(traj.xyz.copy(), traj.topology, traj.time, traj.unitcell_lengths,
                         traj.unitcell_angles)  # fmt: skip
    periodic_box = traj.unitcell_vectors is not None
    for label, action, keys in parse(text):
        if action == "TORSION":
            atoms = [int(a) - 1 for a in keys["ATOMS"].split(",")]
            assert len(atoms) == 4
            values[label] = md.compute_dihedrals(traj, [atoms], periodic=periodic_box)[:, 0]
        elif action == "DISTANCE":
            atoms = [int(a) - 1 for a in keys["ATOMS"].split(",")]
            assert len(atoms) == 2
            values[label] = md.compute_distances(traj, [atoms], periodic=periodic_box)[:, 0]
        elif action == "CUSTOM":
            args = keys["ARG"].split(",")
            names = keys["VAR"].split(",") if "VAR" in keys else ["x", "y", "z", "t", "u", "v", "w"]
            env = {n: values[a].astype(np.float64) for n, a in zip(names, args, strict=False)}
            values[label] = _custom(keys["FUNC"], env)
        elif action == "COMBINE":
            args = keys["ARG"].split(",")
            n = len(args)
            coeff = np.array(
                [float(c) for c in keys.get("COEFFICIENTS", ",".join(["1"] * n)).split(",")]
            )
            params = np.array(
                [float(p) for p in keys.get("PARAMETERS", ",".join(["0"] * n)).split(",")]
            )
            powers = np.array(
                [float(p) for p in keys.get("POWERS", ",".join(["1"] * n)).split(",")]
            )
            assert coeff.size == params.size == powers.size == n
            assert keys["PERIODIC"] == "NO"
            if keys.get("NORMALIZE"):
                coeff = coeff / coeff.sum()
            X = np.column_stack([values[a].astype(np.float64) for a in args])
            values[label] = np.sum(coeff * (X - params) ** powers, axis=1)
        elif action == "ANGLE":
            atoms = [int(a) - 1 for a in keys["ATOMS"].split(",")]
            assert len(atoms) == 3
            values[label] = md.compute_angles(traj, [atoms], periodic=periodic_box)[:, 0]
        elif action == "COORDINATION":
            a = _atoms(keys["GROUPA"])
            if "GROUPB" in keys:
                b = _atoms(keys["GROUPB"])
                assert not set(a) & set(b), "overlapping groups count shared pairs twice"
                pairs = [(i, j) for i in a for j in b]
            else:
                pairs = [(i, j) for k, i in enumerate(a) for j in a[k + 1 :]]
            r = md.compute_distances(traj, pairs, periodic=periodic_box).astype(np.float64)
            values[label] = _switch(keys["SWITCH"], r).sum(axis=1)
        elif action == "GYRATION":
            assert keys.get("TYPE", "RADIUS") == "RADIUS" and "MASS_WEIGHTED" not in keys
            assert not periodic_box, "evaluator: GYRATION only without a box"
            values[label] = md.compute_rg(traj.atom_slice(_atoms(keys["ATOMS"])))
        elif action == "DISTANCES":
            a, b = _atoms(keys["GROUPA"]), _atoms(keys["GROUPB"])
            pairs = [(i, j) for i in a for j in b]
            r = md.compute_distances(traj, pairs, periodic=periodic_box)
            assert keys.get("LOWEST"), "evaluator: DISTANCES only with LOWEST"
            # the 2.10 shortcut defines <label>_lowest: LOWEST ARG=<label>
            values[f"{label}_lowest"] = r.min(axis=1)
        elif action in ("COORDINATIONNUMBER", "Q4", "Q6"):
            a, b = _atoms(keys["SPECIESA"]), _atoms(keys["SPECIESB"])
            per_atom = []
            for i in a:
                others = [j for j in b if j != i]  # CONTACT_MATRIX: no self bonds
                pairs = np.array([(i, j) for j in others])
                w = _switch(
                    keys["SWITCH"], md.compute_distances(traj, pairs, periodic=periodic_box)
                )
                if action == "COORDINATIONNUMBER":
                    per_atom.append(w.sum(axis=1))
                    continue
                d = md.compute_displacements(traj, pairs, periodic=periodic_box).astype(float)
                ell = int(action[1])
                r = np.linalg.norm(d, axis=-1)
                theta, phi = np.arccos(d[..., 2] / r), np.arctan2(d[..., 1], d[..., 0])
                q = np.stack(
                    [np.sum(w * special.sph_harm_y(ell, m, theta, phi), axis=1)
                     for m in range(-ell, ell + 1)], axis=1,
                )  # fmt: skip
                per_atom.append(np.sqrt(np.sum(np.abs(q) ** 2, axis=1)) / w.sum(axis=1))
            assert keys.get("MEAN"), "evaluator: symfunc shortcuts only with MEAN"
            values[f"{label}_mean"] = np.mean(per_atom, axis=0)
        elif action in ("RMSD", "FIT_TO_TEMPLATE"):
            assert keys["TYPE"] == "OPTIMAL" and "NOPBC" not in keys
            assert not periodic_box, "evaluator: RMSD and FIT_TO_TEMPLATE only without a box"
            atoms, ref = _reference_pdb(files[keys["REFERENCE"]])
            reference = md.Trajectory(traj.xyz[:1].copy(), traj.topology)
            reference.xyz[0, atoms] = ref
            if action == "RMSD":
                values[label] = md.rmsd(traj, reference, 0, atom_indices=atoms, precentered=False)
            else:
                traj.superpose(reference, 0, atom_indices=atoms)  # moves every atom
        elif action == "POSITION":
            assert keys.get("NOPBC"), "evaluator: POSITION only with NOPBC"
            (atom,) = _atoms(keys["ATOM"])
            for c, axis in enumerate("xyz"):
                values[f"{label}.{axis}"] = traj.xyz[:, atom, c].astype(np.float64)
    return values


def _reference_pdb(text: str) -> tuple[list[int], np.ndarray]:
    """Atoms (0-based, from the serial column) and positions (nm) of a PLUMED reference PDB;
    occupancy and beta (alignment and displacement weights) must be 1."""
    atoms, xyz = [], []
    for line in text.splitlines():
        if line.startswith(("ATOM", "HETATM")):
            atoms.append(int(line[6:11]) - 1)
            xyz.append([float(line[30 + 8 * c : 38 + 8 * c]) / 10 for c in range(3)])
            assert float(line[54:60]) == 1.0 and float(line[60:66]) == 1.0
    return atoms, np.array(xyz)


def _atoms(text: str) -> list[int]:
    """PLUMED atom list with ranges (``1-4,7``) as 0-based indices."""
    out = []
    for part in text.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            out.extend(range(int(lo) - 1, int(hi)))
        else:
            out.append(int(part) - 1)
    return out


def _switch(text: str, r: np.ndarray) -> np.ndarray:
    """A SWITCH={...} of the PLUMED manual: RATIONAL, EXP or GAUSSIAN, 1 for r <= D_0."""
    words = text.strip("{}").split()
    kind, opts = words[0], dict(w.split("=", 1) if "=" in w else (w, True) for w in words[1:])
    r0, d0 = float(opts["R_0"]), float(opts.get("D_0", 0))
    x = (r - d0) / r0
    if kind == "CUSTOM":
        # D_MAX without NOSTRETCH would rescale the function: the evaluator insists on it
        assert opts.get("NOSTRETCH") and "D_MAX" in opts
        s = _custom(opts["FUNC"].replace("^", "**"), {"x": x})
        return np.where(r <= float(opts["D_MAX"]), np.where(x <= 0, 1.0, s), 0.0)
    assert "D_MAX" not in opts
    if kind == "RATIONAL":
        nn, mm = int(opts.get("NN", 6)), int(opts.get("MM", 12))
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.where(np.isclose(x, 1.0, atol=1e-9), nn / mm, (1 - x**nn) / (1 - x**mm))
    elif kind == "EXP":
        s = np.exp(-x)
    else:
        assert kind == "GAUSSIAN", kind
        s = np.exp(-(x**2) / 2)
    return np.where(x <= 0, 1.0, s)
