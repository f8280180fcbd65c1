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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trajlens.exceptions import InputError


@dataclass(frozen=True)
class Kind:
    """What a feature kind is: its arity, unit, periodicity and PLUMED action."""

    name: str
    n_atoms: int
    unit: str
    periodic: bool
    plumed_action: str


KINDS: dict[str, Kind] = {
    "dihedral": Kind("dihedral", 4, "rad", True, "TORSION"),
    "distance": Kind("distance", 2, "nm", False, "DISTANCE"),
}

TRANSFORMS = ("none", "sin", "cos")

_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Feature:
    """One column of a feature matrix.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS` (``"dihedral"``, ``"distance"``).
    atoms : tuple of int
        0-based atom indices into the full system (the file's atom order).
    name : str
        Label of the underlying quantity; also its PLUMED label (letters, digits, ``_``).
    transform : {"none", "sin", "cos"}
        Applied to the quantity (for periodic angles, sin/cos remove the periodicity).
    """

    kind: str
    atoms: tuple[int, ...]
    name: str
    transform: str = "none"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(
                f"feature {self.name!r}: unknown kind {self.kind!r}; expected one of {sorted(KINDS)}"
            )
        atoms = tuple(int(a) for a in self.atoms)
        object.__setattr__(self, "atoms", atoms)
        if len(atoms) != KINDS[self.kind].n_atoms:
            raise InputError(
                f"feature {self.name!r}: a {self.kind} needs {KINDS[self.kind].n_atoms} atoms, "
                f"got {len(atoms)}"
            )
        if min(atoms) < 0:
            raise InputError(f"feature {self.name!r}: atom indices must be >= 0, got {atoms}")
        if self.transform not in TRANSFORMS:
            raise InputError(
                f"feature {self.name!r}: unknown transform {self.transform!r}; expected {TRANSFORMS}"
            )
        if not _LABEL.match(self.name):
            raise InputError(
                f"feature name {self.name!r}: expected letters, digits and '_' (a PLUMED label)"
            )

    @property
    def label(self) -> str:
        """Column label: the quantity's name, prefixed by the transform if any."""
        return self.name if self.transform == "none" else f"{self.transform}_{self.name}"

    @property
    def quantity(self) -> tuple[str, tuple[int, ...], str]:
        """``(kind, atoms, name)``: what one PLUMED action computes."""
        return (self.kind, self.atoms, self.name)

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
        dupes = sorted({lab for lab in labels if labels.count(lab) > 1})
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

    def quantities(self) -> list[tuple[str, tuple[int, ...], str]]:
        """Unique ``(kind, atoms, name)`` in order of first use."""
        seen: dict[tuple, None] = {}
        for f in self.features:
            seen.setdefault(f.quantity, None)
        return list(seen)

    @property
    def max_atom(self) -> int:
        return max((max(f.atoms) for f in self.features), default=-1)

    def to_dict(self) -> dict:
        return {
            "format": "trajlens-feature-spec",
            "version": 1,
            "features": [
                {"kind": f.kind, "atoms": list(f.atoms), "name": f.name, "transform": f.transform}
                for f in self.features
            ],
        }

    @classmethod
    def from_dict(cls, data: dict) -> FeatureSpec:
        if not isinstance(data, dict) or data.get("format") != "trajlens-feature-spec":
            raise InputError("feature spec: expected a 'trajlens-feature-spec' document")
        try:
            return cls(tuple(Feature(**item) for item in data["features"]))
        except (KeyError, TypeError) as exc:
            raise InputError(f"feature spec: malformed entry ({exc})") from None

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> FeatureSpec:
        path = Path(path)
        if not path.is_file():
            raise InputError(f"feature spec file {path} does not exist")
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        return cls.from_dict(data)


def _check_atoms(features: Sequence[Feature], n_atoms: int) -> None:
    for f in features:
        if max(f.atoms) >= n_atoms:
            raise InputError(
                f"feature {f.label!r}: atom index {max(f.atoms)} is out of range for a system of "
                f"{n_atoms} atoms"
            )
