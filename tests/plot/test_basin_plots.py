"""1-D profile and dendrogram plots draw what they are given."""

import numpy as np
from matplotlib.figure import Figure

from trajlens import plot
from trajlens.cluster import LandmarkHierarchical
from trajlens.fes import estimate, find_basins


def test_fes_profile_with_error_band_and_minima():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-1, 0.3, 4000), rng.normal(1, 0.3, 2000)])
    s = estimate(x, bins=40, n_blocks=10, units="kT")
    b = find_basins(s, x)
    ax = Figure().add_subplot()
    out = plot.fes_profile(s, b, ax=ax)
    np.testing.assert_allclose(out["line"].get_xdata(), s.centers[0])
    assert out["band"] is not None and len(out["minima"]) == 2 * len(b) == 4
    assert ax.get_ylabel() == "free energy (kT)"


def test_dendrogram_colours_the_cut():
    rng = np.random.default_rng(1)
    X = np.concatenate([rng.normal(c, 0.3, size=(50, 2)) for c in ((0, 0), (4, 0), (0, 4))])
    model = LandmarkHierarchical(n_clusters=3).fit(X)
    out = plot.dendrogram(model.linkage_matrix_, ax=Figure().add_subplot(), n_clusters=3)
    assert len(set(out["color_list"]) - {"C0"}) == 3  # three coloured subtrees above the cut
