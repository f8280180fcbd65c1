"""Make ``tests/cluster/data/dadapy_adp.npz``: dadapy's PAk densities and ADP clusters.

dadapy (the authors' package: d'Errico, Facco, Laio & Rodriguez) pins numpy < 2, so it
cannot live in trajlens' environment. This script runs in a throwaway one and stores its
results, with the data, for ``test_density_peaks_adp.py`` to compare against::

    python3 -m venv /tmp/dadapy_venv
    /tmp/dadapy_venv/bin/pip install "numpy<2" dadapy      # dadapy 0.3.x
    /tmp/dadapy_venv/bin/python tests/cluster/make_dadapy_reference.py

The data set: 700 points in 2-D from four Gaussians (one small and close to a big one,
so the saddle test has something to decide), seeded. Stored: X, dadapy's TWO-NN
dimension, k*, PAk log-density and error, and the ADP labels at Z = 1.65 and Z = 0.5 from
both dadapy's compiled ADP and its plain-Python one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def data() -> np.ndarray:
    rng = np.random.default_rng(20210476)
    parts = [
        rng.normal([0.0, 0.0], 1.0, size=(300, 2)),
        rng.normal([5.0, 0.0], 0.8, size=(200, 2)),
        rng.normal([0.0, 5.0], 0.7, size=(150, 2)),
        rng.normal([2.4, 1.2], 0.4, size=(50, 2)),
    ]
    return np.round(np.concatenate(parts), 6)


def main() -> None:
    from importlib.metadata import version

    from dadapy import Data

    X = data()
    out = {"X": X, "dadapy_version": np.array(version("dadapy"))}
    d = Data(X, maxk=100, verbose=False)
    intrinsic_dim = d.compute_id_2NN()[0]
    d.compute_density_PAk()
    out.update(
        intrinsic_dim=np.array(intrinsic_dim),
        kstar=np.asarray(d.kstar),
        log_den=np.asarray(d.log_den),
        log_den_err=np.asarray(d.log_den_err),
    )
    for z in (1.65, 0.5):
        d.compute_clustering_ADP(Z=z)
        out[f"labels_Z{z}"] = np.asarray(d.cluster_assignment)
        # dadapy's plain-Python ADP, which trajlens follows step by step (its default,
        # compiled ADP can merge differently on other data; on these data both agree)
        d.compute_clustering_ADP_pure_python(Z=z)
        out[f"labels_pure_Z{z}"] = np.asarray(d.cluster_assignment)
    path = Path(__file__).with_name("data") / "dadapy_adp.npz"
    path.parent.mkdir(exist_ok=True)
    np.savez_compressed(path, **out)
    print(path, {k: (v.shape if v.ndim else v.item()) for k, v in out.items()})
    for z in (1.65, 0.5):
        print(z, np.bincount(out[f"labels_Z{z}"] + 1))


if __name__ == "__main__":
    main()
