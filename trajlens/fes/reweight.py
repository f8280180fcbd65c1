"""Frame weights of biased runs (metadynamics, OPES, any static bias) from PLUMED COLVAR data.

A frame sampled under a bias V(s, t) has the unbiased weight w ∝ exp(β (V - c(t))), where
c(t) is the metadynamics offset (PLUMED's ``metad.rct``); ``metad.rbias`` already equals
V - c(t), OPES's ``opes.bias`` needs no offset, and a static bias needs none either.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trajlens.exceptions import InputError
from trajlens.fes.surface import kT
from trajlens.io.colvar import Colvar, read_colvar


def weights_from_bias(
    bias: np.ndarray,
    temperature: float = 300.0,
    *,
    offset: np.ndarray | float | None = None,
    normalize: bool = True,
) -> np.ndarray:
    """w = exp((V_bias - c(t)) / kT), computed stably.

    Parameters
    ----------
    bias : ndarray, shape (n_frames,)
        Bias energy of each frame, kJ/mol.
    temperature : float
        Kelvin of the biased run.
    offset : ndarray, shape (n_frames,), or float, optional
        c(t) in kJ/mol (for example PLUMED's ``metad.rct``); subtracted from the bias.
    normalize : bool, default True
        Scale the weights to sum to 1 (otherwise the largest weight is 1).

    Returns
    -------
    ndarray of float64, shape (n_frames,)
    """
    v = np.asarray(bias, dtype=np.float64).reshape(-1)
    if offset is not None:
        v = v - np.asarray(offset, dtype=np.float64)
    if not np.all(np.isfinite(v)):
        raise InputError("bias: expected finite values (kJ/mol)")
    if temperature <= 0:
        raise InputError(f"--temperature: expected a positive value in kelvin, got {temperature}")
    logw = v / kT(temperature)
    w = np.exp(logw - logw.max())
    return w / w.sum() if normalize else w


def colvar_weights(
    colvar: Colvar | str | Path,
    column: str,
    temperature: float = 300.0,
    *,
    offset_column: str | None = None,
) -> np.ndarray:
    """Frame weights from a bias column of a COLVAR file.

    Parameters
    ----------
    colvar : Colvar or path
    column : str
        The bias column: ``metad.rbias`` (metadynamics bias minus c(t)), ``metad.bias`` with
        ``offset_column="metad.rct"``, ``opes.bias``, or any static bias column, in kJ/mol.
    temperature : float
        Kelvin.
    offset_column : str, optional
        Column holding c(t) to subtract from the bias.
    """
    if not isinstance(colvar, Colvar):
        colvar = read_colvar(colvar)
    for name in (column, offset_column):
        if name is not None and name not in colvar.fields:
            raise InputError(
                f"--weights-from: the COLVAR file has no column {name!r}; it has "
                f"{', '.join(colvar.fields)}"
            )
    offset = None if offset_column is None else colvar[offset_column]
    return weights_from_bias(colvar[column], temperature, offset=offset)
