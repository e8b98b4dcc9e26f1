"""AGAN architecture search on keras-tuner: the controller as an Oracle, child GANs as trials.

`run(config, output_dir)` runs this process's part of a search: `ArchitectureTuner` is a
keras-tuner tuner whose trial evaluates one architecture (by default `ChildGanEvaluator`:
`agan.train.train`, section 4.2) and reports its Inception Score to the Oracle,
`agan.search_oracle.ControllerOracle` (the controller, REINFORCE, leases, the saved state).
One process does it all unless keras-tuner's variables give it a role: `agan.search_distributed`
(chief and workers over gRPC), `agan.search_processes` (a chief and workers on one machine).

Output folder of a search (the chief's, or the single process's):

    search_log.jsonl   one JSON line per rewarded trial (`agan.search_oracle.LOG_FIELDS`), in
                       reward order
    tensorboard/       the same trials in TensorBoard's HParams dashboard (`agan.search_tensorboard`)
    keras_tuner/       keras-tuner project: oracle_state.npz, trial_<id>/ (child GAN runs)
    top/, figures/, summary.json   written at the end by `agan.search_report`
"""
import contextlib
import dataclasses
import pathlib

from keras_tuner.engine import base_tuner

from agan import controller as controller_module
from agan import keras_tuner_internals, search_distributed, search_space, train
from agan.dataclass_flags import flag_field
from agan.search_distributed import ENV_ORACLE_IP, ENV_ORACLE_PORT, ENV_TUNER_ID, log
from agan.search_oracle import FID, OBJECTIVE, REAL_SCORE, ControllerOracle, architecture_of
from agan.search_processes import free_port, spawn_local, wait_all
from commandline import model_lock
from mobile.atomic import write_json_atomically

PROJECT_NAME = "keras_tuner"
LOG_FILE = "search_log.jsonl"

__all__ = [
    "FID", "LOG_FILE", "OBJECTIVE", "PROJECT_NAME", "REAL_SCORE", "ArchitectureTuner",
    "ChildGanEvaluator", "SearchConfig", "run",
    # What a launcher of the search's processes (agan.cli.search) needs, defined beside them:
    "ENV_ORACLE_IP", "ENV_ORACLE_PORT", "ENV_TUNER_ID", "free_port", "log", "spawn_local",
    "wait_all",
]


@dataclasses.dataclass
class SearchConfig:
    """Settings of one search. Defaults are the paper's (section 4.2) where it gives them.

    Each field with help is the agan_search flag of the same name (`seed`: --controller_seed).
    child: the `TrainConfig` of each child GAN (its `architecture` is replaced per trial).
    """

    child: train.TrainConfig = dataclasses.field(default_factory=train.TrainConfig)
    # Section 4.2: "an overall sample complexity of 20,000".
    max_trials: int = flag_field(
        20000, "Architectures to evaluate (paper: 20,000).", lower_bound=1)
    # Section 4.2: "The controller is updated whenever 10 rewards are collected".
    rewards_per_update: int = flag_field(
        10, "Rewards per controller update (paper: 10).", lower_bound=1)
    num_operations: int = flag_field(
        search_space.NUM_OPERATIONS,
        "Operations the controller samples per module (paper: 6). Fewer make smaller cells, "
        "cheaper children and a smaller policy to learn.", lower_bound=1,
        upper_bound=search_space.MAX_OPERATIONS)
    controller_learning_rate: float = flag_field(
        controller_module.LEARNING_RATE,
        "Adam learning rate of the controller (paper: 0.0006).", lower_bound=0.0)
    entropy_weight: float = flag_field(
        controller_module.ENTROPY_WEIGHT, "Entropy bonus (paper: 0.0001).", lower_bound=0.0)
    baseline_decay: float = flag_field(
        controller_module.BASELINE_DECAY,
        "Decay of the moving-average reward baseline (AutoGAN: 0.9).", lower_bound=0.0,
        upper_bound=1.0)
    is_min: float = controller_module.IS_MIN
    is_max: float | None = flag_field(
        None, "IS of the real data for the reward (paper: 11.24 on CIFAR-10 with the 2015 "
        "Inception). Default: the real-data IS each child reports under the same classifier.")
    lease_seconds: float = flag_field(
        1800.0, "A trial whose worker sends no heartbeat for this long is handed out again.",
        lower_bound=1.0)
    max_retries_per_trial: int = flag_field(
        2, "Retries of a trial whose child training raised an error.", lower_bound=0)
    max_consecutive_failures: int = 10
    idle_backoff_max_seconds: float = flag_field(
        10.0, "Longest wait of a worker between asks while the chief has no trial for it.",
        lower_bound=0.1)
    chief_patience_seconds: float = flag_field(
        900.0, "How long a worker keeps retrying while the chief is unreachable (e.g. "
        "restarting).", lower_bound=1.0)
    top_k: int = flag_field(5, "Best architectures written to top/.", lower_bound=1)
    seed: int = flag_field(
        0, "Seed of the controller's weights and sampling.", flag_name="controller_seed")

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
        if self.num_operations > search_space.MAX_OPERATIONS:
            raise ValueError(f"num_operations: a module holds at most "
                             f"{search_space.MAX_OPERATIONS} operations, got {self.num_operations}")
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


class ChildGanEvaluator:
    """Trains the child GAN of an architecture (`agan.train.train`) and returns its scores."""

    def __init__(self, train_config):
        self.train_config = train_config

    def __call__(self, architecture, trial_dir):
        """Returns {OBJECTIVE: IS mean, REAL_SCORE: real-data IS mean, FID: FID} of the child in
        `trial_dir/child` (an interrupted run there is resumed)."""
        config = dataclasses.replace(self.train_config, architecture=architecture)
        result = train.train(config, pathlib.Path(trial_dir) / "child", progress=False)
        return {OBJECTIVE: float(result["inception_score_mean"]),
                REAL_SCORE: float(result["real_inception_score_mean"]), FID: float(result["fid"])}


class ArchitectureTuner(base_tuner.BaseTuner):
    """A keras-tuner tuner whose trial evaluates the trial's architecture with `evaluate`.

    `evaluate(architecture, trial_dir) -> {OBJECTIVE: float, REAL_SCORE: float (optional), FID:
    float (optional)}`.
    """

    def __init__(self, oracle, evaluate, *, directory):
        super().__init__(oracle, hypermodel=None, directory=str(directory),
                         project_name=PROJECT_NAME)
        self.config = oracle.config
        self.evaluate = evaluate
        if isinstance(self.oracle, keras_tuner_internals.OracleClient):
            self.oracle = search_distributed.patient_client(oracle, self.config)

    def run_trial(self, trial):
        with search_distributed.Heartbeat(
                self.oracle, trial.trial_id, self.config.heartbeat_seconds):
            return self.evaluate(architecture_of(trial), self.get_trial_dir(trial.trial_id))

    def save(self):
        if not self._is_worker():
            self.oracle.save()
        write_json_atomically(self._get_tuner_fname(), self.get_state())

    def search(self):
        """Runs trials until the Oracle says STOPPED; on the chief, serves the Oracle instead."""
        if keras_tuner_internals.is_chief_oracle():
            self.save()
            search_distributed.serve(self.oracle)
            return
        super().search()


def run(config, output_dir, evaluate=None):
    """Runs this process's part of a search and returns the rewarded log entries (chief or single
    process; a worker returns []).

    The role comes from the keras-tuner environment (`agan.search_distributed`): none set means a
    single process that samples and evaluates itself. Running the same command again resumes.
    The chief (or the single process) holds `output_dir` while it runs (`commandline.model_lock`:
    a second chief there stops with an error naming the first). `evaluate` defaults to
    `ChildGanEvaluator(config.child)`; then a process that trains children first logs the reward's
    IS_max and the classifier's held-out accuracy.
    """
    config.validate()
    output_dir = pathlib.Path(output_dir)
    worker = (keras_tuner_internals.has_chief_oracle()
              and not keras_tuner_internals.is_chief_oracle())
    with contextlib.nullcontext() if worker else model_lock.hold(output_dir, "agan_search"):
        return _run_role(config, output_dir, evaluate, worker)


def _run_role(config, output_dir, evaluate, worker):
    """`run`'s work, for a worker when `worker`, else for the chief or the single process."""
    from agan import search_report, search_tensorboard

    output_dir.mkdir(parents=True, exist_ok=True)
    trains_children = evaluate is None and not keras_tuner_internals.is_chief_oracle()
    evaluate = evaluate or ChildGanEvaluator(config.child)
    oracle = ControllerOracle(config)
    if not worker:
        oracle.log_path = output_dir / LOG_FILE
    tuner = ArchitectureTuner(oracle, evaluate, directory=output_dir)  # a damaged state stops here
    if trains_children:
        log(train.scoring_reference(config.child).describe())
    if not worker:
        if not oracle.trials:
            oracle.rewrite_log()
            search_tensorboard.write_experiment(output_dir)
        tuner.save()  # from now on a restart reloads the state, even mid-way through trial 0
    tuner.search()
    if worker:
        return []
    entries = list(oracle.rewards.values())
    search_report.write_report(entries, oracle.history, output_dir, top_k=config.top_k)
    return entries
