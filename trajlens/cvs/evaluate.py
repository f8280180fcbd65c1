"""An evaluator of PLUMED input, independent of the objects that wrote it.

It reads a plumed.dat and the files it references (reference PDBs, landmark files) as PLUMED
2.10 would, and computes the labelled values on an mdtraj trajectory with mdtraj (geometry,
optimal superposition) and NumPy (functions): no trajlens featurizer, estimator or projector is
used. ``trajlens export-plumed`` writes ``expected_colvar.dat`` from it, so the numbers a user
compares with ``plumed driver`` come from the written coefficients, landmarks and weights.

Supported: TORSION, DISTANCE, ANGLE (scalar ``ATOMS=`` and vector ``ATOMSk=`` forms),
COORDINATION, GYRATION, DISTANCES ... LOWEST, CUSTOM, COMBINE, CONSTANT, SUM, PATHMSD,
PATH and GPROPERTYMAP (TYPE=EUCLIDEAN), ANN and PRINT. Values are float64 arrays of shape (n_frames,)
for scalars and (n_frames, n) for vectors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import mdtraj as md
import numpy as np

from trajlens.exceptions import InputError

_WORDS = re.compile(r"\S+=\{[^}]*\}|\S+")

#: Keywords of each action as registered in PLUMED 2.10's sources (registerKeywords; numbered
#: keywords such as ATOMS1, WEIGHTS0 by their stem). An unknown keyword is an input error.
KEYWORDS = {
    "DISTANCE": {"ATOMS", "COMPONENTS", "SCALED_COMPONENTS", "NOPBC", "NUMERICAL_DERIVATIVES"},
    "TORSION": {"ATOMS", "VECTORA", "VECTORB", "AXIS", "VECTOR1", "VECTOR2", "NOPBC", "COSINE"},
    "ANGLE": {"ATOMS", "NOPBC", "NUMERICAL_DERIVATIVES"},
    "COORDINATION": {"GROUPA", "GROUPB", "SWITCH", "R_0", "D_0", "NN", "MM", "NLIST", "NOPBC"},
    "GYRATION": {"ATOMS", "TYPE", "MASS_WEIGHTED", "NOPBC"},
    "DISTANCES": {"ATOMS", "GROUPA", "GROUPB", "LOWEST", "HIGHEST", "NOPBC"},
    "CUSTOM": {"ARG", "VAR", "FUNC", "PERIODIC"},
    "COMBINE": {"ARG", "COEFFICIENTS", "PARAMETERS", "POWERS", "PERIODIC", "NORMALIZE"},
    "CONSTANT": {"VALUE", "VALUES", "FILE", "NROWS", "NCOLS", "SCALARS", "NOLOG"},
    "SUM": {"ARG", "PERIODIC"},
    "PATHMSD": {"REFERENCE", "LAMBDA", "NEIGH_SIZE", "NEIGH_STRIDE", "EPSILON", "NOPBC"},
    "PATH": {"REFERENCE", "TYPE", "ARG", "COEFFICIENTS", "NOPBC", "NOSPATH", "NOZPATH", "GPATH"}
    | {"LAMBDA"},
    "GPROPERTYMAP": {"REFERENCE", "TYPE", "ARG", "COEFFICIENTS", "NOPBC", "PROPERTY", "LAMBDA"},
    "ANN": {"ARG", "NUM_LAYERS", "NUM_NODES", "ACTIVATIONS", "WEIGHTS", "BIASES"},
    "PRINT": {"ARG", "STRIDE", "FILE", "FMT", "RESTART", "UPDATE_FROM", "UPDATE_UNTIL"},
}
_NUMBERED = {"ATOMS", "WEIGHTS", "BIASES", "VECTORA", "VECTORB", "AXIS"}


@dataclass
class Action:
    label: str | None
    name: str
    keys: dict[str, str | bool]
    line: int


@dataclass
class PlumedInput:
    """A parsed plumed.dat: its actions in order, and its folder (for referenced files)."""

    actions: list[Action]
    folder: Path = field(default_factory=Path)

    @property
    def printed(self) -> list[str]:
        """Arguments of the first PRINT."""
        for a in self.actions:
            if a.name == "PRINT":
                return str(a.keys["ARG"]).split(",")
        return []


def parse_plumed(text: str, folder: str | Path = ".") -> PlumedInput:
    """Parse PLUMED input: ``#`` comments, ``label:`` or ``LABEL=``, ``...`` continuation blocks."""
    logical: list[tuple[int, str]] = []
    block: list[str] | None = None
    start = 0
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if block is not None:
            if line.startswith("..."):
                logical.append((start, " ".join(block)))
                block = None
            else:
                block.append(line)
            continue
        if line.endswith("..."):
            block, start = [line[:-3].strip()], lineno
            continue
        logical.append((lineno, line))
    if block is not None:
        raise InputError(f"plumed input: the '...' block opened at line {start} is not closed")
    actions = []
    for lineno, line in logical:
        words = _WORDS.findall(line)
        label = None
        if words[0].endswith(":"):
            label = words.pop(0)[:-1]
        name, *rest = words
        keys: dict[str, str | bool] = {}
        for word in rest:
            key, eq, value = word.partition("=")
            if key in keys:
                raise InputError(f"plumed input line {lineno}: {key} given twice")
            keys[key] = value if eq else True
        if "LABEL" in keys:
            label = str(keys.pop("LABEL"))
        allowed = KEYWORDS.get(name)
        for key in keys if allowed is not None else ():
            stem = key.rstrip("0123456789")
            if key not in allowed and not (stem in _NUMBERED and stem in allowed):
                raise InputError(f"plumed input line {lineno}: {name} has no keyword {key}")
        actions.append(Action(label, name, keys, lineno))
    labels = [a.label for a in actions if a.label]
    dupes = {x for x in labels if labels.count(x) > 1}
    if dupes:
        raise InputError(f"plumed input: duplicate labels {sorted(dupes)}")
    return PlumedInput(actions, Path(folder))


def _floats(text) -> np.ndarray:
    return np.array([float(v) for v in str(text).split(",")], dtype=np.float64)


def _atom_list(text) -> list[int]:
    out = []
    for part in str(text).split(","):
        if "-" in part[1:]:
            lo, hi = part.split("-", 1)
            step = 1
            if ":" in hi:
                hi, st = hi.split(":")
                step = int(st)
            out.extend(range(int(lo), int(hi) + 1, step))
        else:
            out.append(int(part))
    return [a - 1 for a in out]


def _atom_sets(keys) -> tuple[list[list[int]], bool]:
    """(atom lists, is_vector) from ATOMS= or ATOMS1=, ATOMS2=, ..."""
    if "ATOMS" in keys:
        return [_atom_list(keys["ATOMS"])], False
    sets, k = [], 1
    while f"ATOMS{k}" in keys:
        sets.append(_atom_list(keys[f"ATOMS{k}"]))
        k += 1
    if not sets:
        raise InputError("plumed input: no ATOMS")
    return sets, True


_FUNCS = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "tanh": np.tanh,
    "abs": np.abs,
    "pi": np.pi,
}


def _function(func: str, env: dict[str, np.ndarray]) -> np.ndarray:
    expr = func.replace("^", "**")
    for token in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", expr):
        if token not in _FUNCS and token not in env and not re.fullmatch(r"e\d*", token):
            raise InputError(f"plumed input: unknown symbol {token!r} in FUNC={func}")
    return eval(expr, {"__builtins__": {}}, {**_FUNCS, **env})  # symbols checked above


def read_pdb_frames(path: Path) -> list[dict]:
    """Frames of a PLUMED reference PDB: ``{"atoms", "xyz" (nm), "occ", "beta", "remark"}``."""
    frames, cur = [], {"atoms": [], "xyz": [], "occ": [], "beta": [], "remark": {}}
    for line in path.read_text().splitlines():
        record = line[:6].strip()
        if record == "REMARK":
            for word in line[6:].split():
                key, eq, value = word.partition("=")
                if eq:
                    cur["remark"][key] = value
        elif record in ("ATOM", "HETATM"):
            cur["atoms"].append(int(line[6:11]) - 1)
            cur["xyz"].append([float(line[30:38]), float(line[38:46]), float(line[46:54])])
            cur["occ"].append(float(line[54:60]))
            cur["beta"].append(float(line[60:66]))
        elif record in ("END", "ENDMDL"):
            frames.append(cur)
            cur = {"atoms": [], "xyz": [], "occ": [], "beta": [], "remark": {}}
    if cur["atoms"] or cur["remark"]:
        frames.append(cur)
    for f in frames:
        f["xyz"] = np.array(f["xyz"], dtype=np.float64).reshape(-1, 3) / 10.0  # Å -> nm
    return frames


class _Values(dict):
    def get_arg(self, name: str) -> np.ndarray:
        if name not in self:
            raise InputError(f"plumed input: argument {name!r} is not defined before use")
        return self[name]


def evaluate(plumed: PlumedInput | str | Path, traj: md.Trajectory) -> dict[str, np.ndarray]:
    """Every labelled value of the input on every frame of ``traj``.

    Parameters
    ----------
    plumed : PlumedInput, or the path of a plumed.dat (its folder holds referenced files)
    traj : mdtraj.Trajectory
        Frames of the full system (atom numbers in the input are 1-based into it).

    Returns
    -------
    dict of str -> ndarray
        Scalars (n_frames,), vectors (n_frames, n); components as ``label.component`` (ANN,
        PATHMSD) or ``label_property`` (GPROPERTYMAP), as PLUMED names them.
    """
    if not isinstance(plumed, PlumedInput):
        path = Path(plumed)
        plumed = parse_plumed(path.read_text(), path.parent)
    n = traj.n_frames
    pbc = traj.unitcell_vectors is not None
    values = _Values()

    def col(v):  # scalars as (n, 1) for broadcasting with vectors
        v = np.asarray(v, dtype=np.float64)
        return v[:, None] if v.ndim == 1 else v

    def put(label, v):
        v = np.asarray(v, dtype=np.float64)
        if v.ndim == 2 and v.shape[1] == 1 and v.shape[0] == n:
            v = v[:, 0]
        if v.ndim == 2 and v.shape[0] == 1 and n != 1:
            v = np.broadcast_to(v, (n, v.shape[1]))
        values[label] = v

    for act in plumed.actions:
        k, lab = act.keys, act.label
        where = f"plumed input line {act.line} ({act.name})"
        if act.name in ("DISTANCE", "TORSION", "ANGLE"):
            sets, is_vec = _atom_sets(k)
            size = {"DISTANCE": 2, "TORSION": 4, "ANGLE": 3}[act.name]
            if any(len(s) != size for s in sets):
                raise InputError(f"{where}: expected {size} atoms per set")
            if act.name == "DISTANCE":
                out = md.compute_distances(traj, sets, periodic=pbc and "NOPBC" not in k)
            elif act.name == "TORSION":
                out = md.compute_dihedrals(traj, sets, periodic=pbc and "NOPBC" not in k)
            else:
                out = md.compute_angles(traj, sets, periodic=pbc and "NOPBC" not in k)
            put(lab, out if is_vec else out[:, 0])
        elif act.name == "CUSTOM":
            args = str(k["ARG"]).split(",")
            names = str(k["VAR"]).split(",") if "VAR" in k else ["x", "y", "z"][: len(args)]
            if len(names) != len(args):
                raise InputError(f"{where}: {len(args)} arguments need VAR names")
            if "PERIODIC" not in k:
                raise InputError(f"{where}: PERIODIC is compulsory")
            env = {v: col(values.get_arg(a)) for v, a in zip(names, args, strict=True)}
            put(lab, _function(str(k["FUNC"]), env))
        elif act.name == "COMBINE":
            args = str(k["ARG"]).split(",")
            m = len(args)
            c = _floats(k.get("COEFFICIENTS", ",".join(["1"] * m)))
            p = _floats(k.get("PARAMETERS", ",".join(["0"] * m)))
            pw = _floats(k.get("POWERS", ",".join(["1"] * m)))
            if not c.size == p.size == pw.size == m or k.get("PERIODIC") != "NO":
                raise InputError(f"{where}: expected {m} coefficients and PERIODIC=NO")
            if k.get("NORMALIZE"):
                c = c / c.sum()
            X = np.column_stack([values.get_arg(a) for a in args])
            put(lab, np.sum(c * (X - p) ** pw, axis=1))
        elif act.name == "CONSTANT":
            v = _floats(k["VALUES"] if "VALUES" in k else k["VALUE"])
            put(lab, np.broadcast_to(v[None, :], (n, v.size)) if v.size > 1 else np.full(n, v[0]))
        elif act.name == "SUM":
            v = values.get_arg(str(k["ARG"]))
            put(lab, v.sum(axis=1) if v.ndim == 2 else v)
        elif act.name == "PATHMSD":
            _pathmsd(act, plumed.folder, traj, values)
        elif act.name == "PATH":
            _feature_path(act, plumed.folder, values, where)
        elif act.name == "GPROPERTYMAP":
            _gpropertymap(act, plumed.folder, values, where)
        elif act.name == "ANN":
            _ann(act, values, where)
        elif act.name == "COORDINATION":
            a = _atom_list(k["GROUPA"])
            if "GROUPB" in k:
                b = _atom_list(k["GROUPB"])
                pairs = [(i, j) for i in a for j in b]
            else:
                pairs = [(i, j) for q, i in enumerate(a) for j in a[q + 1 :]]
            r = md.compute_distances(traj, pairs, periodic=pbc).astype(np.float64)
            put(lab, _switch(str(k["SWITCH"]), r).sum(axis=1))
        elif act.name == "GYRATION":
            if k.get("TYPE", "RADIUS") != "RADIUS" or "MASS_WEIGHTED" in k or pbc:
                raise InputError(f"{where}: only unweighted RADIUS without a box is evaluated")
            put(lab, md.compute_rg(traj.atom_slice(_atom_list(k["ATOMS"]))))
        elif act.name == "DISTANCES":
            a, b = _atom_list(k["GROUPA"]), _atom_list(k["GROUPB"])
            r = md.compute_distances(traj, [(i, j) for i in a for j in b], periodic=pbc)
            if not k.get("LOWEST"):
                raise InputError(f"{where}: only DISTANCES ... LOWEST is evaluated")
            put(f"{lab}_lowest", r.min(axis=1))
        elif act.name == "PRINT":
            continue
        else:
            raise InputError(f"{where}: the evaluator does not know action {act.name}")
    return dict(values)


def _pathmsd(act: Action, folder: Path, traj: md.Trajectory, values: dict) -> None:
    frames = read_pdb_frames(folder / str(act.keys["REFERENCE"]))
    lam = float(act.keys["LAMBDA"])
    atoms = frames[0]["atoms"]
    for f in frames:
        if f["atoms"] != atoms:
            raise InputError(f"PATHMSD {act.label}: reference frames have different atoms")
        if len(set(f["occ"])) > 1 or len(set(f["beta"])) > 1:
            raise InputError(f"PATHMSD {act.label}: the evaluator needs uniform weights")
    sub = traj.atom_slice(atoms)
    if traj.unitcell_vectors is not None:
        # PLUMED rebuilds the atoms whole in list order: add up minimum-image bond vectors
        steps = md.compute_displacements(sub, [(i, i + 1) for i in range(len(atoms) - 1)])
        whole = np.concatenate([sub.xyz[:, :1], sub.xyz[:, :1] + np.cumsum(steps, axis=1)], 1)
        sub = md.Trajectory(whole.astype(np.float32), sub.topology)
    ref = md.Trajectory(np.stack([f["xyz"] for f in frames]).astype(np.float32), sub.topology)
    # mdtraj's optimal-superposition RMSD (QCP); PATHMSD uses the MSD, its square
    d = np.stack(
        [
            md.rmsd(sub, ref, i, precentered=False).astype(np.float64) ** 2
            for i in range(len(frames))
        ],
        axis=1,
    )
    dmin = d.min(axis=1, keepdims=True)
    e = np.exp(-lam * (d - dmin))
    idx = np.arange(1, len(frames) + 1)
    values[f"{act.label}.sss"] = (e * idx).sum(1) / e.sum(1)
    values[f"{act.label}.zzz"] = -np.log(e.sum(1)) / lam + dmin[:, 0]


def _gpropertymap(act: Action, folder: Path, values: _Values, where: str) -> None:
    k = act.keys
    if k.get("TYPE") != "EUCLIDEAN":
        raise InputError(f"{where}: only TYPE=EUCLIDEAN is evaluated")
    frames = read_pdb_frames(folder / str(k["REFERENCE"]))
    args = str(k["ARG"]).split(",")
    props = str(k["PROPERTY"]).split(",")
    lam = float(k["LAMBDA"])
    X = np.column_stack([values.get_arg(a) for a in args])
    L = np.array([[float(f["remark"][a]) for a in args] for f in frames])
    P = np.array([[float(f["remark"][p]) for p in props] for f in frames])
    D = ((X[:, None, :] - L[None]) ** 2).sum(-1)  # EUCLIDEAN_DISTANCE SQUARED
    w = np.exp(-(D - D.min(axis=1, keepdims=True)) * lam)
    for j, p in enumerate(props):
        values[f"{act.label}_{p}"] = (w * P[:, j]).sum(1) / w.sum(1)


def _feature_path(act: Action, folder: Path, values: _Values, where: str) -> None:
    k = act.keys
    if k.get("TYPE") != "EUCLIDEAN" or "COEFFICIENTS" in k or "GPATH" in k:
        raise InputError(f"{where}: only PATH TYPE=EUCLIDEAN without COEFFICIENTS is evaluated")
    frames = read_pdb_frames(folder / str(k["REFERENCE"]))
    args = str(k["ARG"]).split(",")
    lam = float(k["LAMBDA"])
    X = np.column_stack([values.get_arg(a) for a in args])
    L = np.array([[float(f["remark"][a]) for a in args] for f in frames])
    D = ((X[:, None, :] - L[None]) ** 2).sum(-1)  # EUCLIDEAN_DISTANCE SQUARED
    dmin = D.min(axis=1, keepdims=True)
    w = np.exp(-(D - dmin) * lam)
    values[f"{act.label}_spath"] = (w * np.arange(1, len(frames) + 1)).sum(1) / w.sum(1)
    values[f"{act.label}_zpath"] = dmin[:, 0] - np.log(w.sum(1)) / lam


def _ann(act: Action, values: _Values, where: str) -> None:
    k = act.keys
    if "PERIODIC" in k:
        raise InputError(f"{where}: ANN reads no PERIODIC keyword")
    sizes = [int(s) for s in str(k["NUM_NODES"]).split(",")]
    acts = str(k["ACTIVATIONS"]).split(",")
    if int(k["NUM_LAYERS"]) != len(sizes) or len(acts) != len(sizes) - 1:
        raise InputError(f"{where}: NUM_LAYERS, NUM_NODES and ACTIVATIONS disagree")
    h = np.column_stack([values.get_arg(a) for a in str(k["ARG"]).split(",")])
    if h.shape[1] != sizes[0]:
        raise InputError(f"{where}: {h.shape[1]} arguments for {sizes[0]} input nodes")
    for layer in range(len(sizes) - 1):
        W = _floats(k[f"WEIGHTS{layer}"]).reshape(sizes[layer + 1], sizes[layer])
        b = _floats(k[f"BIASES{layer}"])
        h = h @ W.T + b
        if acts[layer] == "Tanh":
            h = np.tanh(h)
        elif acts[layer] != "Linear":
            raise InputError(f"{where}: activation {acts[layer]} is not evaluated")
    for j in range(sizes[-1]):
        values[f"{act.label}.node-{j}"] = h[:, j]


def _switch(text: str, r: np.ndarray) -> np.ndarray:
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
        s = np.exp(-(x**2) / 2)
    return np.where(x <= 0, 1.0, s)
