"""AGAN architecture search on keras-tuner: the controller as an Oracle, child GANs as trials.

`ControllerOracle` is a `keras_tuner.Oracle` whose policy is the AGAN controller (section 3.1). It
samples a new architecture whenever a worker asks, records each trial's reward exactly once (keyed
by trial id) and takes one REINFORCE step per `rewards_per_update` rewards (section 4.2: 10).
`ArchitectureTuner` is a `keras_tuner` tuner whose trial evaluates one architecture (by default
`ChildGanEvaluator`: `agan.train.train`, section 4.2) and reports its Inception Score.

Distributed mode is keras-tuner's: the process whose ``KERASTUNER_TUNER_ID`` contains "chief"
serves the Oracle over gRPC at ``KERASTUNER_ORACLE_IP:KERASTUNER_ORACLE_PORT``; every other process
with those variables is a worker. This module closes keras-tuner 1.4's known gaps (REFERENCE.md):

- Leases. Each handed-out trial holds a lease of `lease_seconds`, renewed by a heartbeat from the
  worker running it. A trial whose lease expires (its worker died) goes back to the queue and is
  handed out again; its worker is forgotten, so the chief never waits on it.
- Atomic, complete state. After every change the chief writes one file,
  ``<project>/oracle_state.npz`` (temporary file + os.replace), holding the trials, leases, rewards,
  pending rewards, controller weights, Adam slots, baseline and the sampler's random state. A
  restarted chief resumes from it; ongoing trials keep their workers (with fresh leases).
- No busy loop. Workers back off exponentially while the Oracle answers IDLE, and retry calls
  that fail because the chief is restarting.

Output folder of a search (the chief's, or the single process's):

    search_log.jsonl   one JSON line per rewarded trial (see `LOG_FIELDS`), in reward order
    keras_tuner/       keras-tuner project: oracle_state.npz, trial_<id>/ (child GAN runs)
    top/, figures/, summary.json   written at the end by `agan.search_report`
"""
import collections
import dataclasses
import json
import os
import pathlib
import sys
import threading
import time

import keras_tuner
import numpy as np
from keras_tuner.src.engine import base_tuner
from keras_tuner.src.engine import trial as trial_module

from agan import controller as controller_module
from agan import search_space, train
from mobile.atomic import atomic_output, write_json_atomically, write_text_atomically

ARCHITECTURE_KEY = "architecture"
OBJECTIVE = "inception_score"
REAL_SCORE = "real_inception_score"
HEARTBEAT = "lease_heartbeat"
PROJECT_NAME = "keras_tuner"
STATE_FILE = "oracle_state.npz"
LOG_FILE = "search_log.jsonl"
LOG_FIELDS = ("trial", "architecture", "inception_score", "real_inception_score", "reward",
              "worker", "time", "controller_updates")
ENV_TUNER_ID = "KERASTUNER_TUNER_ID"
ENV_ORACLE_IP = "KERASTUNER_ORACLE_IP"
ENV_ORACLE_PORT = "KERASTUNER_ORACLE_PORT"


def log(message):
    """One progress line on stderr, with the time and the process's tuner id."""
    who = os.environ.get(ENV_TUNER_ID, "search")
    print(f"{time.strftime('%H:%M:%S')} [{who}] {message}", file=sys.stderr, flush=True)


@dataclasses.dataclass
class SearchConfig:
    """Settings of one search. Defaults are the paper's (section 4.2) where it gives them.

    child: the `TrainConfig` of each child GAN (its `architecture` is replaced per trial).
    is_max: IS of the real data (reward shaping); None takes the real-data IS each trial reports,
      computed with the same classifier on the same data.
    lease_seconds: how long a trial stays with a worker without a heartbeat.
    idle_backoff_max_seconds: the longest wait of a worker between IDLE answers.
    chief_patience_seconds: how long a worker retries calls while the chief is unreachable.
    """

    child: train.TrainConfig = dataclasses.field(default_factory=train.TrainConfig)
    # Section 4.2: "an overall sample complexity of 20,000".
    max_trials: int = 20000
    # Section 4.2: "The controller is updated whenever 10 rewards are collected".
    rewards_per_update: int = 10
    num_operations: int = search_space.NUM_OPERATIONS
    controller_learning_rate: float = controller_module.LEARNING_RATE
    entropy_weight: float = controller_module.ENTROPY_WEIGHT
    baseline_decay: float = controller_module.BASELINE_DECAY
    is_min: float = controller_module.IS_MIN
    is_max: float | None = None
    lease_seconds: float = 1800.0
    max_retries_per_trial: int = 2
    max_consecutive_failures: int = 10
    idle_backoff_max_seconds: float = 10.0
    chief_patience_seconds: float = 900.0
    top_k: int = 5
    seed: int = 0

    def validate(self):
        """Raises ValueError naming the first setting out of range."""
        for name in ("max_trials", "rewards_per_update", "num_operations", "top_k",
                     "max_consecutive_failures"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: expected a positive integer, got {getattr(self, name)}")
        for name in ("lease_seconds", "idle_backoff_max_seconds", "chief_patience_seconds",
                     "controller_learning_rate"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}: expected > 0, got {getattr(self, name)}")
        if self.max_retries_per_trial < 0:
            raise ValueError(f"max_retries_per_trial: expected >= 0, got {self.max_retries_per_trial}")
        if self.is_max is not None and not self.is_max > self.is_min:
            raise ValueError(f"is_max ({self.is_max}) must exceed is_min ({self.is_min})")
        # Each trial sets the child's architecture; any one checks the other child settings.
        dataclasses.replace(self.child, architecture=search_space.random_architecture(0)).validate()

    @property
    def heartbeat_seconds(self):
        """Interval of a worker's lease heartbeats: a quarter of the lease."""
        return self.lease_seconds / 4


def architecture_of(trial):
    """The `Architecture` a trial evaluates (JSON text in its hyperparameter values)."""
    return search_space.Architecture.from_json(
        json.loads(trial.hyperparameters.values[ARCHITECTURE_KEY]))


class ControllerOracle(keras_tuner.Oracle):
    """The keras-tuner Oracle whose policy is the AGAN controller. See the module docstring.

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
        real = (trial.metrics.get_last_value(REAL_SCORE)
                if trial.metrics.exists(REAL_SCORE) else None)
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
        with np.load(path) as stored:
            state = json.loads(str(stored["state_json"]))
            controller_state = {k.split("/", 1)[1]: stored[k] for k in stored.files
                                if k.startswith("controller/")}
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
        self._rewrite_log()
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

    def _rewrite_log(self):
        """Makes the log exactly the recorded rewards (a crash may have cut the last append)."""
        if self.log_path is None:
            return
        write_text_atomically(self.log_path, "".join(
            json.dumps(entry, sort_keys=True) + "\n" for entry in self.rewards.values()))


class ChildGanEvaluator:
    """Trains the child GAN of an architecture (`agan.train.train`) and returns its scores."""

    def __init__(self, train_config):
        self.train_config = train_config

    def __call__(self, architecture, trial_dir):
        """Returns {OBJECTIVE: IS mean, REAL_SCORE: real-data IS mean} of the child in
        `trial_dir/child` (an interrupted run there is resumed)."""
        config = dataclasses.replace(self.train_config, architecture=architecture)
        result = train.train(config, pathlib.Path(trial_dir) / "child")
        return {OBJECTIVE: float(result["inception_score_mean"]),
                REAL_SCORE: float(result["real_inception_score_mean"])}


def _retrying_stub(stub, patience_seconds, max_delay):
    """Wraps a gRPC stub so that calls failing because the chief is unreachable are retried with
    exponential backoff for up to `patience_seconds`."""
    import grpc

    retry_codes = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)

    class RetryingStub:
        def __getattr__(self, name):
            method = getattr(stub, name)

            def call(request, **kwargs):
                kwargs["timeout"] = patience_seconds
                deadline = time.monotonic() + patience_seconds
                delay = 0.5
                while True:
                    try:
                        return method(request, **kwargs)
                    except grpc.RpcError as error:
                        if error.code() not in retry_codes or time.monotonic() > deadline:
                            raise
                        log(f"chief unreachable ({error.code().name}) on {name}; retrying")
                        time.sleep(delay)
                        delay = min(2 * delay, max_delay)
            return call

    return RetryingStub()


def _patient_client(oracle, config):
    """A keras-tuner `OracleClient` that retries while the chief restarts and backs off while
    the chief answers IDLE, instead of re-asking in a busy loop."""
    from keras_tuner.src.distribute import oracle_client

    class PatientOracleClient(oracle_client.OracleClient):
        def __init__(self):
            super().__init__(oracle)
            self.stub = _retrying_stub(self.stub, config.chief_patience_seconds,
                                       config.idle_backoff_max_seconds)

        def create_trial(self, tuner_id):
            delay = 0.25
            while True:
                trial = super().create_trial(tuner_id)
                if trial.status != trial_module.TrialStatus.IDLE:
                    return trial
                time.sleep(delay)
                delay = min(2 * delay, config.idle_backoff_max_seconds)

    return PatientOracleClient()


class _Heartbeat:
    """While active, renews the lease of `trial_id` every `interval` seconds from a thread."""

    def __init__(self, oracle, trial_id, interval):
        self.oracle, self.trial_id, self.interval = oracle, trial_id, interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop.wait(self.interval):
            try:
                self.oracle.update_trial(self.trial_id, {HEARTBEAT: 1.0})
            except Exception as error:  # a missed beat only shortens the lease; keep beating
                log(f"heartbeat of trial {self.trial_id} failed: {error}")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


class ArchitectureTuner(base_tuner.BaseTuner):
    """A keras-tuner tuner whose trial evaluates the trial's architecture with `evaluate`.

    `evaluate(architecture, trial_dir) -> {OBJECTIVE: float, REAL_SCORE: float (optional)}`.
    """

    def __init__(self, oracle, evaluate, *, directory):
        super().__init__(oracle, hypermodel=None, directory=str(directory),
                         project_name=PROJECT_NAME)
        from keras_tuner.src.distribute import oracle_client

        self.config = oracle.config
        self.evaluate = evaluate
        if isinstance(self.oracle, oracle_client.OracleClient):
            self.oracle = _patient_client(oracle, self.config)

    def run_trial(self, trial):
        with _Heartbeat(self.oracle, trial.trial_id, self.config.heartbeat_seconds):
            return self.evaluate(architecture_of(trial), self.get_trial_dir(trial.trial_id))

    def save(self):
        if not self._is_worker():
            self.oracle.save()
        write_json_atomically(self._get_tuner_fname(), self.get_state())

    def search(self):
        """Runs trials until the Oracle says STOPPED; on the chief, serves the Oracle instead."""
        from keras_tuner.src.distribute import utils as dist_utils

        if dist_utils.is_chief_oracle():
            self.save()
            serve(self.oracle)
            return
        super().search()


def serve(oracle, poll_seconds=0.5):
    """Serves `oracle` over gRPC at KERASTUNER_ORACLE_IP:PORT until the search is finished and
    every live worker was told to stop (or `idle_backoff_max_seconds` x 3 have passed)."""
    from concurrent import futures

    import grpc
    from keras_tuner.src import protos
    from keras_tuner.src.distribute import oracle_chief
    from tqdm import tqdm

    address = f"{os.environ[ENV_ORACLE_IP]}:{os.environ[ENV_ORACLE_PORT]}"
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    protos.get_service_grpc().add_OracleServicer_to_server(
        oracle_chief.OracleServicer(oracle), server)
    if server.add_insecure_port(address) == 0:
        raise OSError(f"{ENV_ORACLE_IP}/{ENV_ORACLE_PORT}: cannot listen on {address}")
    server.start()
    log(f"oracle serving on {address}")
    with tqdm(total=oracle.config.max_trials, initial=len(oracle.rewards), desc="search",
              unit="arch") as progress:
        while not oracle.search_finished():
            time.sleep(poll_seconds)
            oracle.expire_leases()
            if len(oracle.rewards) > progress.n:
                progress.update(len(oracle.rewards) - progress.n)
    deadline = time.monotonic() + 3 * oracle.config.idle_backoff_max_seconds
    while oracle.tuner_ids and time.monotonic() < deadline:
        time.sleep(poll_seconds)
    server.stop(grace=2).wait()
    log("search finished; oracle stopped")


def run(config, output_dir, evaluate=None):
    """Runs this process's part of a search and returns the rewarded log entries (chief or single
    process; a worker returns []).

    The role comes from the keras-tuner environment (module docstring): none set means a single
    process that samples and evaluates itself. Running the same command again resumes.
    `evaluate` defaults to `ChildGanEvaluator(config.child)`.
    """
    from keras_tuner.src.distribute import utils as dist_utils

    from agan import search_report

    config.validate()
    output_dir = pathlib.Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    evaluate = evaluate or ChildGanEvaluator(config.child)
    oracle = ControllerOracle(config)
    worker = dist_utils.has_chief_oracle() and not dist_utils.is_chief_oracle()
    if not worker:
        oracle.log_path = output_dir / LOG_FILE
    tuner = ArchitectureTuner(oracle, evaluate, directory=output_dir)
    if not worker:
        if not oracle.trials:
            oracle._rewrite_log()
        tuner.save()  # from now on a restart reloads the state, even mid-way through trial 0
    tuner.search()
    if worker:
        return []
    entries = list(oracle.rewards.values())
    search_report.write_report(entries, oracle.history, output_dir, top_k=config.top_k)
    return entries


def spawn_local(command, num_workers, *, port, host="127.0.0.1", env=None):
    """Starts a chief and `num_workers` workers of `command` (a list of argv) on one machine.

    Each process gets the keras-tuner variables; the chief's tuner id is "chief", the workers'
    "worker<i>". Returns {tuner id: subprocess.Popen}.
    """
    import subprocess

    processes = {}
    for tuner_id in ["chief"] + [f"worker{i}" for i in range(num_workers)]:
        process_env = dict(os.environ if env is None else env)
        process_env.update({ENV_TUNER_ID: tuner_id, ENV_ORACLE_IP: host,
                            ENV_ORACLE_PORT: str(port)})
        processes[tuner_id] = subprocess.Popen(command, env=process_env)
    return processes


def free_port(host="127.0.0.1"):
    """A TCP port on `host` that nothing listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_all(processes, poll_seconds=1.0):
    """Waits for every process of `spawn_local`; returns {tuner id: exit code}. If the chief
    fails, the workers are terminated."""
    codes = collections.OrderedDict()
    while len(codes) < len(processes):
        for tuner_id, process in processes.items():
            if tuner_id not in codes and process.poll() is not None:
                codes[tuner_id] = process.returncode
                if tuner_id == "chief" and process.returncode != 0:
                    for other in processes.values():
                        if other.poll() is None:
                            other.terminate()
        time.sleep(poll_seconds)
    return dict(codes)
