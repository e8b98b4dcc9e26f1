"""AGAN search: the real child-GAN tuner path at tiny size, a distributed run on loopback with a
worker killed mid-trial and the chief killed and restarted, and the search flagfiles."""
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np

from agan import search, search_oracle, search_processes, train
from tests.agan import search_fixtures

ROOT = pathlib.Path(__file__).resolve().parents[2]


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
    path = pathlib.Path(output_dir) / search.PROJECT_NAME / search_oracle.STATE_FILE
    try:
        with np.load(path) as stored:
            return json.loads(str(stored["state_json"]))["leases"]
    except (OSError, ValueError, KeyError):
        return {}


def _log_trials(output_dir):
    path = pathlib.Path(output_dir) / search.LOG_FILE
    return [e["trial"] for e in search_fixtures.read_log(path)] if path.is_file() else []


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
        before = search_fixtures.read_log(output_dir / search.LOG_FILE)
        processes["chief"] = search_processes.spawn_local(command, 0, port=port, env=env)["chief"]
        assert processes["chief"].wait(timeout=300) == 0
        assert processes["worker1"].wait(timeout=60) == 0
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
    entries = search_fixtures.read_log(output_dir / search.LOG_FILE)
    trials = [e["trial"] for e in entries]
    assert sorted(trials) == sorted(str(i) for i in range(max_trials))  # each exactly once
    assert entries[:len(before)] == before  # nothing recorded before the restart was lost
    assert all(t in trials for t in killed)
    assert {e["worker"] for e in entries if e["trial"] in killed} == {"worker1"}
    with np.load(output_dir / search.PROJECT_NAME / search_oracle.STATE_FILE) as stored:
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
