"""The AGAN controller as a keras-tuner Oracle, and the saved state a restarted chief resumes from.

`ControllerOracle` is a `keras_tuner.Oracle` whose policy is the AGAN controller (section 3.1). It
samples a new architecture whenever a worker asks, records each trial's reward exactly once (keyed
by trial id) and takes one REINFORCE step per `rewards_per_update` rewards (section 4.2: 10).
Beyond keras-tuner 1.4's Oracle (docs/agan.md#conventions-of-the-field):

- Leases. Each handed-out trial holds a lease of `lease_seconds`, renewed by a heartbeat from the
  worker running it. A trial whose lease expires (its worker died) goes back to the queue and is
  handed out again; its worker is forgotten, so the chief never waits on it.
- Atomic, complete state. After every change the chief writes one file,
  ``<project>/oracle_state.npz`` (temporary file + os.replace), holding the trials, leases, rewards,
  pending rewards, controller weights, Adam slots, baseline and the sampler's random state. A
  restarted chief resumes from it; ongoing trials keep their workers (with fresh leases).
- The search log. Each reward is appended to `log_path` (one JSON line with `LOG_FIELDS`), which
  a resumed chief rewrites from the state, and written as a run of TensorBoard's HParams dashboard
  beside it (`agan.search_tensorboard`).
"""
import json
import os
import pathlib
import time
import zipfile

import keras_tuner
import numpy as np
from keras_tuner.engine import trial as trial_module

from agan import controller as controller_module
from agan import search_space, search_tensorboard
from agan.search_distributed import HEARTBEAT, log
from mobile.atomic import atomic_output, write_text_atomically

ARCHITECTURE_KEY = "architecture"
# The metrics a trial reports: the child's Inception Score, and that of the real data (is_max).
OBJECTIVE = "inception_score"
REAL_SCORE = "real_inception_score"
FID = "fid"  # optional: the child's FID, logged but not rewarded
STATE_FILE = "oracle_state.npz"
LOG_FIELDS = ("trial", "architecture", "inception_score", "real_inception_score", "fid",
              "reward", "worker", "time", "controller_updates")


def architecture_of(trial):
    """The `Architecture` a trial evaluates (JSON text in its hyperparameter values)."""
    return search_space.Architecture.from_json(
        json.loads(trial.hyperparameters.values[ARCHITECTURE_KEY]))


class ControllerOracle(keras_tuner.Oracle):
    """The keras-tuner Oracle whose policy is the AGAN controller (see the module docstring).

    `clock` (seconds, wall time) is injectable for tests of lease expiry.
    """

    def __init__(self, config, *, clock=time.time):
        config.validate()
        super().__init__(
            objective=keras_tuner.Objective(OBJECTIVE, direction="max"),
            max_trials=config.max_trials, seed=config.seed + 1,
            max_retries_per_trial=config.max_retries_per_trial,
            max_consecutive_failed_trials=config.max_consecutive_failures)
        self.config = config
        self.clock = clock
        self.verbose = 0
        self._controller = None
        # trial_id -> [tuner_id, lease deadline in `clock` seconds]
        self.leases = {}
        # trial_id -> log entry (dict with LOG_FIELDS), in reward order
        self.rewards = {}
        # trial_id -> the tuner id it was last handed to
        self.workers = {}
        # trial ids whose rewards wait for the next controller update
        self.pending = []
        # One entry per controller update (and the initial policy): update, rewards, statistics
        # and each segment's operation distribution (averaged over the module's positions).
        self.history = []
        self.aborted = None
        self.log_path = None
        self._ending_worker = None

    @property
    def controller(self):
        """The `agan.controller.Controller`, built on first use (workers never build it)."""
        if self._controller is None:
            self._controller = controller_module.Controller(
                num_operations=self.config.num_operations,
                learning_rate=self.config.controller_learning_rate,
                entropy_weight=self.config.entropy_weight,
                baseline_decay=self.config.baseline_decay, seed=self.config.seed)
        return self._controller

    # ------------------------------------------------------------------ trial life cycle

    def populate_space(self, trial_id):
        if not self.history:
            self._record_policy({})
        (architecture,), _ = self.controller.sample(1)
        return {"status": "RUNNING",
                "values": {ARCHITECTURE_KEY: json.dumps(architecture.to_json(), sort_keys=True)}}

    @keras_tuner.synchronized
    def create_trial(self, tuner_id):
        """A RUNNING trial (a reissued one first, else a new sample), IDLE while the last trials
        are still leased to other workers, or STOPPED when the search is over."""
        self._expire_leases()
        now = self.clock()
        if tuner_id in self.ongoing_trials:
            trial = self.ongoing_trials[tuner_id]
            self.leases[trial.trial_id] = [tuner_id, now + self.config.lease_seconds]
            return trial
        if self.aborted is None and (self._retry_queue
                                     or len(self.trials) < self.config.max_trials):
            trial = super().create_trial(tuner_id)
            if trial.status == trial_module.TrialStatus.RUNNING:
                # Sampling may have taken a while (the controller's first trace): lease from now.
                self.leases[trial.trial_id] = [tuner_id, self.clock() + self.config.lease_seconds]
                self.workers[trial.trial_id] = tuner_id
                self.save()
                log(f"trial {trial.trial_id} -> {tuner_id}")
            return trial
        if self.aborted is None and self.ongoing_trials:
            self.tuner_ids.add(tuner_id)
            return trial_module.Trial(self.get_space(), status=trial_module.TrialStatus.IDLE)
        self.tuner_ids.discard(tuner_id)
        return trial_module.Trial(self.get_space(), status=trial_module.TrialStatus.STOPPED)

    @keras_tuner.synchronized
    def update_trial(self, trial_id, metrics, step=0):
        """Records a trial's metrics once; a `HEARTBEAT` metric only renews the trial's lease.

        Metrics of a trial that already has its objective, or of an unknown trial, are ignored.
        """
        trial = self.trials.get(trial_id)
        if trial is None:
            log(f"ignoring a report for unknown trial {trial_id}")
            return trial_module.Trial(self.get_space(), trial_id=trial_id, status="STOPPED")
        if HEARTBEAT in metrics:
            if trial_id in self.leases:
                self.leases[trial_id][1] = self.clock() + self.config.lease_seconds
            return trial
        if trial.metrics.exists(OBJECTIVE):
            return trial
        trial = super().update_trial(trial_id, metrics, step=step)
        self.save()
        return trial

    @keras_tuner.synchronized
    def end_trial(self, trial):
        """Ends a trial once: the first COMPLETED report of a trial id is rewarded; later reports
        of the same id (a reissued trial finishing twice, a retried call) are ignored."""
        if trial.trial_id not in self.trials or trial.trial_id in self.end_order:
            log(f"ignoring a repeated or unknown end of trial {trial.trial_id}")
            self._forget_ongoing(trial.trial_id)
            return
        if trial.trial_id in self._retry_queue:
            # Its lease had expired, but the original worker finished after all.
            self._retry_queue.remove(trial.trial_id)
        self.leases.pop(trial.trial_id, None)
        holder = self.workers.get(trial.trial_id)
        self._ending_worker = holder
        super().end_trial(trial)
        self._forget_ongoing(trial.trial_id)
        self.save()
        status = self.trials[trial.trial_id].status
        if trial.trial_id in self.rewards:
            entry = self.rewards[trial.trial_id]
            self._append_log(entry)
            if self.log_path is not None:
                search_tensorboard.write_trial(self.log_path.parent, entry)
            log(f"trial {trial.trial_id} ({holder}): IS {entry['inception_score']:.3f}, "
                f"reward {entry['reward']:.3f}; {len(self.rewards)}/{self.config.max_trials} "
                f"rewarded, {int(self.controller.num_updates.numpy())} controller updates")
        elif status == trial_module.TrialStatus.INVALID:
            # Sent for retry: it needs a new holder.
            log(f"trial {trial.trial_id} ({holder}) failed; it will be retried")
        else:
            log(f"trial {trial.trial_id} ({holder}) ended {status}: "
                f"{(self.trials[trial.trial_id].message or '').strip()[-300:]}")

    def _forget_ongoing(self, trial_id):
        for tuner_id, ongoing in list(self.ongoing_trials.items()):
            if ongoing.trial_id == trial_id:
                del self.ongoing_trials[tuner_id]

    def score_trial(self, trial):
        """Scores a completed trial and records its reward before the state is saved."""
        super().score_trial(trial)
        if trial.score is None:
            trial.score = float("nan")  # no objective reported: INVALID, retried
        if not np.isfinite(trial.score):
            return
        real, fid = (trial.metrics.get_last_value(name) if trial.metrics.exists(name) else None
                     for name in (REAL_SCORE, FID))
        is_max = self.config.is_max if self.config.is_max is not None else real
        if is_max is None:
            raise ValueError(f"trial {trial.trial_id}: no is_max configured and no "
                             f"{REAL_SCORE!r} reported")
        reward = controller_module.reward_from_inception_score(
            trial.score, is_max, self.config.is_min)
        self.pending.append(trial.trial_id)
        self.rewards[trial.trial_id] = {
            "trial": trial.trial_id,
            "architecture": json.loads(trial.hyperparameters.values[ARCHITECTURE_KEY]),
            "inception_score": float(trial.score),
            "real_inception_score": None if real is None else float(real),
            "fid": None if fid is None else float(fid),
            "reward": float(reward),
            "worker": getattr(self, "_ending_worker", None),
            "time": time.time(),
            "controller_updates": int(self.controller.num_updates.numpy()),
        }
        if len(self.pending) >= self.config.rewards_per_update:
            batch = self.pending[:self.config.rewards_per_update]
            self.pending = self.pending[self.config.rewards_per_update:]
            stats = self.controller.update(
                [search_space.Architecture.from_json(self.rewards[t]["architecture"])
                 for t in batch],
                [self.rewards[t]["reward"] for t in batch])
            self._record_policy(stats)
            log(f"controller update {len(self.history) - 1}: mean reward "
                f"{stats['mean_reward']:.3f}, baseline {stats['baseline']:.3f}")

    def _record_policy(self, stats):
        probabilities = self.controller.operation_probabilities()
        self.history.append({
            "update": int(self.controller.num_updates.numpy()),
            "rewards": len(self.rewards),
            **stats,
            "operations": {name: p.mean(axis=0).tolist() for name, p in probabilities.items()},
        })

    def _check_consecutive_failures(self):
        try:
            super()._check_consecutive_failures()
        except RuntimeError as error:
            self.aborted = str(error)
            log(f"stopping the search: {error}")

    @keras_tuner.synchronized
    def expire_leases(self):
        """Returns to the queue every trial whose lease ran out; its worker is forgotten."""
        self._expire_leases()

    def _expire_leases(self):
        now = self.clock()
        expired = [(t, holder) for t, (holder, deadline) in self.leases.items() if deadline < now]
        for trial_id, holder in expired:
            del self.leases[trial_id]
            if self.ongoing_trials.get(holder) is not None and \
                    self.ongoing_trials[holder].trial_id == trial_id:
                del self.ongoing_trials[holder]
            self.tuner_ids.discard(holder)
            self._retry_queue.append(trial_id)
            log(f"lease of trial {trial_id} ({holder}) expired; it will be handed out again")
        if expired:
            self.save()

    @keras_tuner.synchronized
    def search_finished(self):
        """True when every trial is ended and no more will be created (or the search aborted)."""
        if self.aborted is not None:
            return True
        return (len(self.trials) >= self.config.max_trials and not self.ongoing_trials
                and not self._retry_queue)

    # ------------------------------------------------------------------ state

    def _state_path(self):
        return pathlib.Path(self._project_dir) / STATE_FILE

    def save(self):
        """Writes the whole oracle and controller state to `STATE_FILE` atomically."""
        if self._directory is None:
            return
        state = {
            "oracle": self.get_state(),
            "trials": {tid: trial.get_state() for tid, trial in self.trials.items()},
            "leases": self.leases,
            "workers": self.workers,
            "rewards": list(self.rewards.values()),
            "pending": self.pending,
            "history": self.history,
            "aborted": self.aborted,
            "tuner_ids": sorted(self.tuner_ids),
        }
        arrays = {f"controller/{k}": v for k, v in self.controller.get_state().items()}
        path = self._state_path()
        with atomic_output(path, make_folder=True) as temporary:
            with open(temporary, "wb") as handle:
                np.savez(handle, state_json=np.array(json.dumps(state)), **arrays)

    def reload(self):
        """Restores `save()`'s state; ongoing trials keep their workers with fresh leases."""
        path = self._state_path()
        if not path.is_file():
            return
        try:
            with np.load(path) as stored:
                state = json.loads(str(stored["state_json"]))
                controller_state = {k.split("/", 1)[1]: stored[k] for k in stored.files
                                    if k.startswith("controller/")}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            raise ValueError(
                f"{path}: the saved search state is damaged ({type(error).__name__}: {error}); "
                f"restore it from a copy, or move it away to start the search afresh") from error
        self.trials = {}
        for trial_id, trial_state in state["trials"].items():
            trial = trial_module.Trial(self.get_space())
            trial.set_state(trial_state)
            self.trials[trial_id] = trial
        self.set_state(state["oracle"])
        for trial_id in self.end_order:  # ended, but saved before keras-tuner let go of it
            self._forget_ongoing(trial_id)
        try:
            self.controller.set_state(controller_state)
        except ValueError as error:
            raise ValueError(
                f"{path}: the saved controller does not fit this search ({error}); was it started "
                f"with another --num_operations than {self.config.num_operations}?") from error
        now = self.clock()
        self.leases = {t: [holder, now + self.config.lease_seconds]
                       for t, (holder, _) in state["leases"].items()}
        self.workers = dict(state["workers"])
        self.rewards = {entry["trial"]: entry for entry in state["rewards"]}
        self.pending = list(state["pending"])
        self.history = list(state["history"])
        self.aborted = state["aborted"]
        self.tuner_ids = set(state["tuner_ids"])
        self.rewrite_log()
        log(f"resumed: {len(self.trials)} trials, {len(self.rewards)} rewarded, "
            f"{len(self.ongoing_trials)} running, {len(self.pending)} rewards pending")

    def _append_log(self, entry):
        if self.log_path is None:
            return
        line = (json.dumps(entry, sort_keys=True) + "\n").encode("utf-8")
        descriptor = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, line)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def rewrite_log(self):
        """Makes the log exactly the recorded rewards (a crash may have cut the last append)."""
        if self.log_path is None:
            return
        write_text_atomically(self.log_path, "".join(
            json.dumps(entry, sort_keys=True) + "\n" for entry in self.rewards.values()))
