"""A short text language for feature specs.

Grammar (statements separated by ``;`` or new lines, ``#`` starts a comment, selections
are mdtraj selection strings in single or double quotes)::

    phi psi omega chi1 chi2 chi3 chi4 [raw]   dihedrals of every residue that has them,
                                              as cos/sin pairs (radians with ``raw``)
    distances SEL                             distances (nm) between all pairs in SEL
    inverse_distances SEL                     1/r (nm^-1) between all pairs in SEL
    angles SEL                                angles (rad) of bonded triplets a-b-c in SEL
    contacts SEL_A [SEL_B] [switch=rational|exp|gaussian] [r0=0.6] [d0=0] [nn=6] [mm=12]
             [name=LABEL]                     coordination number between two groups
                                              (within one group if SEL_B is left out)
    rg SEL [name=LABEL]                       unweighted radius of gyration (nm)
    mindist SEL_A SEL_B                       closest heavy-atom distance (nm) between every
                                              residue of SEL_A and every other residue of SEL_B
    rmsd SEL ref=FILE [frame=0] [name=LABEL]  RMSD (nm) to frame of FILE after optimal fit
    aligned SEL ref=FILE [fit=SEL] [frame=0]  x, y, z (nm) of SEL after fitting fit (default
                                              SEL) onto frame of FILE
    coordnum SEL [SEL_B] [switch=.. r0=.. d0=.. nn=.. mm=..] [mean]
                                              coordination number of each atom of SEL over
                                              SEL_B (default SEL); ``mean``: one column, the
                                              mean over SEL
    q4 | q6 SEL [SEL_B] [switch..] [mean]     Steinhardt Q4/Q6 as PLUMED (r0 default 0.35)
    g2 SEL [SEL_B] eta=.. rc=.. [rs=0] [mean] Behler-Parrinello radial symmetry function
    g4 SEL [SEL_B] eta=.. zeta=.. lambda=.. rc=.. [mean]
                                              Behler-Parrinello angular symmetry function

Example: ``phi psi chi1; distances "name CA"; contacts "resid 0 to 3" "resid 5 to 8" r0=0.6;
rg "backbone"``.
"""

from __future__ import annotations

import itertools
import shlex

import mdtraj as md

from trajlens.exceptions import InputError
from trajlens.featurize import builders
from trajlens.featurize.spec import FeatureSpec

DIHEDRALS = ("phi", "psi", "omega", "chi1", "chi2", "chi3", "chi4")
KEYWORDS = (
    *DIHEDRALS,
    *("distances", "inverse_distances", "angles", "contacts", "rg", "mindist"),
    *("rmsd", "aligned", "coordnum", "q4", "q6", "g2", "g4"),
)
_CONTACT_OPTIONS = ("switch", "r0", "d0", "nn", "mm", "name")


def _statements(text: str) -> list[list[str]]:
    out: list[list[str]] = []
    for line in text.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        try:
            tokens = list(lexer)
        except ValueError as exc:
            raise InputError(f"feature spec: cannot read {line.strip()!r} ({exc})") from None
        current: list[str] = []
        for tok in tokens:
            if set(tok) == {";"}:
                if current:
                    out.append(current)
                current = []
            else:
                current.append(tok)
        if current:
            out.append(current)
    return out


def _select(topology: md.Topology, selection: str, keyword: str, at_least: int = 1):
    try:
        atoms = topology.select(selection)
    except Exception as exc:
        raise InputError(
            f"feature spec: {keyword}: invalid selection {selection!r}: {exc}"
        ) from None
    if atoms.size < at_least:
        raise InputError(
            f"feature spec: {keyword}: selection {selection!r} matches {atoms.size} atom(s); "
            f"expected at least {at_least}"
        )
    return atoms.tolist()


def _split_options(tokens: list[str], keyword: str, allowed: tuple[str, ...]):
    args, options = [], {}
    for tok in tokens:
        if "=" in tok:
            key, _, value = tok.partition("=")
            if key not in allowed:
                raise InputError(
                    f"feature spec: {keyword}: unknown option {tok!r}; expected one of "
                    f"{list(allowed)}"
                )
            options[key] = value
        else:
            args.append(tok)
    return args, options


def _arity(args: list[str], keyword: str, low: int, high: int) -> None:
    if not low <= len(args) <= high:
        want = str(low) if low == high else f"{low} to {high}"
        extra = f"; unexpected {args[high]!r}" if len(args) > high else ""
        raise InputError(
            f"feature spec: {keyword} takes {want} selection(s), got {len(args)}{extra}"
        )


def _unique(name: str, used: set[str]) -> str:
    k, candidate = 1, name
    while candidate in used:
        k += 1
        candidate = f"{name}{k}"
    return candidate


def parse_spec(text: str, topology: md.Topology) -> FeatureSpec:
    """Build a :class:`FeatureSpec` from the short text language (see the module docstring).

    Parameters
    ----------
    text : str
        The spec, e.g. ``'phi psi chi1; distances "name CA"; rg "backbone"'``.
    topology : mdtraj.Topology
        The full system; selections and residue names resolve against it.

    Returns
    -------
    FeatureSpec
        Columns in statement order. Raises InputError naming the offending token.
    """
    spec = FeatureSpec()
    for tokens in _statements(text):
        keyword = tokens[0]
        if keyword not in KEYWORDS:
            raise InputError(
                f"feature spec: unknown keyword {keyword!r}; expected one of {list(KEYWORDS)}"
            )
        used = {f.name for f in spec}
        if keyword in DIHEDRALS:
            which, raw = [], False
            for tok in tokens:
                if tok == "raw":
                    raw = True
                elif tok in DIHEDRALS:
                    which.append(tok)
                else:
                    raise InputError(
                        f"feature spec: unexpected {tok!r} among dihedrals; expected "
                        f"{list(DIHEDRALS)} or 'raw'"
                    )
            part = builders.dihedral_angles(topology, which, sincos=not raw)
            if len(part) == 0:
                raise InputError(f"feature spec: the topology has no {' '.join(which)} dihedrals")
        elif keyword in ("distances", "inverse_distances", "angles", "rg"):
            args, options = _split_options(
                tokens[1:], keyword, ("name",) if keyword == "rg" else ()
            )
            _arity(args, keyword, 1, 1)
            if keyword == "rg":
                atoms = _select(topology, args[0], keyword)
                name = options.get("name") or _unique("rg", used)
                part = builders.radius_of_gyration(atoms, name)
            elif keyword == "angles":
                atoms = set(_select(topology, args[0], keyword, 3))
                part = builders.angles(_bonded_triplets(topology, atoms))
                if len(part) == 0:
                    raise InputError(
                        f"feature spec: angles: selection {args[0]!r} has no bonded triplets"
                    )
            else:
                atoms = _select(topology, args[0], keyword, 2)
                pairs = itertools.combinations(atoms, 2)
                part = (
                    builders.atom_pair_distances(pairs)
                    if keyword == "distances"
                    else builders.inverse_distances(pairs)
                )
        elif keyword == "contacts":
            args, options = _split_options(tokens[1:], keyword, _CONTACT_OPTIONS)
            _arity(args, keyword, 1, 2)
            a = _select(topology, args[0], keyword)
            b = _select(topology, args[-1], keyword)
            name = options.pop("name", None) or _unique("coord", used)
            try:
                kwargs = {
                    k: (float(v) if k in ("r0", "d0") else int(v) if k in ("nn", "mm") else v)
                    for k, v in options.items()
                }
            except ValueError:
                raise InputError(f"feature spec: contacts: bad number in {options}") from None
            part = builders.coordination(a, b, name, **kwargs)
        elif keyword in ("rmsd", "aligned", "coordnum", "q4", "q6", "g2", "g4"):
            part = _more(keyword, tokens[1:], topology, used)
        else:  # mindist
            args, _ = _split_options(tokens[1:], keyword, ())
            _arity(args, keyword, 2, 2)
            ra = sorted(
                {topology.atom(i).residue.index for i in _select(topology, args[0], keyword)}
            )
            rb = sorted(
                {topology.atom(i).residue.index for i in _select(topology, args[1], keyword)}
            )
            pairs = sorted({tuple(sorted((i, j))) for i in ra for j in rb if i != j})
            if not pairs:
                raise InputError("feature spec: mindist: the selections give no residue pairs")
            part = builders.residue_min_distances(topology, pairs)
        spec = spec + part
    if len(spec) == 0:
        raise InputError("feature spec: no features given")
    return spec


def _bonded_triplets(topology: md.Topology, atoms: set[int]) -> list[tuple[int, int, int]]:
    neighbours: dict[int, set[int]] = {}
    for bond in topology.bonds:
        i, j = bond[0].index, bond[1].index
        if i in atoms and j in atoms:
            neighbours.setdefault(i, set()).add(j)
            neighbours.setdefault(j, set()).add(i)
    return [
        (a, b, c)
        for b in sorted(neighbours)
        for a, c in itertools.combinations(sorted(neighbours[b]), 2)
    ]


_MORE_OPTIONS = {
    "rmsd": ("ref", "frame", "name"),
    "aligned": ("ref", "frame", "fit"),
    "coordnum": ("switch", "r0", "d0", "nn", "mm"),
    "q4": ("switch", "r0", "d0", "nn", "mm"),
    "q6": ("switch", "r0", "d0", "nn", "mm"),
    "g2": ("eta", "rs", "rc"),
    "g4": ("eta", "zeta", "lambda", "rc"),
}


def _number(keyword: str, key: str, value: str, cast=float):
    try:
        return cast(value)
    except ValueError:
        raise InputError(f"feature spec: {keyword}: {key}={value!r} is not a number") from None


def _reference_file(keyword: str, options: dict, topology: md.Topology):
    from pathlib import Path

    if "ref" not in options:
        raise InputError(f"feature spec: {keyword} needs ref=FILE (a reference structure)")
    path = Path(options["ref"])
    if not path.is_file():
        raise InputError(f"feature spec: {keyword}: reference file {path} does not exist")
    try:
        ref = md.load(str(path))
    except Exception as exc:
        raise InputError(f"feature spec: {keyword}: cannot read {path}: {exc}") from None
    if ref.n_atoms != topology.n_atoms:
        raise InputError(
            f"feature spec: {keyword}: {path} has {ref.n_atoms} atoms, the topology "
            f"{topology.n_atoms}"
        )
    return ref, _number(keyword, "frame", options.get("frame", "0"), int)


def _more(keyword: str, tokens: list[str], topology: md.Topology, used: set[str]) -> FeatureSpec:
    """Structure (rmsd, aligned) and environment (coordnum, q4, q6, g2, g4) statements."""
    mean = "mean" in tokens
    tokens = [t for t in tokens if t != "mean"]
    args, options = _split_options(tokens, keyword, _MORE_OPTIONS[keyword])
    if keyword in ("rmsd", "aligned"):
        _arity(args, keyword, 1, 1)
        ref, frame = _reference_file(keyword, options, topology)
        atoms = _select(topology, args[0], keyword, 3 if keyword == "rmsd" else 1)
        if keyword == "rmsd":
            name = options.get("name") or _unique("rmsd", used)
            return builders.rmsd(ref, atoms, name, frame=frame)
        fit = _select(topology, options["fit"], keyword, 3) if "fit" in options else None
        return builders.aligned_positions(ref, atoms, fit, frame=frame)
    _arity(args, keyword, 1, 2)
    centers = _select(topology, args[0], keyword)
    neighbours = _select(topology, args[-1], keyword)
    kwargs: dict = {}
    for key, value in options.items():
        if key == "switch":
            kwargs[key] = value
        else:
            kwargs[key] = _number(keyword, key, value, int if key in ("nn", "mm") else float)
    if keyword == "coordnum":
        return builders.coordination_numbers(centers, neighbours, per_atom=not mean, **kwargs)
    if keyword in ("q4", "q6"):
        return builders.steinhardt(
            centers, neighbours, int(keyword[1]), per_atom=not mean, **kwargs
        )
    required = ("eta", "rc") if keyword == "g2" else ("eta", "zeta", "lambda", "rc")
    missing = [k for k in required if k not in kwargs]
    if missing:
        raise InputError(f"feature spec: {keyword} needs {', '.join(k + '=' for k in missing)}")
    if keyword == "g2":
        return builders.symmetry_functions_g2(centers, neighbours, per_atom=not mean, **kwargs)
    kwargs["lam"] = kwargs.pop("lambda")
    return builders.symmetry_functions_g4(centers, neighbours, per_atom=not mean, **kwargs)
