"""Feature ranking and discriminant CVs: Müller–Brown basins, alanine dipeptide, sklearn."""

import numpy as np
import pytest
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.utils.estimator_checks import parametrize_with_checks

from tests.potentials import mueller_brown, sample_boltzmann
from trajlens import InputError
from trajlens.cvs import HLDA, LDA, fisher_scores, hlda_scores, rank_features
from trajlens.featurize import atom_pair_distances, dihedral_angles, featurize
from trajlens.fes import estimate, find_basins, kT

KT_MB = 12.0  # the potential's units; all three minima sampled (as tests/fes/test_basins.py)


@pytest.fixture(scope="module")
def mb_basins():
    """Boltzmann samples of Müller–Brown and their FES basin (the three minima)."""
    X = sample_boltzmann(mueller_brown, KT_MB, 60_000, seed=3)
    surface = estimate(X, bins=60, temperature=KT_MB / kT(1.0), smooth=1.0)
    basins = find_basins(surface, X, min_barrier=0.5 * KT_MB, n_blocks=0)
    assert len(basins) == 3
    return X, basins.frame_labels


@pytest.fixture(scope="module")
def mb_two_basins(mb_basins):
    """The two most populated basins (the deep minima A and B); other frames -1."""
    X, labels = mb_basins
    return X, np.where(labels < 2, labels, -1)


def overlap(a: np.ndarray, b: np.ndarray, bins: int = 100) -> float:
    """Overlap coefficient sum_k min(p_a, p_b) of two histograms on common bins (0..1)."""
    edges = np.linspace(min(a.min(), b.min()), max(a.max(), b.max()), bins + 1)
    pa = np.histogram(a, edges)[0] / len(a)
    pb = np.histogram(b, edges)[0] / len(b)
    return float(np.minimum(pa, pb).sum())


@parametrize_with_checks([LDA(n_components=1), HLDA(n_components=1)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("pair", [(0, 1), (0, 2), (1, 2)])
@pytest.mark.parametrize("estimator", [LDA, HLDA])
def test_discriminant_cv_separates_mueller_brown_basins(mb_basins, estimator, pair):
    X, all_labels = mb_basins
    labels = np.where(np.isin(all_labels, pair), all_labels, -1)
    cv = estimator(n_components=1).fit(X, labels).transform(X)[:, 0]
    a, b = cv[labels == pair[0]], cv[labels == pair[1]]
    assert len(a) > 300 and len(b) > 300
    # the criterion: distributions of the CV in the two basins overlap by < 5%
    # (measured: 0, 1e-4 and 0.012 for the adjacent B and C minima)
    assert overlap(a, b) < 0.05
    # a CV along a poor direction would not pass (the test can fail): x + y mixes A and B
    if pair == (0, 1):
        worst = np.array([1.0, 1.0]) / np.sqrt(2)
        assert overlap(X[labels == 0] @ worst, X[labels == 1] @ worst) > 0.3


def test_lda_direction_matches_sklearn(mb_two_basins):
    X, labels = mb_two_basins
    keep = labels >= 0
    ours = LDA(n_components=1, reg=0.0).fit(X, labels).components_[0]
    ref = LinearDiscriminantAnalysis(solver="eigen").fit(X[keep], labels[keep]).scalings_[:, 0]
    ref = ref / np.linalg.norm(ref)
    # same direction up to sign; the class priors weight S_w identically in both
    assert abs(abs(ours @ ref) - 1) < 1e-8


def test_hlda_two_basins_is_harmonic_formula(mb_two_basins):
    X, labels = mb_two_basins
    A, B = X[labels == 0], X[labels == 1]
    # Mendels, Piccini, Parrinello 2018: w ~ (Sigma_A^-1 + Sigma_B^-1)(mu_A - mu_B)
    w = (np.linalg.inv(np.cov(A.T, bias=True)) + np.linalg.inv(np.cov(B.T, bias=True))) @ (
        A.mean(0) - B.mean(0)
    )
    w /= np.linalg.norm(w)
    ours = HLDA(n_components=1, reg=0.0).fit(X, labels).components_[0]
    assert abs(abs(ours @ w) - 1) < 1e-8


def test_univariate_scores_by_hand():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal([0, 0], [1, 3], (500, 2)), rng.normal([4, 1], [2, 3], (300, 2))])
    y = np.repeat([0, 1], [500, 300])
    a, b = X[:500], X[500:]
    m = X.mean(0)
    fisher = (500 * (a.mean(0) - m) ** 2 + 300 * (b.mean(0) - m) ** 2) / (
        500 * a.var(0) + 300 * b.var(0)
    )
    np.testing.assert_allclose(fisher_scores(X, y), fisher, rtol=1e-12)
    mbar = (a.mean(0) + b.mean(0)) / 2
    hlda = ((a.mean(0) - mbar) ** 2 + (b.mean(0) - mbar) ** 2) * (1 / a.var(0) + 1 / b.var(0))
    np.testing.assert_allclose(hlda_scores(X, y), hlda, rtol=1e-12)
    with pytest.raises(InputError, match="at least 2 basins"):
        fisher_scores(X, np.zeros(800, dtype=int))


def _bond_sides(topology, axis):
    """Component label of each atom once the bond ``axis`` is cut."""
    n = topology.n_atoms
    adj = {i: set() for i in range(n)}
    for a, b in topology.bonds:
        if {a.index, b.index} != set(axis):
            adj[a.index].add(b.index)
            adj[b.index].add(a.index)
    side = np.full(n, -1)
    for start in range(n):
        if side[start] < 0:
            stack, side[start] = [start], start
            while stack:
                for j in adj[stack.pop()]:
                    if side[j] < 0:
                        side[j] = start
                        stack.append(j)
    return side


@pytest.fixture(scope="module")
def ala2_ranking_inputs(ala2):
    import mdtraj as md

    t = ala2[::4]
    top = t.topology
    phi_atoms = md.compute_phi(t)[0][0]
    psi_atoms = md.compute_psi(t)[0][0]
    # N-CA is phi's axis, CA-C psi's: a distance is phi/psi-derived iff its atoms lie on
    # different sides of one of these bonds (its value then changes with the torsion)
    sides = [_bond_sides(top, phi_atoms[1:3]), _bond_sides(top, psi_atoms[1:3])]
    heavy = [a.index for a in top.atoms if a.element.symbol != "H"]
    pairs = [(i, j) for k, i in enumerate(heavy) for j in heavy[k + 1 :]]
    spec = dihedral_angles(top, ("phi", "psi")) + atom_pair_distances(pairs)
    derived = {f"{t}_{n}" for t in ("sin", "cos") for n in ("phi_ALA2", "psi_ALA2")}
    for f in spec:
        if f.kind == "distance" and any(s[f.atoms[0]] != s[f.atoms[1]] for s in sides):
            derived.add(f.label)
    X = featurize(t, spec)[0]
    phi = md.compute_phi(t)[1][:, 0]
    psi = md.compute_psi(t)[1][:, 0]
    P = np.column_stack([phi, psi])
    rama = estimate(P, bins=60, range=[(-np.pi, np.pi)] * 2, periodic=True)
    labels = find_basins(rama, P, n_blocks=0).frame_labels  # C7eq and C5 basins
    return spec, X, labels, derived


@pytest.mark.parametrize("by", ["fisher", "hlda", "mutual_info", "tica"])
def test_ala2_ranking_puts_phi_psi_derived_features_first(ala2_ranking_inputs, by):
    spec, X, labels, derived = ala2_ranking_inputs
    assert len(derived) < 0.8 * len(spec)  # plenty of features that are not phi/psi-derived
    ranking = rank_features(X, labels, spec, by=by, scores=(by,))
    top = ranking.top(5)
    assert all(name in derived for name in top), top
    if by != "tica":  # the slow-mode score is held only to the first criterion
        # and a sin/cos of phi or psi itself is among them (H-bond distances spanning both
        # torsions, such as O(ACE)-C(NME), can score as high: they close the C7 ring)
        assert any(name.endswith(("phi_ALA2", "psi_ALA2")) for name in top), top


def test_ala2_ranking_table_and_plot(ala2_ranking_inputs, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from trajlens.plot import feature_ranking

    spec, X, labels, _ = ala2_ranking_inputs
    ranking = rank_features(X, labels, spec, scores=("fisher", "hlda"))
    table = ranking.to_table()
    assert list(table) == ["rank", "feature", "fisher", "hlda"]
    assert np.all(np.diff(table["hlda"]) <= 0)
    ranking.to_csv(tmp_path / "r.csv")
    assert (tmp_path / "r.csv").read_text().splitlines()[1].startswith("1,")
    bars = feature_ranking(ranking, n=8)
    assert len(bars) == 2 and len(bars[0].patches) == 8
