"""The basins table: one row per basin, consistent with the BasinSet, written as CSV."""

import csv

import numpy as np

from trajlens.fes import estimate, find_basins


def test_table_and_csv(tmp_path):
    rng = np.random.default_rng(0)
    X = np.concatenate(
        [rng.normal((-1.5, 0), 0.4, (6000, 2)), rng.normal((1.5, 0), 0.4, (3000, 2))]
    )
    rng.shuffle(X)  # independent frames in random order: blocks are exchangeable
    s = estimate(X, bins=40, labels=("a", "b"), units="kT")
    basins = find_basins(s, X, n_blocks=10, n_lowest=3)
    table = basins.to_table()
    assert table["basin"].tolist() == [0, 1]
    np.testing.assert_allclose(table["population"], [2 / 3, 1 / 3], atol=0.01)
    # ΔF = ln 2 kT, its jackknife error matches binomial counting: sqrt(1/n1 + 1/n2) ~ 0.02 kT
    assert abs(table["free_energy"][1] - np.log(2)) < 0.06
    assert 0.01 < table["free_energy_error"][1] < 0.04
    binom = np.sqrt(2 / 9 / 9000)
    assert 0.6 < table["population_error"][0] / binom < 1.5  # 10 blocks: ~25% scatter
    np.testing.assert_allclose(table["centre_a"], [-1.5, 1.5], atol=0.05)
    assert table["barrier_to_1"][0] == basins.saddles[0, 1] - basins.basins[0].minimum_free_energy
    assert np.isinf(table["barrier_to_0"][0])
    assert len(table["lowest_frames"][0].split()) == 3
    basins.to_csv(tmp_path / "basins.csv")
    with open(tmp_path / "basins.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 and "free_energy_kT" in rows[0] and "barrier_to_1_kT" in rows[0]
    assert float(rows[1]["population"]) == float(f"{table['population'][1]:.6g}")
