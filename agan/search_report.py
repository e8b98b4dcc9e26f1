"""The outputs of an architecture search: top-k architecture files and the paper's figures.

Written into the search's output folder:

    top/rank_<r>_trial_<id>.json    the `top_k` architectures with the highest IS
    figures/inception_score.png     average and best IS over the search (paper Figure 4)
    figures/operations.png          each module's operation distribution over controller updates
                                    (paper Figure 7)
    figures/best_rank_<r>.png       module drawings of the best architectures (paper Figure 6)
    summary.json                    mean reward and IS per block of `BLOCK_SIZE` trials, and
                                    the reward's trend over the search (`reward_trend`)
"""
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)
import numpy as np  # noqa: E402

from agan import describe, search_space  # noqa: E402
from mobile.atomic import atomic_output, write_json_atomically  # noqa: E402

NUM_DRAWN = 3
# Trials per block of the summary: the paper's controller batch (section 4.2: an update per 10
# rewards), also Figure 4's averaging window.
BLOCK_SIZE = 10


def ranked(entries):
    """Log entries sorted by Inception Score, best first (ties: earlier trial first)."""
    return sorted(entries, key=lambda e: (-e["inception_score"], e["trial"]))


def score_curves(entries, window):
    """(trial numbers 1..N, moving average IS over `window` trials, best IS so far), in the
    order the rewards were recorded."""
    scores = np.array([e["inception_score"] for e in entries], np.float64)
    n = np.arange(1, len(scores) + 1)
    cumulative = np.concatenate([[0.0], np.cumsum(scores)])
    start = np.maximum(n - window, 0)
    average = (cumulative[n] - cumulative[start]) / (n - start)
    return n, average, np.maximum.accumulate(scores)


def block_means(entries, size=BLOCK_SIZE):
    """Per block of `size` consecutive log entries (reward order; the last block may be shorter):
    {"trials": "<first>-<last>", "count", "mean_reward", "mean_inception_score",
    "best_inception_score"}. Rising mean reward over the blocks is the search learning."""
    if size < 1:
        raise ValueError(f"size: expected a positive block size, got {size}")
    blocks = []
    for start in range(0, len(entries), size):
        block = entries[start:start + size]
        scores = [e["inception_score"] for e in block]
        blocks.append({
            "trials": f"{block[0]['trial']}-{block[-1]['trial']}",
            "count": len(block),
            "mean_reward": float(np.mean([e["reward"] for e in block])),
            "mean_inception_score": float(np.mean(scores)),
            "best_inception_score": float(np.max(scores)),
        })
    return blocks


def reward_trend(entries):
    """Whether the reward rises over the search (log entries in reward order): {"count",
    "spearman" (rank correlation of reward with order), "p_value" (two-sided, of no correlation),
    "first_half_mean_reward", "second_half_mean_reward"}. Correlation and p-value are None with
    fewer than 3 entries or constant rewards."""
    from scipy import stats

    rewards = np.array([e["reward"] for e in entries], np.float64)
    half = len(rewards) // 2
    trend = {"count": len(rewards), "spearman": None, "p_value": None,
             "first_half_mean_reward": float(rewards[:half].mean()) if half else None,
             "second_half_mean_reward": float(rewards[half:].mean()) if len(rewards) else None}
    if len(rewards) >= 3 and np.ptp(rewards) > 0:
        result = stats.spearmanr(np.arange(len(rewards)), rewards)
        trend.update(spearman=float(result.statistic), p_value=float(result.pvalue))
    return trend


def format_trend(trend):
    """`reward_trend` as one line of text."""
    if trend["spearman"] is None:
        return f"reward trend: not measurable from {trend['count']} rewards"
    return (f"reward trend over {trend['count']} trials: Spearman correlation with trial order "
            f"{trend['spearman']:.3f} (p = {trend['p_value']:.2g}); mean reward first half "
            f"{trend['first_half_mean_reward']:.3f}, second half "
            f"{trend['second_half_mean_reward']:.3f}")


def format_blocks(blocks):
    """`block_means` as lines of text, one per block."""
    return "\n".join(
        f"trials {b['trials']}: mean reward {b['mean_reward']:.3f}, mean IS "
        f"{b['mean_inception_score']:.3f}, best IS {b['best_inception_score']:.3f}"
        for b in blocks)


def _save(figure, path):
    with atomic_output(path, make_folder=True) as temporary:
        figure.savefig(temporary, format="png", dpi=110)
    plt.close(figure)


def plot_inception_scores(entries, path, window=10):
    """Figure 4: moving-average IS (`window` trials) and best IS so far vs architectures evaluated."""
    n, average, best = score_curves(entries, window)
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    axes[0].plot(n, average, color="#1f77b4")
    axes[0].set_title(f"(a) Average Inception Score (last {window})")
    axes[1].plot(n, best, color="#d62728")
    axes[1].set_title("(b) Best Inception Score")
    for ax in axes:
        ax.set_xlabel("architectures evaluated")
        ax.set_ylabel("Inception Score")
        ax.grid(alpha=0.3)
    figure.tight_layout()
    _save(figure, path)


def plot_operation_distributions(history, path):
    """Figure 7: per module, the controller's operation probabilities (averaged over the module's
    positions) after each update, as stacked areas."""
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    updates = [h["update"] for h in history]
    for ax, name in zip(axes, search_space.SEGMENT_NAMES, strict=True):
        vocabulary = search_space.VOCABULARIES[name]
        probs = np.array([h["operations"][name] for h in history]).T
        palette = [*plt.get_cmap("tab20").colors, *plt.get_cmap("tab20b").colors]
        colours = [palette[i % len(palette)] for i in range(len(vocabulary))]
        if len(updates) > 1:
            ax.stackplot(updates, probs, labels=vocabulary, colors=colours)
            ax.set_xlabel("controller updates")
            ax.legend(fontsize=5, loc="upper left", bbox_to_anchor=(1.0, 1.0), ncol=1)
        else:
            ax.bar(vocabulary, probs[:, 0], color=colours)
            ax.tick_params(axis="x", rotation=90, labelsize=6)
            ax.set_xlabel(f"operations (after {updates[0]} controller updates)")
        ax.set_title(name.replace("_", " "))
        ax.set_ylabel("probability")
        ax.set_ylim(0, 1)
    figure.tight_layout()
    _save(figure, path)


def write_report(entries, history, output_dir, *, top_k=5):
    """Writes the top-k files and figures for log `entries` (dicts of
    `agan.search_oracle.LOG_FIELDS`) and controller `history`; returns {"top": [paths],
    "figures": [paths], "summary": path}. With no entries yet, writes nothing."""
    output_dir = pathlib.Path(output_dir)
    written = {"top": [], "figures": []}
    if not entries:
        return written
    best = ranked(entries)[:top_k]
    for stale in (output_dir / "top").glob("rank_*.json"):
        stale.unlink()
    for rank, entry in enumerate(best, start=1):
        obj = dict(entry["architecture"])
        obj["description"] = (f"AGAN search rank {rank}: trial {entry['trial']}, IS "
                              f"{entry['inception_score']:.3f}, reward {entry['reward']:.3f}")
        path = output_dir / "top" / f"rank_{rank}_trial_{entry['trial']}.json"
        search_space.Architecture.from_json(obj).save(path)
        written["top"].append(path)
        if rank <= NUM_DRAWN:
            drawing = output_dir / "figures" / f"best_rank_{rank}.png"
            describe.draw_architecture(search_space.Architecture.from_json(obj), drawing)
            written["figures"].append(drawing)
    scores = output_dir / "figures" / "inception_score.png"
    plot_inception_scores(entries, scores)
    written["figures"].append(scores)
    if history:
        operations = output_dir / "figures" / "operations.png"
        plot_operation_distributions(history, operations)
        written["figures"].append(operations)
    written["summary"] = output_dir / "summary.json"
    write_json_atomically(written["summary"], {
        "block_size": BLOCK_SIZE,
        "blocks": block_means(entries),
        "reward_trend": reward_trend(entries),
        "best": {k: best[0][k] for k in ("trial", "inception_score", "reward")},
    })
    return written
