"""AGAN search: oracle semantics (rewards once, updates per batch, leases, atomic resume), the real
child-GAN tuner path at tiny size, and a distributed run on loopback with a worker killed mid-trial
and the chief killed and restarted."""
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from agan import search, search_processes, search_space, train
from tests.agan import search_fixtures

ROOT = pathlib.Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _oracle(tmp_path, clock, max_trials=6):
    oracle = search.ControllerOracle(search_fixtures.config(max_trials, lease_seconds=10.0),
                                     clock=clock)
    oracle._set_project_dir(str(tmp_path), search.PROJECT_NAME)
    oracle.log_path = tmp_path / search.LOG_FILE
    return oracle


def _finish(oracle, trial, score=None):
    """What a tuner does: report the objective, then end the trial as COMPLETED."""
    architecture = search.architecture_of(trial)
    score = search_fixtures.synthetic_score(architecture) if score is None else score
    oracle.update_trial(trial.trial_id, {search.OBJECTIVE: score,
                                         search.REAL_SCORE: search_fixtures.REAL_SCORE})
    trial.status = "COMPLETED"
    oracle.end_trial(trial)


def _log(path):
    return [json.loads(line) for line in pathlib.Path(path).read_text().splitlines()]


@pytest.fixture(scope="module")
def shared_oracle(tmp_path_factory):
    """One oracle driven through a scripted search (its controller is traced once)."""
    clock = Clock()
    tmp_path = tmp_path_factory.mktemp("oracle")
    return _oracle(tmp_path, clock), clock, tmp_path


def test_oracle_records_each_reward_once_and_updates_every_batch(shared_oracle):
    oracle, clock, tmp_path = shared_oracle
    a = oracle.create_trial("w0")
    b = oracle.create_trial("w1")
    assert a.status == b.status == "RUNNING" and a.trial_id != b.trial_id
    # A worker asking again before it finished gets its own trial back, not a new sample.
    assert oracle.create_trial("w0").trial_id == a.trial_id
    _finish(oracle, a)
    assert int(oracle.controller.num_updates.numpy()) == 0  # 1 reward < rewards_per_update = 2
    _finish(oracle, a, score=9.0)  # a repeated report (e.g. a retried call) is ignored
    _finish(oracle, b)
    assert int(oracle.controller.num_updates.numpy()) == 1
    entries = _log(oracle.log_path)
    assert [e["trial"] for e in entries] == [a.trial_id, b.trial_id]
    assert entries[0]["inception_score"] == search_fixtures.synthetic_score(
        search.architecture_of(a))
    expected = (entries[0]["inception_score"] - 1) / (search_fixtures.REAL_SCORE
                                                      - entries[0]["inception_score"])
    assert entries[0]["reward"] == pytest.approx(expected)
    assert entries[0]["worker"] == "w0" and set(search.LOG_FIELDS) <= set(entries[0])
    assert search_space.Architecture.from_json(entries[1]["architecture"]) == \
        search.architecture_of(b)
    assert len(oracle.history) == 2 and oracle.history[1]["update"] == 1


def test_expired_lease_reissues_the_trial_and_the_first_result_wins(shared_oracle):
    oracle, clock, tmp_path = shared_oracle
    lost = oracle.create_trial("w0")
    kept = oracle.create_trial("w1")
    clock.now += 6.0
    oracle.update_trial(kept.trial_id, {search.HEARTBEAT: 1.0})  # w1 is alive
    clock.now += 6.0  # w0's lease (10 s) ran out, w1's was renewed
    reissued = oracle.create_trial("w2")
    assert reissued.trial_id == lost.trial_id
    assert "w0" not in oracle.tuner_ids and "w0" not in oracle.ongoing_trials
    assert oracle.leases[lost.trial_id][0] == "w2"
    _finish(oracle, reissued)
    _finish(oracle, lost)  # the presumed-dead worker reports late: ignored
    _finish(oracle, kept)
    trials = [e["trial"] for e in _log(oracle.log_path)]
    assert len(trials) == len(set(trials)) == 4
    assert int(oracle.controller.num_updates.numpy()) == 2


def test_state_is_saved_atomically_and_resumed(shared_oracle):
    oracle, clock, tmp_path = shared_oracle
    running = oracle.create_trial("w3")
    pending = oracle.create_trial("w4")
    _finish(oracle, pending)  # one reward waits for the next update
    state_file = tmp_path / search.PROJECT_NAME / search.STATE_FILE
    assert state_file.is_file()
    assert not [p for p in state_file.parent.iterdir() if p.name.startswith(".")]
    # A cut-off log append is repaired from the state on resume.
    lines = oracle.log_path.read_text().splitlines()
    oracle.log_path.write_text("\n".join(lines[:-1]) + "\n")

    resumed = _oracle(tmp_path, clock)
    resumed.reload()
    assert resumed.pending == oracle.pending == [pending.trial_id]
    assert list(resumed.rewards) == list(oracle.rewards)
    assert [e["trial"] for e in _log(resumed.log_path)] == list(oracle.rewards)
    assert resumed.ongoing_trials["w3"].trial_id == running.trial_id
    for name, value in oracle.controller.get_state().items():
        np.testing.assert_array_equal(resumed.controller.get_state()[name], value, err_msg=name)
    # The resumed oracle finishes the search with the same worker.
    _finish(resumed, resumed.ongoing_trials["w3"])
    assert int(resumed.controller.num_updates.numpy()) == 3
    assert resumed.create_trial("w3").status == "STOPPED"
    assert resumed.search_finished()


def test_resuming_with_another_num_operations_names_the_flag(shared_oracle):
    oracle, clock, tmp_path = shared_oracle
    oracle.save()
    other = search.ControllerOracle(
        search_fixtures.config(6, lease_seconds=10.0, num_operations=2), clock=clock)
    other._set_project_dir(str(tmp_path), search.PROJECT_NAME)
    with pytest.raises(ValueError, match="--num_operations than 2"):
        other.reload()


def test_real_tuner_trains_a_tiny_child_gan(tmp_path):
    child = train.TrainConfig(
        channels=4, latent_dim=8, steps=1, d_steps_per_g_step=1, data_limit=64, eval_samples=20,
        is_splits=2, eval_batch_size=20, real_batch_size=8, fake_batch_size=8, g_batch_size=8,
        classifier="dataset", classifier_cache_dir=str(tmp_path / "classifiers"),
        classifier_samples=100, classifier_epochs=1, checkpoint_every=0, sample_every=0,
        log_every=0)
    config = search.SearchConfig(child=child, max_trials=1, num_operations=1, top_k=1)
    entries = search.run(config, tmp_path / "search")
    assert len(entries) == 1
    assert entries[0]["inception_score"] >= 1.0 and entries[0]["real_inception_score"] > 1.0
    result = json.loads((tmp_path / "search" / search.PROJECT_NAME / "trial_0" / "child"
                         / "result.json").read_text())
    assert result["inception_score_mean"] == entries[0]["inception_score"]
    assert len(list((tmp_path / "search" / "top").glob("rank_1_trial_0.json"))) == 1
    for figure in ("inception_score.png", "operations.png", "best_rank_1.png"):
        assert (tmp_path / "search" / "figures" / figure).stat().st_size > 0


def _wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _leases(output_dir):
    path = pathlib.Path(output_dir) / search.PROJECT_NAME / search.STATE_FILE
    try:
        with np.load(path) as stored:
            return json.loads(str(stored["state_json"]))["leases"]
    except (OSError, ValueError, KeyError):
        return {}


def _log_trials(output_dir):
    path = pathlib.Path(output_dir) / search.LOG_FILE
    return [e["trial"] for e in _log(path)] if path.is_file() else []


def test_distributed_search_survives_a_dead_worker_and_a_chief_restart(tmp_path):
    max_trials = 8
    output_dir = tmp_path / "search"
    command = [sys.executable, "-m", "tests.agan.search_fixtures", str(output_dir),
               str(max_trials), "1.5", "3.0"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    port = search_processes.free_port()
    processes = search_processes.spawn_local(command, 2, port=port, env=env)
    try:
        # Kill worker0 while it holds a trial.
        _wait_for(lambda: "worker0" in [h for h, _ in _leases(output_dir).values()], 240,
                  "worker0 to take a trial")
        killed = [t for t, (h, _) in _leases(output_dir).items() if h == "worker0"]
        processes["worker0"].send_signal(signal.SIGKILL)
        processes["worker0"].wait()
        # Kill the chief once some rewards are in, then restart it with the same command.
        _wait_for(lambda: len(_log_trials(output_dir)) >= 3, 240, "3 rewards")
        processes["chief"].send_signal(signal.SIGKILL)
        processes["chief"].wait()
        before = _log(output_dir / search.LOG_FILE)
        processes["chief"] = search_processes.spawn_local(command, 0, port=port, env=env)["chief"]
        assert processes["chief"].wait(timeout=300) == 0
        assert processes["worker1"].wait(timeout=60) == 0
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
    entries = _log(output_dir / search.LOG_FILE)
    trials = [e["trial"] for e in entries]
    assert sorted(trials) == sorted(str(i) for i in range(max_trials))  # each exactly once
    assert entries[:len(before)] == before  # nothing recorded before the restart was lost
    assert all(t in trials for t in killed)
    assert {e["worker"] for e in entries if e["trial"] in killed} == {"worker1"}
    with np.load(output_dir / search.PROJECT_NAME / search.STATE_FILE) as stored:
        assert int(stored["controller/num_updates"]) == max_trials // 2
    assert len(list((output_dir / "top").glob("rank_*.json"))) == 2


_PARSE_SEARCH_FLAGFILES = """
import json, sys
from absl import flags
from agan.cli import search as cli
out = {}
for name in sys.argv[1:]:
    flags.FLAGS(["agan_search", "--flagfile=configs/agan/" + name, "--output_dir=unused"])
    config = cli.config_from_flags()
    config.validate()
    out[name] = dict(num_operations=config.num_operations, max_trials=config.max_trials,
                     rewards_per_update=config.rewards_per_update, steps=config.child.steps,
                     local_workers=flags.FLAGS.local_workers)
    flags.FLAGS.unparse_flags()
print(json.dumps(out))
"""


def test_the_search_flagfiles_parse_to_valid_configs():
    names = ["demo.flags", "paper.flags", "long.flags", "long_small_cells.flags"]
    process = subprocess.run([sys.executable, "-c", _PARSE_SEARCH_FLAGFILES, *names],
                             capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert process.returncode == 0, process.stderr[-2000:]
    configs = json.loads(process.stdout.strip().splitlines()[-1])
    assert configs["paper.flags"]["num_operations"] == 6
    assert configs["paper.flags"]["max_trials"] == 20000
    assert configs["paper.flags"]["rewards_per_update"] == 10
    assert configs["long.flags"]["num_operations"] == 6
    assert configs["long_small_cells.flags"] == dict(
        num_operations=3, max_trials=200, rewards_per_update=5, steps=120, local_workers=2)
