"""Collective variables as PLUMED 2.10 input: linear, path, property map and neural network.

Each builder returns a :class:`PlumedCV`: the PLUMED lines computing the CV from the feature
actions, the auxiliary files those lines read (reference PDBs, landmark files), the PLUMED
names of its outputs, and trajlens's own projector (a function of the feature matrix, or of
the coordinates for a path CV) that the export compares with an independent evaluation of the
written input (:mod:`trajlens.cvs.evaluate`). Numbers are written with ``repr`` (17
significant digits, the float64 round trip), so PLUMED reads exactly the fitted values.

Syntax (from PLUMED 2.10's sources and regtests; see docs/plumed-2.10-notes.md):

- linear: ``COMBINE ARG= COEFFICIENTS= PARAMETERS= PERIODIC=NO`` computes sum_i c_i (x_i - p_i);
  in vector form ``DISTANCE ATOMS1= ATOMS2= ...`` is one vector, and a component is
  ``CONSTANT VALUES=`` (coefficients, means), ``CUSTOM ARG=v,w,m FUNC=y*(x-z)``, ``SUM``;
- path: ``PATHMSD REFERENCE=path.pdb LAMBDA=`` (src/colvar/PathMSD.cpp): mean squared
  displacement d_i after optimal alignment to each frame, ``.sss`` = sum_i i e^(-l d_i) /
  sum_i e^(-l d_i) (i = 1..N) and ``.zzz`` = -ln(sum_i e^(-l d_i)) / l;
- property map: ``GPROPERTYMAP TYPE=EUCLIDEAN ARG= REFERENCE= PROPERTY= LAMBDA=``
  (src/mapping/Path.cpp): D_i is the squared Euclidean distance between the arguments and
  landmark i (``REMARK ARG=a,b a=.. b=.. P1=.. P2=..`` frames ended by ``END``), and
  ``lab_P`` = sum_i P_i e^(-l D_i) / sum_i e^(-l D_i);
- network: ``ANN ARG= NUM_LAYERS= NUM_NODES= ACTIVATIONS= WEIGHTSk= BIASESk=``
  (src/annfunc/ANN.cpp): weights row-major (n_out x n_in), ``Tanh``/``Linear`` activations,
  outputs ``lab.node-k``; ANN parses no PERIODIC keyword, so none is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from trajlens.cvs.plumed import feature_actions
from trajlens.exceptions import InputError
from trajlens.featurize.spec import FeatureSpec


def exact(value: float) -> str:
    """A float as ``repr`` writes it: the shortest text that reads back to the same float64."""
    value = float(value)
    if not np.isfinite(value):
        raise InputError(f"cannot write the non-finite number {value} into PLUMED input")
    text = repr(value)
    return "0" if text in ("0.0", "-0.0") else text.removesuffix(".0")


def _join(values) -> str:
    return ",".join(exact(v) for v in np.asarray(values, dtype=np.float64).reshape(-1))


@dataclass
class PlumedCV:
    """A CV ready for export.

    Attributes
    ----------
    kind : str
        ``linear``, ``path``, ``property_map`` or ``ann``.
    label : str
        PLUMED label of the CV's main action.
    outputs : list of str
        PLUMED names of the values the CV produces (what PRINT and a bias take as ARG).
    lines : list of str
        PLUMED lines computing the CV (after the feature actions).
    files : dict of str -> str
        Auxiliary files the lines read, name -> content.
    projector : callable
        ``projector(X, xyz, box=None) -> (n_frames, n_outputs)``: trajlens's values from
        the features ``X`` (n_frames, n_features) and coordinates ``xyz`` (n_frames, n_atoms,
        3), nm.
    uses_features : bool
        Whether the lines read the scalar feature actions of the spec.
    feature_lines : list of str
        Extra feature actions this CV writes itself (vector form).
    modules : list of str
        PLUMED modules needed beyond the default build (``mapping``, ``annfunc``).
    fit_error : float or None
        RMS difference between this CV and the projection it approximates (property map,
        network), in the projection's units; None for exact forms.
    description : str
    spec : FeatureSpec or None
        The features the projector reads (its ``X`` columns); None for a path CV.
    """

    kind: str
    label: str
    outputs: list[str]
    lines: list[str]
    projector: Callable[[np.ndarray, np.ndarray | None], np.ndarray]
    files: dict[str, str] = field(default_factory=dict)
    uses_features: bool = True
    feature_lines: list[str] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    fit_error: float | None = None
    description: str = ""
    spec: FeatureSpec | None = None


def _refuse_periodic(spec: FeatureSpec, what: str) -> None:
    periodic = [f.label for f in spec if f.periodic is not None]
    if periodic:
        raise InputError(
            f"cannot export {what} of periodic angles {periodic} exactly; use their sin/cos "
            "(the default)"
        )


# ----------------------------------------------------------------------------- linear

_VECTOR_KINDS = {"distance": "DISTANCE", "dihedral": "TORSION", "angle": "ANGLE"}
_VECTOR_LABEL = {"distance": "tl_dist", "dihedral": "tl_torsion", "angle": "tl_angle"}
_FUNC = {"sin": "sin(x)", "cos": "cos(x)"}


def vector_feature_actions(spec: FeatureSpec, min_size: int = 2):
    """PLUMED 2.10 vector actions for the distances, torsions and angles of ``spec``.

    All quantities of one kind become one action with numbered ``ATOMSk`` (a vector of
    values); a transform is one CUSTOM on the whole vector. Kinds with fewer than
    ``min_size`` quantities, and kinds without a vector form, stay scalar.

    Returns
    -------
    lines : list of str
    vectors : list of (label, size, {feature index: element position})
        One entry per (kind, transform) vector.
    scalar : list of int
        Indices of the features computed by scalar actions (see :func:`feature_actions`).
    """
    by_kind: dict[str, list[tuple]] = {}
    for q in spec.quantities():
        by_kind.setdefault(q[0], []).append(q)
    lines: list[str] = []
    vectors = []
    vector_kinds = set()
    for kind, quantities in by_kind.items():
        if kind not in _VECTOR_KINDS or len(quantities) < min_size:
            continue
        vector_kinds.add(kind)
        base = _VECTOR_LABEL[kind]
        atoms = " ".join(
            f"ATOMS{k + 1}={','.join(str(a + 1) for a in q[1])}" for k, q in enumerate(quantities)
        )
        lines.append(f"{base}: {_VECTOR_KINDS[kind]} {atoms}")
        position = {q[2]: k for k, q in enumerate(quantities)}
        for transform in ("none", "sin", "cos"):
            members = {
                j: position[f.name]
                for j, f in enumerate(spec)
                if f.kind == kind and f.transform == transform
            }
            if not members:
                continue
            label = base if transform == "none" else f"{transform}_{base}"
            if transform != "none":
                lines.append(f"{label}: CUSTOM ARG={base} FUNC={_FUNC[transform]} PERIODIC=NO")
            vectors.append((label, len(quantities), members))
    scalar = [j for j, f in enumerate(spec) if f.kind not in vector_kinds]
    return lines, vectors, scalar


def linear_cv(
    spec: FeatureSpec,
    components,
    mean,
    *,
    names: Sequence[str] | None = None,
    method: str = "linear",
    vector: bool | None = None,
) -> PlumedCV:
    """Linear CVs ``cv_k = sum_i c_ki (f_i - m_i)`` of the features.

    Parameters
    ----------
    spec : FeatureSpec
        Features, in the column order of ``components``.
    components : ndarray, shape (n_cvs, n_features)
    mean : ndarray, shape (n_features,)
    names : sequence of str, optional
        PLUMED labels of the CVs (default ``<method>1``, ...).
    method : str
        Named in the description (PCA, TICA, LDA, HLDA).
    vector : bool or None
        PLUMED 2.10 vector actions (one DISTANCE/TORSION/ANGLE for all features of a kind,
        CONSTANT coefficient vectors, CUSTOM and SUM) instead of one scalar action per
        feature; None: when there are more than 50 features.
    """
    C = np.atleast_2d(np.asarray(components, dtype=np.float64))
    m = np.asarray(mean, dtype=np.float64).reshape(-1)
    if C.shape[1] != len(spec) or m.size != len(spec):
        raise InputError(
            f"linear CV: {C.shape[1]} coefficients and {m.size} means for {len(spec)} features"
        )
    _refuse_periodic(spec, "a linear combination")
    names = (
        list(names)
        if names is not None
        else [f"{method.lower()}{k + 1}" for k in range(C.shape[0])]
    )
    if len(names) != C.shape[0]:
        raise InputError(f"linear CV: {len(names)} names for {C.shape[0]} components")
    use_vector = len(spec) > 50 if vector is None else bool(vector)
    labels = spec.labels
    lines: list[str] = []
    feature_lines: list[str] = []
    uses_features = True
    if not use_vector:
        for name, row in zip(names, C, strict=True):
            lines.append(
                f"{name}: COMBINE ARG={','.join(labels)} COEFFICIENTS={_join(row)} "
                f"PARAMETERS={_join(m)} PERIODIC=NO"
            )
    else:
        feature_lines, vectors, scalar = vector_feature_actions(spec)
        sub = FeatureSpec(tuple(spec[j] for j in scalar))
        if len(sub):
            feature_lines += feature_actions(sub)[0]
        uses_features = False
        for name, row in zip(names, C, strict=True):
            parts = []
            for label, size, members in vectors:
                w, mu = np.zeros(size), np.zeros(size)
                for j, pos in members.items():
                    w[pos], mu[pos] = row[j], m[j]
                stem = f"{name}_{label}"
                lines += [
                    f"{stem}_w: CONSTANT VALUES={_join(w)}",
                    f"{stem}_m: CONSTANT VALUES={_join(mu)}",
                    f"{stem}_t: CUSTOM ARG={label},{stem}_w,{stem}_m FUNC=y*(x-z) PERIODIC=NO",
                    f"{stem}: SUM ARG={stem}_t PERIODIC=NO",
                ]
                parts.append(stem)
            if scalar:
                lines.append(
                    f"{name}_scalar: COMBINE ARG={','.join(labels[j] for j in scalar)} "
                    f"COEFFICIENTS={_join(row[scalar])} PARAMETERS={_join(m[scalar])} "
                    "PERIODIC=NO"
                )
                parts.append(f"{name}_scalar")
            lines.append(f"{name}: COMBINE ARG={','.join(parts)} PERIODIC=NO")

    def projector(X, xyz=None, box=None):
        return (np.asarray(X, dtype=np.float64) - m) @ C.T

    return PlumedCV(
        kind="linear",
        spec=spec,
        label=names[0],
        outputs=names,
        lines=lines,
        projector=projector,
        uses_features=uses_features,
        feature_lines=feature_lines,
        description=f"{method}: sum_i c_i (f_i - m_i) over {len(spec)} features"
        + (" (vector actions)" if use_vector else ""),
    )


# ----------------------------------------------------------------------------- path


def kabsch_msd(xyz: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Mean squared displacement after optimal superposition (uniform weights), nm^2.

    Parameters
    ----------
    xyz : ndarray, shape (n_frames, n_atoms, 3)
    ref : ndarray, shape (n_atoms, 3)

    Returns
    -------
    ndarray, shape (n_frames,)
        ``min over rotations R of (1/N) sum_a |(x_a - <x>) R - (r_a - <r>)|^2`` (Kabsch).
    """
    X = np.asarray(xyz, dtype=np.float64)
    X = X - X.mean(axis=1, keepdims=True)
    R = np.asarray(ref, dtype=np.float64)
    R = R - R.mean(axis=0)
    H = np.einsum("fai,aj->fij", X, R)
    U, S, Vt = np.linalg.svd(H)
    d = np.sign(np.linalg.det(U @ Vt))
    S[:, -1] *= d
    n = X.shape[1]
    return np.maximum(((X**2).sum((1, 2)) + (R**2).sum() - 2 * S.sum(1)) / n, 0.0)


def make_whole(xyz: np.ndarray, box: np.ndarray | None) -> np.ndarray:
    """Atoms rebuilt whole in list order, each the minimum image of the one before.

    As PLUMED does for PATHMSD and RMSD (WHOLEMOLECULES over the atoms of the action).

    Parameters
    ----------
    xyz : ndarray, shape (n_frames, n_atoms, 3)
    box : ndarray, shape (n_frames, 3, 3) or None
        Box vectors as rows (nm); None or a zero box leaves ``xyz`` unchanged.
    """
    xyz = np.asarray(xyz, dtype=np.float64)
    if box is None or not np.any(box):
        return xyz
    box = np.asarray(box, dtype=np.float64).reshape(-1, 3, 3)
    inv = np.linalg.inv(box)
    out = xyz.copy()
    for a in range(1, xyz.shape[1]):
        d = xyz[:, a] - out[:, a - 1]
        f = np.einsum("fi,fij->fj", d, inv)
        f -= np.round(f)
        out[:, a] = out[:, a - 1] + np.einsum("fi,fij->fj", f, box)
    return out


def pdb_frame(xyz_nm: np.ndarray, atoms: Sequence[int], topology, remark: str = "") -> str:
    """One PDB frame for PLUMED: serial = 1-based atom number, Å with 3 decimals, END.

    Occupancy and beta are 1 (uniform alignment and displacement weights).
    """
    out = [f"REMARK {remark}"] if remark else []
    for a, (x, y, z) in zip(atoms, np.asarray(xyz_nm, dtype=np.float64) * 10.0, strict=True):
        atom = topology.atom(int(a))
        name = atom.name[:4]
        name = f" {name:<3s}" if len(name) < 4 else name
        res = atom.residue
        out.append(
            f"ATOM  {int(a) + 1:5d} {name:4s} {res.name[:3]:>3s} {'A'}{(res.resSeq % 10000):4d}    "
            f"{x:8.3f}{y:8.3f}{z:8.3f}{1.0:6.2f}{1.0:6.2f}"
        )
    out.append("END")
    return "\n".join(out) + "\n"


def order_path(msd: np.ndarray) -> np.ndarray:
    """An order of frames for a path: from one end of the farthest pair, nearest next."""
    n = msd.shape[0]
    if n <= 2:
        return np.arange(n)
    i, _ = np.unravel_index(np.argmax(msd), msd.shape)
    order = [int(i)]
    left = set(range(n)) - {int(i)}
    while left:
        nxt = min(left, key=lambda j: msd[order[-1], j])
        order.append(nxt)
        left.remove(nxt)
    return np.array(order)


def path_cv(
    frames_xyz: np.ndarray,
    atoms: Sequence[int],
    topology,
    *,
    label: str = "path",
    lam: float | None = None,
    reorder: bool = True,
    file_name: str = "path.pdb",
    boxes: np.ndarray | None = None,
) -> PlumedCV:
    """PATHMSD through reference frames (for example basin representatives).

    Parameters
    ----------
    frames_xyz : ndarray, shape (n_frames, n_atoms_system, 3)
        Reference structures (nm), whole molecules; at least 2.
    atoms : sequence of int
        0-based atoms the MSD is measured on (for example the heavy atoms).
    topology : mdtraj.Topology
        Names written into the PDB.
    lam : float, optional
        LAMBDA (nm^-2); default 2.3 / <d(i, i+1)>, d the MSD between consecutive frames, as
        PLUMED's manual recommends (a frame's weight drops by 10x one spacing away).
    reorder : bool
        Order the frames as a chain (from one end of the most distant pair, nearest next).
    boxes : ndarray, shape (n_frames, 3, 3), optional
        Box vectors (rows, nm) of the frames: the atoms are then made whole first.
    """
    atoms = np.asarray(atoms, dtype=np.int64)
    ref = make_whole(np.asarray(frames_xyz, dtype=np.float64)[:, atoms], boxes)
    if ref.shape[0] < 2:
        raise InputError(f"path CV: needs at least 2 reference frames, got {ref.shape[0]}")
    if atoms.size < 3:
        raise InputError("path CV: needs at least 3 atoms")
    # the reference as PLUMED will read it: Å with 3 decimals
    ref = np.round(ref * 10.0, 3) / 10.0
    msd = np.array([kabsch_msd(ref, r) for r in ref])
    if reorder:
        ref = ref[order_path(msd)]
        msd = np.array([kabsch_msd(ref, r) for r in ref])
    spacing = np.array([msd[i, i + 1] for i in range(len(ref) - 1)])
    if np.any(spacing <= 1e-8):
        raise InputError("path CV: two consecutive reference frames are identical")
    lam = float(2.3 / spacing.mean()) if lam is None else float(lam)
    text = "".join(pdb_frame(r, atoms, topology) for r in ref)
    index = np.arange(1, len(ref) + 1, dtype=np.float64)

    def projector(X, xyz, box=None):
        sel = make_whole(np.asarray(xyz, dtype=np.float64)[:, atoms], box)
        d = np.stack([kabsch_msd(sel, r) for r in ref], axis=1)
        dmin = d.min(axis=1, keepdims=True)
        e = np.exp(-lam * (d - dmin))
        s = (e * index).sum(1) / e.sum(1)
        z = -np.log(e.sum(1)) / lam + dmin[:, 0]
        return np.stack([s, z], axis=1)

    return PlumedCV(
        kind="path",
        label=label,
        outputs=[f"{label}.sss", f"{label}.zzz"],
        lines=[f"{label}: PATHMSD REFERENCE={file_name} LAMBDA={exact(lam)}"],
        files={file_name: text},
        projector=projector,
        uses_features=False,
        description=(
            f"PATHMSD through {len(ref)} frames on {atoms.size} atoms; LAMBDA={lam:.4g} nm^-2"
            f" (mean MSD between consecutive frames {spacing.mean():.4g} nm^2)"
        ),
    )


def feature_path_cv(
    spec: FeatureSpec,
    nodes: np.ndarray,
    *,
    label: str = "fpath",
    lam: float | None = None,
    reorder: bool = True,
    file_name: str = "fpath.pdb",
) -> PlumedCV:
    """PATH through nodes in feature space (PLUMED 2.10's PATH, TYPE=EUCLIDEAN).

    D_i is the squared Euclidean distance of the features from node i (PATH's
    EUCLIDEAN_DISTANCE SQUARED); ``lab_spath`` = sum_i i e^(-l D_i) / sum_i e^(-l D_i)
    (i = 1..N) and ``lab_zpath`` = -ln(sum_i e^(-l D_i)) / l.

    Parameters
    ----------
    spec : FeatureSpec
        Non-periodic features.
    nodes : ndarray, shape (n_nodes, n_features)
        Path nodes (for example the basin representatives' features); at least 2.
    lam : float, optional
        LAMBDA; default 2.3 / <D(i, i+1)>, D the squared distance between consecutive nodes.
    reorder : bool
        Chain the nodes from one end of the most distant pair, nearest next.
    """
    _refuse_periodic(spec, "a path")
    N = np.asarray(nodes, dtype=np.float64)
    if N.ndim != 2 or N.shape[1] != len(spec) or N.shape[0] < 2:
        raise InputError(f"feature path: expected at least 2 nodes of {len(spec)} features")
    if reorder:
        N = N[order_path(squared_distances(N, N))]
    spacing = np.array([np.sum((N[i + 1] - N[i]) ** 2) for i in range(len(N) - 1)])
    if np.any(spacing <= 1e-12):
        raise InputError("feature path: two consecutive nodes are identical")
    lam = float(2.3 / spacing.mean()) if lam is None else float(lam)
    labels = spec.labels
    frames = []
    for x in N:
        words = [f"ARG={','.join(labels)}"] + [
            f"{n}={exact(v)}" for n, v in zip(labels, x, strict=True)
        ]
        frames.append("REMARK " + " ".join(words) + "\nEND\n")
    index = np.arange(1, len(N) + 1, dtype=np.float64)

    def projector(X, xyz=None, box=None):
        D = squared_distances(X, N)
        dmin = D.min(axis=1, keepdims=True)
        e = np.exp(-lam * (D - dmin))
        return np.stack([(e * index).sum(1) / e.sum(1), -np.log(e.sum(1)) / lam + dmin[:, 0]], 1)

    return PlumedCV(
        kind="feature_path",
        spec=spec,
        label=label,
        outputs=[f"{label}_spath", f"{label}_zpath"],
        lines=[
            f"{label}: PATH TYPE=EUCLIDEAN ARG={','.join(labels)} REFERENCE={file_name} "
            f"LAMBDA={exact(lam)}"
        ],
        files={file_name: "".join(frames)},
        projector=projector,
        description=f"PATH in feature space through {len(N)} nodes; LAMBDA={lam:.4g}",
    )


# ----------------------------------------------------------------------------- property map


def squared_distances(X: np.ndarray, L: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances (n, m) between rows of X (n, f) and L (m, f), float64."""
    X = np.asarray(X, dtype=np.float64)
    L = np.asarray(L, dtype=np.float64)
    return ((X[:, None, :] - L[None, :, :]) ** 2).sum(-1)


def kernel_map(D2: np.ndarray, Y: np.ndarray, lam: float) -> np.ndarray:
    """sum_i Y_i exp(-lam D2_i) / sum_i exp(-lam D2_i), shifted by min D2 for stability."""
    w = np.exp(-lam * (D2 - D2.min(axis=1, keepdims=True)))
    return (w @ Y) / w.sum(axis=1, keepdims=True)


def choose_lambda(L: np.ndarray, Y: np.ndarray) -> float:
    """lambda (1/feature units^2) predicting each landmark best from the others.

    Candidates c / (median squared nearest-landmark distance), c = 1, 2, 4, ..., 256; the one
    with the smallest median leave-one-out error of the landmarks' positions is kept.
    """
    D2 = squared_distances(L, L)
    np.fill_diagonal(D2, np.inf)
    nn = max(float(np.median(D2.min(axis=1))), 1e-12)
    best, best_err = 1.0 / nn, np.inf
    finite = np.where(np.isfinite(D2), D2, 1e300)
    for c in 2.0 ** np.arange(9):
        pred = kernel_map(finite, Y, c / nn)
        err = float(np.median(np.linalg.norm(pred - Y, axis=1)))
        if err < best_err:
            best, best_err = c / nn, err
    return best


def property_map_cv(
    spec: FeatureSpec,
    landmarks: np.ndarray,
    embedding: np.ndarray,
    *,
    lam: float | None = None,
    label: str = "map",
    file_name: str = "landmarks.pdb",
    target: tuple[np.ndarray, np.ndarray] | None = None,
) -> PlumedCV:
    """A kernel-averaged property map over landmarks (PLUMED's GPROPERTYMAP, EUCLIDEAN).

    X(x) = sum_i X_i exp(-lam D_i(x)) / sum_i exp(-lam D_i(x)), D_i the squared distance in
    feature space from landmark i, X_i its map position. Differentiable, so it can be biased.

    Parameters
    ----------
    spec : FeatureSpec
        Non-periodic features (sin/cos of angles).
    landmarks : ndarray, shape (n_landmarks, n_features)
    embedding : ndarray, shape (n_landmarks, n_components)
        Positions of the landmarks in the map (sketch-map, UMAP).
    lam : float, optional
        LAMBDA in 1/(feature units)^2; default by leave-one-out (:func:`choose_lambda`).
    target : (X, Y), optional
        Frames (n, n_features) and their projection (n, n_components) by the map's own
        transform; the RMS difference is stored as ``fit_error``.
    """
    _refuse_periodic(spec, "a property map")
    L = np.asarray(landmarks, dtype=np.float64)
    Y = np.asarray(embedding, dtype=np.float64)
    if L.shape[1] != len(spec) or Y.shape[0] != L.shape[0]:
        raise InputError(
            f"property map: landmarks {L.shape} and embedding {Y.shape} for {len(spec)} features"
        )
    lam = choose_lambda(L, Y) if lam is None else float(lam)
    labels = spec.labels
    props = [f"{label}X{k + 1}" for k in range(Y.shape[1])]
    frames = []
    for x, y in zip(L, Y, strict=True):
        words = [f"ARG={','.join(labels)}"]
        words += [f"{n}={exact(v)}" for n, v in zip(labels, x, strict=True)]
        words += [f"{p}={exact(v)}" for p, v in zip(props, y, strict=True)]
        frames.append("REMARK " + " ".join(words) + "\nEND\n")

    def projector(X, xyz=None, box=None):
        return kernel_map(squared_distances(X, L), Y, lam)

    fit_error = None
    if target is not None:
        Xt, Yt = target
        fit_error = float(np.sqrt(np.mean((projector(Xt) - np.asarray(Yt)) ** 2)))
    return PlumedCV(
        kind="property_map",
        spec=spec,
        label=label,
        outputs=[f"{label}_{p}" for p in props],
        lines=[
            f"{label}: GPROPERTYMAP TYPE=EUCLIDEAN ARG={','.join(labels)} REFERENCE={file_name} "
            f"PROPERTY={','.join(props)} LAMBDA={exact(lam)}"
        ],
        files={file_name: "".join(frames)},
        projector=projector,
        modules=["mapping"],
        fit_error=fit_error,
        description=f"GPROPERTYMAP over {len(L)} landmarks, LAMBDA={lam:.4g}",
    )


# ----------------------------------------------------------------------------- network


def ann_cv(
    spec: FeatureSpec,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    hidden: Sequence[int] = (24, 24),
    label: str = "ann",
    names: Sequence[str] | None = None,
    max_iter: int = 2000,
    alpha: float = 1e-4,
    random_state=0,
) -> PlumedCV:
    """A tanh network (scikit-learn MLPRegressor) fitted to reproduce a projection, for ANN.

    The inputs are standardised and the outputs scaled for training; both scalings are folded
    into the first and last layers, so PLUMED's ANN reads the raw features.

    Parameters
    ----------
    spec : FeatureSpec
        Non-periodic features.
    X : ndarray, shape (n_frames, n_features)
    Y : ndarray, shape (n_frames, n_components)
        The projection to reproduce (sketch-map, UMAP, ...).
    hidden : sequence of int
        Hidden layer sizes (tanh).
    names : sequence of str, optional
        Labels of COMBINE copies of the outputs (default ``<label>1``, ...).

    Returns
    -------
    PlumedCV
        ``fit_error`` is the RMS error on the training frames (projection units).
    """
    from sklearn.neural_network import MLPRegressor

    _refuse_periodic(spec, "a network")
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    if X.shape[1] != len(spec) or X.shape[0] != Y.shape[0]:
        raise InputError(f"ANN: X {X.shape} and Y {Y.shape} for {len(spec)} features")
    xm, xs = X.mean(0), X.std(0)
    xs = np.where(xs > 1e-12, xs, 1.0)
    ym, ys = Y.mean(0), Y.std(0)
    ys = np.where(ys > 1e-12, ys, 1.0)
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    net = MLPRegressor(
        hidden_layer_sizes=tuple(hidden),
        activation="tanh",
        solver="lbfgs",
        alpha=alpha,
        max_iter=max_iter,
        random_state=random_state,
    )
    with warnings.catch_warnings():
        # an unconverged fit is still a valid network; its fitting error is reported
        warnings.simplefilter("ignore", ConvergenceWarning)
        net.fit((X - xm) / xs, (Y - ym) / ys)
    Ws = [np.asarray(w, dtype=np.float64).T.copy() for w in net.coefs_]  # (n_out, n_in)
    bs = [np.asarray(b, dtype=np.float64).copy() for b in net.intercepts_]
    # fold input standardisation: W0 (x - xm)/xs + b0 = (W0/xs) x + (b0 - W0 xm/xs)
    bs[0] = bs[0] - Ws[0] @ (xm / xs)
    Ws[0] = Ws[0] / xs[None, :]
    # fold output scaling: ys (W h + b) + ym
    Ws[-1] = Ws[-1] * ys[:, None]
    bs[-1] = bs[-1] * ys + ym
    acts = ["Tanh"] * len(hidden) + ["Linear"]
    cv = ann_from_layers(spec, Ws, bs, acts, label=label, names=names)
    cv.fit_error = float(np.sqrt(np.mean((cv.projector(X) - Y) ** 2)))
    cv.description += f", RMS fitting error {cv.fit_error:.4g}"
    return cv


def ann_from_layers(
    spec: FeatureSpec,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    activations: Sequence[str],
    *,
    label: str = "ann",
    names: Sequence[str] | None = None,
) -> PlumedCV:
    """PLUMED's ANN action for a feed-forward network given layer by layer.

    Parameters
    ----------
    spec : FeatureSpec
        The network's inputs, in order.
    weights : sequence of ndarray, shape (n_out, n_in) each
        Written row-major as ``WEIGHTSk``, as ANN.cpp reads them.
    biases : sequence of ndarray, shape (n_out,) each
    activations : sequence of {"Tanh", "Linear"}
        One per layer after the input.
    names : sequence of str, optional
        Labels of COMBINE copies of the outputs ``label.node-k`` (default ``<label>1``, ...).
    """
    Ws = [np.atleast_2d(np.asarray(w, dtype=np.float64)) for w in weights]
    bs = [np.asarray(b, dtype=np.float64).reshape(-1) for b in biases]
    acts = list(activations)
    if not (len(Ws) == len(bs) == len(acts)) or any(a not in ("Tanh", "Linear") for a in acts):
        raise InputError("ANN: one weight matrix, bias vector and Tanh/Linear activation per layer")
    sizes = [Ws[0].shape[1]] + [w.shape[0] for w in Ws]
    for k, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        if W.shape[1] != sizes[k] or b.size != W.shape[0]:
            raise InputError(f"ANN: layer {k} weights {W.shape} and biases {b.shape} do not chain")
    if sizes[0] != len(spec):
        raise InputError(f"ANN: {sizes[0]} inputs for {len(spec)} features")

    def projector(Xn, xyz=None, box=None):
        h = np.asarray(Xn, dtype=np.float64)
        for k, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            h = h @ W.T + b
            if acts[k] == "Tanh":
                h = np.tanh(h)
        return h

    names = list(names) if names is not None else [f"{label}{k + 1}" for k in range(sizes[-1])]
    lines = [
        "ANN ...",
        f"LABEL={label}",
        f"ARG={','.join(spec.labels)}",
        f"NUM_LAYERS={len(sizes)}",
        f"NUM_NODES={','.join(str(s) for s in sizes)}",
        f"ACTIVATIONS={','.join(acts)}",
    ]
    for k, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        lines.append(f"WEIGHTS{k}={_join(W.ravel())}")
        lines.append(f"BIASES{k}={_join(b)}")
    lines.append("... ANN")
    for k, name in enumerate(names):
        lines.append(f"{name}: COMBINE ARG={label}.node-{k} PERIODIC=NO")
    return PlumedCV(
        kind="ann",
        spec=spec,
        label=label,
        outputs=names,
        lines=lines,
        projector=projector,
        modules=["annfunc"],
        description=f"ANN {'-'.join(str(s) for s in sizes)} ({', '.join(acts)})",
    )


__all__ = [
    "PlumedCV",
    "ann_cv",
    "ann_from_layers",
    "choose_lambda",
    "exact",
    "feature_path_cv",
    "kabsch_msd",
    "linear_cv",
    "path_cv",
    "property_map_cv",
    "vector_feature_actions",
]
