"""PLUMED COLVAR files: ``#! FIELDS`` header, optional ``#! SET`` lines, whitespace columns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trajlens.exceptions import InputError


@dataclass
class Colvar:
    """Contents of a COLVAR file.

    Attributes
    ----------
    fields : list of str
        Column names from the ``#! FIELDS`` line (``time`` first, as PLUMED writes it).
    data : ndarray of float64, shape (n_rows, n_fields)
    constants : dict
        Values from ``#! SET name value`` lines (for example ``min_phi -pi``), as strings.
    """

    fields: list[str]
    data: np.ndarray
    constants: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.data[:, self.fields.index(name)]
        except ValueError:
            raise KeyError(f"COLVAR has no field {name!r}; it has {self.fields}") from None


def write_colvar(
    path: str | Path,
    columns: Mapping[str, np.ndarray],
    *,
    periodic: Mapping[str, tuple[str, str]] | None = None,
    formats: Mapping[str, str] | None = None,
    default_format: str = "%.8f",
) -> None:
    """Write columns as a PLUMED COLVAR file.

    Parameters
    ----------
    path : path
        File to write.
    columns : mapping of name to 1-D array
        Columns in order; by PLUMED's habit the first is ``time`` (ps).
    periodic : mapping of name to (min, max) strings, optional
        Writes ``#! SET min_<name>`` / ``max_<name>`` lines as PLUMED does for periodic CVs.
    formats : mapping of name to printf format, optional
        Per-column format (default ``default_format``).
    """
    names = list(columns)
    arrays = [np.asarray(columns[n]).reshape(-1) for n in names]
    lengths = {a.shape[0] for a in arrays}
    if len(lengths) > 1:
        raise ValueError(f"COLVAR columns have different lengths: {sorted(lengths)}")
    formats = dict(formats or {})
    fmt = " " + " ".join(formats.get(n, default_format) for n in names)
    with open(path, "w") as handle:
        handle.write("#! FIELDS " + " ".join(names) + "\n")
        for name, (lo, hi) in (periodic or {}).items():
            handle.write(f"#! SET min_{name} {lo}\n#! SET max_{name} {hi}\n")
        table = np.column_stack(arrays) if arrays else np.empty((0, 0))
        for row in table:
            handle.write(fmt % tuple(row) + "\n")


def read_colvar(path: str | Path) -> Colvar:
    """Read a PLUMED COLVAR file, including restarted files with repeated headers.

    A later ``#! FIELDS`` line must name the same fields as the first; rows are kept in
    file order.

    Raises
    ------
    InputError
        The file is missing, has no ``#! FIELDS`` header, or a row has the wrong number of
        values.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"COLVAR file {path} does not exist")
    fields: list[str] | None = None
    constants: dict[str, str] = {}
    rows: list[list[float]] = []
    with open(path) as handle:
        for lineno, line in enumerate(handle, 1):
            text = line.strip()
            if not text:
                continue
            if text.startswith("#!"):
                words = text[2:].split()
                if words and words[0] == "FIELDS":
                    if fields is not None and words[1:] != fields:
                        raise InputError(
                            f"{path}:{lineno}: FIELDS {words[1:]} differ from the first header "
                            f"{fields}"
                        )
                    fields = words[1:]
                elif words and words[0] == "SET" and len(words) >= 3:
                    constants[words[1]] = words[2]
                continue
            if text.startswith("#"):
                continue
            if fields is None:
                raise InputError(f"{path}:{lineno}: data before the '#! FIELDS' header")
            values = text.split()
            if len(values) != len(fields):
                raise InputError(
                    f"{path}:{lineno}: {len(values)} values but {len(fields)} fields in the header"
                )
            try:
                rows.append([float(v) for v in values])
            except ValueError:
                raise InputError(f"{path}:{lineno}: non-numeric value in {text!r}") from None
    if fields is None:
        raise InputError(f"{path}: no '#! FIELDS' header; expected a PLUMED COLVAR file")
    data = np.array(rows, dtype=np.float64).reshape(-1, len(fields))
    return Colvar(fields=fields, data=data, constants=constants)
