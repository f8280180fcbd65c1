"""Bar chart of the best-ranked features (their PLUMED labels) for each score."""

from __future__ import annotations

import numpy as np

from trajlens.plot.core import OKABE_ITO, _axes


def feature_ranking(ranking, ax=None, *, n: int = 15, scores=None):
    """Horizontal bars of the top ``n`` features of a :class:`~trajlens.cvs.FeatureRanking`.

    Each score is scaled to its maximum over all features (so different scores share one
    axis); the features are ordered by ``ranking.by``, best at the top.

    Parameters
    ----------
    ranking : FeatureRanking
    ax : matplotlib Axes, optional
    n : int
        Number of features shown.
    scores : sequence of str, optional
        Scores drawn (default: all computed).

    Returns
    -------
    list of matplotlib BarContainer
    """
    ax = _axes(ax, figsize=(6.0, 0.3 * n + 1.2))
    scores = list(ranking.scores) if scores is None else list(scores)
    idx = ranking.order[:n]
    y = np.arange(len(idx))
    height = 0.8 / max(len(scores), 1)
    artists = []
    for k, name in enumerate(scores):
        values = ranking.scores[name]
        top = np.max(np.abs(values)) or 1.0
        artists.append(
            ax.barh(
                y + (k - (len(scores) - 1) / 2) * height,
                values[idx] / top,
                height=height,
                color=OKABE_ITO[k % len(OKABE_ITO)],
                label=name + (" (sorted)" if name == ranking.by else ""),
            )
        )
    ax.set_yticks(y, [ranking.labels[i] for i in idx])
    ax.invert_yaxis()
    ax.set_xlabel("score / max score")
    ax.legend(loc="lower right", fontsize="small")
    return artists
