"""Feature specs: every column knows its kind, its atoms and how PLUMED computes it.

A :class:`Feature` is one column of a feature matrix. Its *quantity* (kind + atoms + name)
is what a PLUMED action computes; its *transform* (``none``, ``sin``, ``cos``) is applied on
top. Atom indices are 0-based into the full system inside trajlens and written 1-based for
PLUMED.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trajlens.exceptions import InputError


def _num(value) -> str:
    """A number as PLUMED input: 12 significant digits."""
    text = format(float(value), ".12g")
    return "0" if text == "-0" else text


def _ids(atoms) -> str:
    return ",".join(str(int(a) + 1) for a in atoms)


def _groups(atoms, params) -> tuple[tuple[int, ...], tuple[int, ...]]:
    n_a = int(dict(params)["n_a"])
    return tuple(atoms[:n_a]), tuple(atoms[n_a:])


def _plumed_simple(action: str):
    def lines(name, atoms, params):
        return [f"{name}: {action} ATOMS={_ids(atoms)}"]

    return lines


def _plumed_inverse_distance(name, atoms, params):
    return [
        f"{name}_r: DISTANCE ATOMS={_ids(atoms)}",
        f"{name}: CUSTOM ARG={name}_r FUNC=1/x PERIODIC=NO",
    ]


def switch_text(params) -> str:
    """PLUMED's SWITCH={...} for coordination ``params``."""
    p = dict(params)
    kind = p["switch"].upper()
    text = f"{kind} R_0={_num(p['r0'])} D_0={_num(p['d0'])}"
    if kind == "RATIONAL":
        text += f" NN={int(p['nn'])} MM={int(p['mm'])}"
    return "{" + text + "}"


def _plumed_coordination(name, atoms, params):
    a, b = _groups(atoms, params)
    groups = f"GROUPA={_ids(a)}" if a == b else f"GROUPA={_ids(a)} GROUPB={_ids(b)}"
    return [f"{name}: COORDINATION {groups} SWITCH={switch_text(params)}"]


def _plumed_rg(name, atoms, params):
    # unweighted (PLUMED weights by mass only with MASS_WEIGHTED); PLUMED rebuilds the group
    # whole through the periodic boundaries atom by atom, as trajlens does
    return [f"{name}: GYRATION ATOMS={_ids(atoms)} TYPE=RADIUS"]


def _plumed_min_distance(name, atoms, params):
    # PLUMED 2.10's DISTANCES shortcut turns LOWEST into "<label>_lowest: LOWEST ARG=<label>"
    # (the exact minimum of the vector of distances)
    a, b = _groups(atoms, params)
    return [
        f"{name}_all: DISTANCES GROUPA={_ids(a)} GROUPB={_ids(b)} LOWEST",
        f"{name}: COMBINE ARG={name}_all_lowest PERIODIC=NO",
    ]


@dataclass(frozen=True)
class Kind:
    """What a feature kind is: its arity, unit, periodicity and PLUMED action(s).

    ``n_atoms`` is None for kinds over a variable number of atoms (at least ``min_atoms``);
    ``plumed`` maps ``(name, atoms, params)`` to the PLUMED 2.10 lines computing the quantity
    under the label ``name`` (atoms 0-based in, 1-based out).
    """

    name: str
    n_atoms: int | None
    unit: str
    periodic: bool
    plumed_action: str
    plumed: Callable[[str, tuple[int, ...], tuple], list[str]] | None = None
    min_atoms: int = 1
    groups: bool = False
    #: groups A and B may overlap (self pairs are skipped), as in PLUMED's SPECIESA/SPECIESB
    overlap: bool = False
    #: ``(name, atoms, params) -> {file name: text}``: files the PLUMED lines refer to
    plumed_files: Callable[[str, tuple[int, ...], tuple], dict[str, str]] | None = None


KINDS: dict[str, Kind] = {
    "dihedral": Kind("dihedral", 4, "rad", True, "TORSION", _plumed_simple("TORSION")),
    "distance": Kind("distance", 2, "nm", False, "DISTANCE", _plumed_simple("DISTANCE")),
    "angle": Kind("angle", 3, "rad", False, "ANGLE", _plumed_simple("ANGLE")),
    "inverse_distance": Kind(
        "inverse_distance", 2, "1/nm", False, "DISTANCE", _plumed_inverse_distance
    ),
    "coordination": Kind(
        "coordination", None, "1", False, "COORDINATION", _plumed_coordination, 2, True
    ),
    "rg": Kind("rg", None, "nm", False, "GYRATION", _plumed_rg, 1),
    "residue_min_distance": Kind(
        "residue_min_distance", None, "nm", False, "DISTANCES", _plumed_min_distance, 2, True
    ),
}

SWITCHES = ("rational", "exp", "gaussian")
_SWITCH_DEFAULTS = {"switch": "rational", "r0": 0.6, "d0": 0.0, "nn": 6, "mm": 12}


TRANSFORMS = ("none", "sin", "cos")

_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Feature:
    """One column of a feature matrix.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`: ``"dihedral"``, ``"distance"``, ``"angle"``,
        ``"inverse_distance"``, ``"coordination"``, ``"rg"``, ``"residue_min_distance"``.
    atoms : tuple of int
        0-based atom indices into the full system (the file's atom order). For the two-group
        kinds (``coordination``, ``residue_min_distance``) group A then group B, with
        ``params["n_a"]`` the size of group A.
    name : str
        Label of the underlying quantity; also its PLUMED label (letters, digits, ``_``).
    transform : {"none", "sin", "cos"}
        Applied to the quantity (for periodic angles, sin/cos remove the periodicity).
    params : tuple of (str, value) pairs, optional
        Kind parameters, sorted by key (a dict is accepted): ``n_a`` for two-group kinds;
        ``switch`` (rational, exp, gaussian), ``r0``, ``d0`` (nm), ``nn``, ``mm`` for
        ``coordination`` (defaults rational, 0.6, 0, 6, 12).
    """

    kind: str
    atoms: tuple[int, ...]
    name: str
    transform: str = "none"
    params: tuple = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(
                f"feature {self.name!r}: unknown kind {self.kind!r}; expected one of {sorted(KINDS)}"
            )
        atoms = tuple(int(a) for a in self.atoms)
        object.__setattr__(self, "atoms", atoms)
        kind = KINDS[self.kind]
        if kind.n_atoms is not None and len(atoms) != kind.n_atoms:
            raise InputError(
                f"feature {self.name!r}: a {self.kind} needs {kind.n_atoms} atoms, got {len(atoms)}"
            )
        if kind.n_atoms is None and len(atoms) < kind.min_atoms:
            raise InputError(
                f"feature {self.name!r}: a {self.kind} needs at least {kind.min_atoms} atoms, "
                f"got {len(atoms)}"
            )
        if min(atoms) < 0:
            raise InputError(f"feature {self.name!r}: atom indices must be >= 0, got {atoms}")
        object.__setattr__(self, "params", self._check_params(self.params))
        if self.transform not in TRANSFORMS:
            raise InputError(
                f"feature {self.name!r}: unknown transform {self.transform!r}; expected {TRANSFORMS}"
            )
        if not _LABEL.match(self.name):
            raise InputError(
                f"feature name {self.name!r}: expected letters, digits and '_' (a PLUMED label)"
            )

    def _check_params(self, params) -> tuple:
        try:
            items = dict(params.items() if isinstance(params, dict) else params)
        except (TypeError, ValueError):
            raise InputError(
                f"feature {self.name!r}: params must be (key, value) pairs, got {params!r}"
            ) from None
        if self.kind in _spec_more.CHECKS:
            return _spec_more.CHECKS[self.kind](self, items)
        if self.kind == "coordination":
            items = {**_SWITCH_DEFAULTS, **items}
            items["switch"] = str(items["switch"]).lower()
            if items["switch"] not in SWITCHES:
                raise InputError(
                    f"feature {self.name!r}: unknown switch {items['switch']!r}; "
                    f"expected one of {SWITCHES}"
                )
            try:
                for key in ("r0", "d0"):
                    items[key] = float(items[key])
                for key in ("nn", "mm"):
                    items[key] = int(items[key])
            except (TypeError, ValueError):
                raise InputError(f"feature {self.name!r}: r0, d0, nn, mm must be numbers") from None
            if not items["r0"] > 0 or items["d0"] < 0:
                raise InputError(f"feature {self.name!r}: expected r0 > 0 and d0 >= 0 (nm)")
            if items["nn"] <= 0 or items["mm"] <= items["nn"]:
                raise InputError(f"feature {self.name!r}: expected 0 < nn < mm")
        if KINDS[self.kind].groups:
            try:
                n_a = int(items["n_a"])
            except (KeyError, TypeError, ValueError):
                raise InputError(
                    f"feature {self.name!r}: a {self.kind} needs params n_a (size of group A)"
                ) from None
            if not 0 < n_a < len(self.atoms):
                raise InputError(
                    f"feature {self.name!r}: n_a={n_a} must leave both groups non-empty"
                )
            items["n_a"] = n_a
            a, b = set(self.atoms[:n_a]), set(self.atoms[n_a:])
            if len(a) != n_a or len(b) != len(self.atoms) - n_a:
                raise InputError(f"feature {self.name!r}: an atom is repeated within a group")
            if a & b and a != b:
                # PLUMED would count the pairs inside the overlap twice
                raise InputError(
                    f"feature {self.name!r}: groups A and B overlap partially; give disjoint "
                    "or identical groups"
                )
        elif items:
            raise InputError(f"feature {self.name!r}: a {self.kind} takes no params")
        if len(self.atoms) != len(set(self.atoms)) and not KINDS[self.kind].groups:
            raise InputError(f"feature {self.name!r}: an atom is repeated in {self.atoms}")
        return tuple(sorted(items.items()))

    @property
    def plumed_lines(self) -> list[str]:
        """PLUMED 2.10 lines computing the quantity (not the transform) under ``name``."""
        return KINDS[self.kind].plumed(self.name, self.atoms, self.params)

    @property
    def label(self) -> str:
        """Column label: the quantity's name, prefixed by the transform if any."""
        return self.name if self.transform == "none" else f"{self.transform}_{self.name}"

    @property
    def quantity(self) -> tuple[str, tuple[int, ...], str, tuple]:
        """``(kind, atoms, name, params)``: what one PLUMED action computes."""
        return (self.kind, self.atoms, self.name, self.params)

    @property
    def periodic(self) -> tuple[float, float] | None:
        """Period domain of the column values, or None if not periodic."""
        if KINDS[self.kind].periodic and self.transform == "none":
            return (-math.pi, math.pi)
        return None

    @property
    def unit(self) -> str:
        return "1" if self.transform != "none" else KINDS[self.kind].unit

    @property
    def plumed_atoms(self) -> str:
        """Atoms as PLUMED numbers them (1-based), comma separated."""
        return ",".join(str(a + 1) for a in self.atoms)


@dataclass(frozen=True)
class FeatureSpec:
    """An ordered list of features: the columns of a feature matrix."""

    features: tuple[Feature, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        features = tuple(self.features)
        object.__setattr__(self, "features", features)
        labels = [f.label for f in features]
        counts = Counter(labels)  # linear: specs of all pair distances have ~1e5 columns
        dupes = sorted(lab for lab, n in counts.items() if n > 1)
        if dupes:
            raise InputError(f"feature spec: duplicate column labels {dupes}")
        names: dict[str, tuple] = {}
        for f in features:
            if names.setdefault(f.name, f.quantity) != f.quantity:
                raise InputError(
                    f"feature spec: name {f.name!r} is used for two different quantities"
                )

    def __len__(self) -> int:
        return len(self.features)

    def __iter__(self) -> Iterator[Feature]:
        return iter(self.features)

    def __getitem__(self, index: int) -> Feature:
        return self.features[index]

    def __add__(self, other: FeatureSpec) -> FeatureSpec:
        return FeatureSpec(self.features + tuple(other.features))

    @property
    def labels(self) -> list[str]:
        return [f.label for f in self.features]

    def quantities(self) -> list[tuple[str, tuple[int, ...], str, tuple]]:
        """Unique ``(kind, atoms, name, params)`` in order of first use."""
        seen: dict[tuple, None] = {}
        for f in self.features:
            seen.setdefault(f.quantity, None)
        return list(seen)

    @property
    def max_atom(self) -> int:
        return max((max(f.atoms) for f in self.features), default=-1)

    def to_dict(self) -> dict:
        refs: dict[tuple, str] = {}
        out = {
            "format": "trajlens-feature-spec",
            "version": 1,
            "features": [_feature_dict(f, refs) for f in self.features],
        }
        if refs:
            # reference structures (RMSD, aligned positions) are written once, named "@refK"
            out["references"] = {key: list(value) for value, key in refs.items()}
        return out

    @classmethod
    def from_dict(cls, data: dict) -> FeatureSpec:
        if not isinstance(data, dict) or data.get("format") != "trajlens-feature-spec":
            raise InputError("feature spec: expected a 'trajlens-feature-spec' document")
        try:
            refs = {k: tuple(v) for k, v in data.get("references", {}).items()}
            features = []
            for item in data["features"]:
                item = dict(item)
                params = dict(item.get("params", {}))
                for key, value in params.items():
                    if isinstance(value, str) and value.startswith("@"):
                        params[key] = refs[value[1:]]
                if params:
                    item["params"] = params
                features.append(Feature(**item))
            return cls(tuple(features))
        except (KeyError, TypeError) as exc:
            raise InputError(f"feature spec: malformed entry ({exc})") from None

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path, topology=None) -> FeatureSpec:
        """Read a spec file: JSON (as :meth:`save` writes) or the text language.

        Parameters
        ----------
        path : str or Path
        topology : mdtraj.Topology, optional
            Needed for a text spec (see :func:`trajlens.featurize.text.parse_spec`).
        """
        path = Path(path)
        if not path.is_file():
            raise InputError(f"feature spec file {path} does not exist")
        content = path.read_text()
        if not content.lstrip().startswith("{"):
            if topology is None:
                raise InputError(
                    f"{path}: a text feature spec needs a topology to resolve its selections"
                )
            from trajlens.featurize.text import parse_spec

            try:
                return parse_spec(content, topology)
            except InputError as exc:
                raise InputError(f"{path}: {exc}") from None
        try:
            data = json.loads(content)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        return cls.from_dict(data)


def _feature_dict(f: Feature, refs: dict[tuple, str]) -> dict:
    item = {"kind": f.kind, "atoms": list(f.atoms), "name": f.name, "transform": f.transform}
    if f.params:
        params = dict(f.params)
        for key, value in params.items():
            if isinstance(value, tuple):
                params[key] = "@" + refs.setdefault(value, f"ref{len(refs)}")
        item["params"] = params
    return item


def _check_atoms(features: Sequence[Feature], n_atoms: int) -> None:
    for f in features:
        if max(f.atoms) >= n_atoms:
            raise InputError(
                f"feature {f.label!r}: atom index {max(f.atoms)} is out of range for a system of "
                f"{n_atoms} atoms"
            )


# kinds for structures (RMSD, aligned positions) and atomic environments (coordination
# numbers, Steinhardt, symmetry functions): registered last, they use the helpers above
from trajlens.featurize import _spec_more  # noqa: E402

KINDS.update(_spec_more.KINDS)
