"""The search's Oracle: each reward recorded once, controller updates per batch, leases that
reissue a dead worker's trial, and the saved state a restarted chief resumes from."""
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from agan import search, search_distributed, search_oracle, search_space
from tests.agan import search_fixtures

ROOT = pathlib.Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _oracle(tmp_path, clock, max_trials=6):
    oracle = search_oracle.ControllerOracle(
        search_fixtures.config(max_trials, lease_seconds=10.0), clock=clock)
    oracle._set_project_dir(str(tmp_path), search.PROJECT_NAME)
    oracle.log_path = tmp_path / search.LOG_FILE
    return oracle


def _finish(oracle, trial, score=None):
    """What a tuner does: report the objective, then end the trial as COMPLETED."""
    architecture = search_oracle.architecture_of(trial)
    score = search_fixtures.synthetic_score(architecture) if score is None else score
    oracle.update_trial(trial.trial_id, {search_oracle.OBJECTIVE: score,
                                         search_oracle.REAL_SCORE: search_fixtures.REAL_SCORE})
    trial.status = "COMPLETED"
    oracle.end_trial(trial)


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
    entries = search_fixtures.read_log(oracle.log_path)
    assert [e["trial"] for e in entries] == [a.trial_id, b.trial_id]
    assert entries[0]["inception_score"] == search_fixtures.synthetic_score(
        search_oracle.architecture_of(a))
    expected = (entries[0]["inception_score"] - 1) / (search_fixtures.REAL_SCORE
                                                      - entries[0]["inception_score"])
    assert entries[0]["reward"] == pytest.approx(expected)
    assert entries[0]["worker"] == "w0" and set(search_oracle.LOG_FIELDS) <= set(entries[0])
    assert search_space.Architecture.from_json(entries[1]["architecture"]) == \
        search_oracle.architecture_of(b)
    assert len(oracle.history) == 2 and oracle.history[1]["update"] == 1


def test_expired_lease_reissues_the_trial_and_the_first_result_wins(shared_oracle):
    oracle, clock, tmp_path = shared_oracle
    lost = oracle.create_trial("w0")
    kept = oracle.create_trial("w1")
    clock.now += 6.0
    oracle.update_trial(kept.trial_id, {search_distributed.HEARTBEAT: 1.0})  # w1 is alive
    clock.now += 6.0  # w0's lease (10 s) ran out, w1's was renewed
    reissued = oracle.create_trial("w2")
    assert reissued.trial_id == lost.trial_id
    assert "w0" not in oracle.tuner_ids and "w0" not in oracle.ongoing_trials
    assert oracle.leases[lost.trial_id][0] == "w2"
    _finish(oracle, reissued)
    _finish(oracle, lost)  # the presumed-dead worker reports late: ignored
    _finish(oracle, kept)
    trials = [e["trial"] for e in search_fixtures.read_log(oracle.log_path)]
    assert len(trials) == len(set(trials)) == 4
    assert int(oracle.controller.num_updates.numpy()) == 2


def test_state_is_saved_atomically_and_resumed(shared_oracle):
    oracle, clock, tmp_path = shared_oracle
    running = oracle.create_trial("w3")
    pending = oracle.create_trial("w4")
    _finish(oracle, pending)  # one reward waits for the next update
    state_file = tmp_path / search.PROJECT_NAME / search_oracle.STATE_FILE
    assert state_file.is_file()
    assert not [p for p in state_file.parent.iterdir() if p.name.startswith(".")]
    # A cut-off log append is repaired from the state on resume.
    lines = oracle.log_path.read_text().splitlines()
    oracle.log_path.write_text("\n".join(lines[:-1]) + "\n")

    resumed = _oracle(tmp_path, clock)
    resumed.reload()
    assert resumed.pending == oracle.pending == [pending.trial_id]
    assert list(resumed.rewards) == list(oracle.rewards)
    assert [e["trial"] for e in search_fixtures.read_log(resumed.log_path)] == list(oracle.rewards)
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
    other = search_oracle.ControllerOracle(
        search_fixtures.config(6, lease_seconds=10.0, num_operations=2), clock=clock)
    other._set_project_dir(str(tmp_path), search.PROJECT_NAME)
    with pytest.raises(ValueError, match="--num_operations than 2"):
        other.reload()


def test_agan_search_names_a_damaged_state_file(tmp_path):
    out = tmp_path / "search"
    tuner = search.ArchitectureTuner(
        search_oracle.ControllerOracle(search_fixtures.config(2)),
        search_fixtures.SyntheticEvaluator(), directory=out)
    tuner.save()  # the state a search writes before its first trial
    state = out / search.PROJECT_NAME / search_oracle.STATE_FILE
    state.write_bytes(state.read_bytes()[:200])
    result = subprocess.run(
        [sys.executable, "-m", "agan.cli.search", f"--output_dir={out}", "--max_trials=2"],
        capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"agan_search: error: {state}: the saved search state is damaged (BadZipFile" \
        in result.stderr
    assert "Traceback" not in result.stderr
