"""agan/search_tensorboard.py: a trial's architecture and scores as a run of the HParams dashboard."""
import pytest
import tensorflow as tf
from tensorboard.plugins.hparams import plugin_data_pb2

from agan import search_space, search_tensorboard


def _events(folder):
    return [event for path in sorted(folder.glob("events.out.tfevents.*"))
            for event in tf.compat.v1.train.summary_iterator(str(path))]


def test_a_trial_is_written_with_its_architecture_and_scores(tmp_path):
    architecture = search_space.random_architecture(0).to_json()
    entry = {"trial": "07", "architecture": architecture, "inception_score": 3.5,
             "real_inception_score": 7.2, "fid": 41.0, "reward": 0.67, "worker": "worker0"}
    search_tensorboard.write_experiment(tmp_path)
    search_tensorboard.write_trial(tmp_path, entry)

    values = [v for e in _events(tmp_path / "tensorboard") for v in e.summary.value]
    assert any(v.metadata.plugin_data.plugin_name == "hparams" for v in values)
    run_values = [v for e in _events(tmp_path / "tensorboard" / "trial_07") for v in e.summary.value]
    scalars = {v.tag: float(tf.make_ndarray(v.tensor)) for v in run_values
               if v.metadata.plugin_data.plugin_name == "scalars"}
    assert scalars == pytest.approx({"inception_score": 3.5, "real_inception_score": 7.2,
                                     "fid": 41.0, "reward": 0.67})  # stored as float32
    (session,) = [v for v in run_values if v.metadata.plugin_data.plugin_name == "hparams"]
    data = plugin_data_pb2.HParamsPluginData.FromString(session.metadata.plugin_data.content)
    hparams = {k: v.string_value for k, v in data.session_start_info.hparams.items()}
    assert hparams["generator_up_ops"] == " ".join(architecture["generator_up"]["ops"])
    assert hparams["discriminator_normal_adjacency"].split()[0] == "".join(
        str(v) for v in architecture["discriminator_normal"]["adjacency"][0])
    assert hparams["worker"] == "worker0"
