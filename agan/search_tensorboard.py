"""A search's trials in TensorBoard's HParams dashboard, beside `search_log.jsonl`.

Under the search's `tensorboard/` folder: the experiment (which columns the dashboard shows),
written when the search starts, and one run per rewarded trial, `trial_<id>/`, holding the trial's
architecture summary (each segment's operations and adjacency vectors) as hyperparameters and its
Inception Score, real-data IS, FID and reward as metrics.

    tensorboard --logdir=DIR/tensorboard
"""
import pathlib

from agan import search_space

FOLDER = "tensorboard"
METRICS = ("inception_score", "real_inception_score", "fid", "reward")


def _parameter_names():
    for segment in search_space.SEGMENT_NAMES:
        yield f"{segment}_ops"
        yield f"{segment}_adjacency"


def architecture_summary(architecture):
    """{"<segment>_ops": "op op ...", "<segment>_adjacency": "11 010 ..."} of an architecture
    JSON object (`Architecture.to_json()`)."""
    summary = {}
    for segment in search_space.SEGMENT_NAMES:
        summary[f"{segment}_ops"] = " ".join(architecture[segment]["ops"])
        summary[f"{segment}_adjacency"] = " ".join(
            "".join(str(int(v)) for v in vector) for vector in architecture[segment]["adjacency"])
    return summary


def write_experiment(output_dir):
    """Declares the hyperparameters and metrics of the dashboard in `output_dir/tensorboard`."""
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hp

    with tf.summary.create_file_writer(str(pathlib.Path(output_dir) / FOLDER)).as_default():
        hp.hparams_config(
            hparams=[hp.HParam(name) for name in (*_parameter_names(), "worker")],
            metrics=[hp.Metric(name) for name in METRICS])


def write_trial(output_dir, entry):
    """Writes one rewarded trial (a search log entry, `agan.search_oracle.LOG_FIELDS`) as the run
    `output_dir/tensorboard/trial_<id>`."""
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hp

    run = pathlib.Path(output_dir) / FOLDER / f"trial_{entry['trial']}"
    writer = tf.summary.create_file_writer(str(run))
    with writer.as_default():
        hp.hparams({**architecture_summary(entry["architecture"]),
                    "worker": str(entry.get("worker"))}, trial_id=str(entry["trial"]))
        for name in METRICS:
            if entry.get(name) is not None:
                tf.summary.scalar(name, entry[name], step=0)
    writer.close()
