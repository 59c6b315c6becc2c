"""The variance decomposition into parametric and stochastic parts, the per-draw probability
interval, the sentences that say which source dominates, and the uncertainty figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.results import uncertainty as U


def test_decomposition_of_a_small_case_by_hand() -> None:
    # four draws of two seeds: means 0, 2, 4, 6; each pair mean +- 1
    y = np.array([-1, 1, 1, 3, 3, 5, 5, 7], dtype=float)
    d = np.repeat(np.arange(4), 2)
    out = U.decompose(y, d)
    assert out["draws"] == 4 and out["seeds_per_draw"] == 2 and out["mean"] == 3
    assert out["between_draw_var"] == pytest.approx(np.var([0, 2, 4, 6], ddof=1))  # 20/3
    assert out["stochastic"] == pytest.approx(2.0)  # each pair's variance (ddof 1)
    # the per-draw means carry the seeds' noise: 2 / 2 of it comes off
    assert out["parametric"] == pytest.approx(20 / 3 - 1.0)
    assert out["total"] == pytest.approx(20 / 3 - 1 + 2)
    assert out["parametric_share"] + out["stochastic_share"] == pytest.approx(1.0)


def test_decomposition_recovers_known_between_and_within_variances() -> None:
    gen = np.random.default_rng(12)
    draws, seeds = 4000, 5
    effect = gen.normal(0.0, 2.0, draws)  # parametric variance 4
    y = np.repeat(effect, seeds) + gen.normal(0.0, 1.0, draws * seeds)  # stochastic variance 1
    out = U.decompose(y, np.repeat(np.arange(draws), seeds))
    assert out["parametric"] == pytest.approx(4.0, rel=0.06)
    assert out["stochastic"] == pytest.approx(1.0, rel=0.03)
    assert out["parametric_share"] == pytest.approx(0.8, abs=0.02)
    # the raw between-draw variance overstates the parametric part by the seeds' noise / 5
    assert out["between_draw_var"] == pytest.approx(out["parametric"] + out["stochastic"] / 5)


def test_pure_noise_is_attributed_to_the_seeds() -> None:
    gen = np.random.default_rng(3)
    y = (gen.random(5000) < 0.5).astype(float)  # a coin: no parameter effect at all
    out = U.decompose(y, np.repeat(np.arange(1000), 5))
    assert out["parametric_share"] < 0.05
    assert U.dominant(out["parametric"], out["stochastic"]) == "seeds"
    # the naive between-draw variance alone would have put a fifth of it on the parameters
    assert out["between_draw_var"] > 0.04


def test_pinned_runs_and_single_seeds() -> None:
    y = np.array([0.0, 1.0, 1.0, 0.0])
    pinned = U.decompose(y, None)
    assert pinned["parametric"] == 0 and pinned["stochastic"] == pytest.approx(1 / 3)
    single = U.decompose(y, np.arange(4))
    assert np.isnan(single["parametric"]) and np.isnan(single["stochastic"])
    assert U.dominant(single["parametric"], single["stochastic"]) == "not estimable"
    same = U.decompose(np.ones(6), np.repeat([0, 1], 3))
    assert U.dominant(same["parametric"], same["stochastic"]) == "no spread"


def runs_table(parametric: bool) -> pd.DataFrame:
    """Two strategies x 2 points, 40 draws x 5 seeds: institutionalisation depends only on the
    draw (parametric) or only on the seed (stochastic); the same share either way."""
    rows = []
    for point, strategy in enumerate(
        ["small_steps", "small_steps", "grand_bargain", "grand_bargain"]
    ):
        for rep in range(200):
            draw = rep // 5
            hit = (draw % 4 == 0) if parametric else (rep % 4 == 0)
            rows.append({"point": point, "replication": rep, "draw": draw, "strategy": strategy,
                         "inst_month": 12 if hit else -1, "collapse_month": -1,
                         "final_approval_ROK": 0.3 + 0.1 * hit})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize("parametric", [True, False])
def test_sentences_say_which_source_dominates(parametric: bool) -> None:
    runs = runs_table(parametric)
    table = U.variance_table(runs, ["point"])
    inst = table[table["outcome"] == "inst_by_24"]
    assert set(inst["dominant"]) == {"parameters" if parametric else "seeds"}
    text = " ".join(U.sentences(runs, {"parameters": "prior"}))
    if parametric:
        assert "P(institutionalised by month 24): parameter uncertainty dominates" in text
        assert "parameters dominate at 4 of 4 points" in text
    else:
        assert "P(institutionalised by month 24): the seeds dominate" in text
        assert "parameters dominate at 0 of 4 points" in text
    assert "40 parameter draws" in text and "(5 per draw)" in text
    pinned = U.sentences(runs.drop(columns=["draw"]), {"parameters": "pinned"})
    assert pinned and "pinned" in pinned[0] and "seeds" in pinned[0]


def test_the_per_draw_interval_sits_beside_the_pooled_one() -> None:
    runs = runs_table(parametric=True)
    t = U.draw_probabilities(runs, "inst_by_24", ["strategy"]).set_index("strategy")
    row = t.loc["small_steps"]
    assert row["n"] == 400 and row["p"] == pytest.approx(0.25)
    assert row["lo"] < 0.25 < row["hi"] and row["hi"] - row["lo"] < 0.1  # binomial: narrow
    assert (row["draw_lo"], row["draw_hi"]) == (0.0, 1.0)  # across draws: all or nothing
    assert row["draws"] == 40 and row["runs_per_draw"] == 10
    seeds = U.draw_probabilities(runs_table(False), "inst_by_24").iloc[0]
    assert 0.0 < seeds["draw_lo"] and seeds["draw_hi"] < 0.5  # the draws agree
    assert np.isnan(U.draw_probabilities(runs.drop(columns=["draw"]), "durable")["draw_lo"][0])
    with pytest.raises(ValueError, match="not a yes/no"):
        U.draw_probabilities(runs, "final_approval_ROK")


def test_paired_share_and_spread() -> None:
    a = np.array([1, 1, 0, 0], float)
    b = np.array([0, 0, 0, 1], float)
    k, share = U.paired_share(a, b, [0, 0, 1, 1], [0, 0, 1, 1])
    assert (k, share) == (2, 0.5)  # draw 0: a wins; draw 1: b wins
    n, lo, hi = U.spread_across_draws([1, 1, 0, 0, 1, 0], [0, 0, 1, 1, 2, 2])
    assert n == 3 and lo == pytest.approx(0.05) and hi == pytest.approx(0.95)


def test_the_figure_draws_the_decomposed_shares() -> None:
    from sim.results.plotting import plot_uncertainty

    runs = runs_table(parametric=True)
    fig = plot_uncertainty(runs, by="strategy", stamp="test")
    left = fig.axes[0]
    bars = {p.get_gid(): p.get_width() for p in left.patches}
    per_point = U.variance_table(runs, ["point"]).merge(
        runs[["point", "strategy"]].drop_duplicates("point"), on="point")  # fmt: skip
    s = U.summarise(per_point, ["strategy"]).set_index(["strategy", "outcome"])
    assert bars["share:inst_by_24:small_steps:parametric"] == pytest.approx(
        s.loc[("small_steps", "inst_by_24"), "parametric_share"])  # fmt: skip
    assert bars["share:inst_by_24:small_steps:parametric"] > 0.9
    dots = [c for c in fig.axes[1].collections if c.get_gid() == "draws:small_steps"]
    assert len(dots[0].get_offsets()) == 40
