"""Projection plots: colours by label and by a continuous value (time) with a colour bar."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from trajlens import plot


def test_projection_values_colours_by_time_with_colorbar():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 2))
    t = np.arange(500) * 2.0  # ps
    ax = Figure().add_subplot()
    out = plot.projection_values(X, t, ax=ax, label="time (ps)")
    np.testing.assert_allclose(out["scatter"].get_array(), t)
    np.testing.assert_allclose(out["scatter"].get_offsets(), X)
    assert out["colorbar"].ax.get_ylabel() == "time (ps)"
    assert out["scatter"].norm.vmin == 0.0 and out["scatter"].norm.vmax == 998.0
    with pytest.raises(ValueError, match="values"):
        plot.projection_values(X, t[:-1], ax=ax)


def test_projection_values_subsamples_consistently():
    X = np.column_stack([np.arange(1000.0), np.zeros(1000)])
    out = plot.projection_values(X, X[:, 0], ax=Figure().add_subplot(), max_points=100)
    # the colour of every drawn point is the value of that same frame
    np.testing.assert_allclose(out["scatter"].get_array(), out["scatter"].get_offsets()[:, 0])
    assert len(out["scatter"].get_array()) == 100


def test_projection_legend_names_basins():
    X = np.zeros((4, 2))
    out = plot.projection(
        X, np.array([0, 1, -1, 1]), ax=Figure().add_subplot(), legend_name="basin"
    )
    assert [t.get_text() for t in out["legend"].get_texts()] == ["noise", "basin 0", "basin 1"]
