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
    assert search_report.write_report([], history, tmp_path / "empty") == {"top": [], "figures": []}
