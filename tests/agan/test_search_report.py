"""The search report: per-block means, top-k files, figures and summary.json from a search log."""
import json

import pytest

from agan import search_report, search_space


def _entries(rewards_and_scores):
    architecture = search_space.random_architecture(0).to_json()
    return [{"trial": f"{i:02d}", "architecture": architecture, "inception_score": score,
             "real_inception_score": 5.0, "reward": reward, "worker": "w", "time": float(i),
             "controller_updates": i // 4}
            for i, (reward, score) in enumerate(rewards_and_scores)]


def test_block_means_average_each_block_and_keep_a_short_last_block():
    entries = _entries([(0.1, 1.5), (0.3, 2.5), (1.0, 3.0), (2.0, 4.0), (0.5, 2.0)])
    blocks = search_report.block_means(entries, size=2)
    assert [b["trials"] for b in blocks] == ["00-01", "02-03", "04-04"]
    assert [b["count"] for b in blocks] == [2, 2, 1]
    assert [b["mean_reward"] for b in blocks] == pytest.approx([0.2, 1.5, 0.5])
    assert [b["mean_inception_score"] for b in blocks] == pytest.approx([2.0, 3.5, 2.0])
    assert [b["best_inception_score"] for b in blocks] == pytest.approx([2.5, 4.0, 2.0])
    lines = search_report.format_blocks(blocks).splitlines()
    assert lines[1] == "trials 02-03: mean reward 1.500, mean IS 3.500, best IS 4.000"
    with pytest.raises(ValueError, match="size"):
        search_report.block_means(entries, size=0)


def test_reward_trend_measures_a_rise_and_refuses_too_few_rewards():
    rising = search_report.reward_trend(_entries([(0.1 * i + 0.05 * (i % 3), 2.0) for i in range(20)]))
    assert rising["spearman"] > 0.9 and rising["p_value"] < 1e-3
    assert rising["first_half_mean_reward"] < rising["second_half_mean_reward"]
    falling = search_report.reward_trend(_entries([(2.0 - 0.1 * i, 2.0) for i in range(20)]))
    assert falling["spearman"] == pytest.approx(-1.0)
    assert "-1.000" in search_report.format_trend(falling)
    flat = search_report.reward_trend(_entries([(0.3, 2.0)] * 5))
    assert flat["spearman"] is None and flat["second_half_mean_reward"] == pytest.approx(0.3)
    assert search_report.format_trend(flat) == "reward trend: not measurable from 5 rewards"
    assert search_report.reward_trend(_entries([(0.2, 2.0), (0.4, 2.0)]))["spearman"] is None


def test_write_report_writes_top_files_figures_and_summary(tmp_path):
    entries = _entries([(0.1 * i, 1.0 + 0.1 * ((7 * i) % 12)) for i in range(12)])
    history = [{"update": 0, "rewards": 0,
                "operations": {name: [1.0 / len(search_space.VOCABULARIES[name])]
                               * len(search_space.VOCABULARIES[name])
                               for name in search_space.SEGMENT_NAMES}}]
    written = search_report.write_report(entries, history, tmp_path, top_k=2)
    best = max(entries, key=lambda e: e["inception_score"])
    assert [p.name for p in written["top"]] == [
        f"rank_1_trial_{best['trial']}.json", "rank_2_trial_10.json"]
    assert all(p.is_file() and p.stat().st_size > 0 for p in written["figures"])
    summary = json.loads(written["summary"].read_text())
    assert summary["block_size"] == search_report.BLOCK_SIZE == 10
    assert [b["count"] for b in summary["blocks"]] == [10, 2]
    assert summary["blocks"][1]["mean_reward"] == pytest.approx(1.05)
    assert summary["best"]["trial"] == best["trial"]
    assert summary["reward_trend"]["spearman"] == pytest.approx(1.0)
    assert search_report.write_report([], history, tmp_path / "empty") == {"top": [], "figures": []}
