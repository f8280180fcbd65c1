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
}
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
            assert action == "PRINT", f"line {lineno}: {action} without a label"
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


def evaluate(text: str, traj: md.Trajectory) -> dict[str, np.ndarray]:
    """Value of every labelled action on every frame of ``traj`` (atoms 1-based in ``text``)."""
    values: dict[str, np.ndarray] = {}
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
    return values


def _atoms(text: str) -> list[int]:
    return [int(a) - 1 for a in text.split(",")]


def _switch(text: str, r: np.ndarray) -> np.ndarray:
    """A SWITCH={...} of the PLUMED manual: RATIONAL, EXP or GAUSSIAN, 1 for r <= D_0."""
    words = text.strip("{}").split()
    kind, opts = words[0], dict(w.split("=") for w in words[1:])
    r0, d0 = float(opts["R_0"]), float(opts.get("D_0", 0))
    x = (r - d0) / r0
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
