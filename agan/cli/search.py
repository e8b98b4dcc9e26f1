"""agan_search: AGAN architecture search (controller + REINFORCE) with keras-tuner.

One process by default. --local_workers=N runs a chief and N workers on this machine (loopback
gRPC). For several machines start one --role=chief and any number of --role=worker processes with
the same flags and --oracle_address=HOST:PORT of the chief. Running the same command again resumes
the search in --output_dir. Child GAN flags are agan_train's.
"""
import os
import socket
import sys

from absl import app, flags

from agan import search, search_report, search_space, train, train_flags
from commandline import BadInput, check_usage, run_main

flags.adopt_module_key_flags(train_flags)  # agan_search --help lists the child-GAN flags too

_DEFAULTS = search.SearchConfig()

_OUTPUT_DIR = flags.DEFINE_string(
    "output_dir", None,
    "Folder of the search: search_log.jsonl, top/, figures/, keras_tuner/ (state and children). "
    "An existing search there is resumed.")
_LOCAL_WORKERS = flags.DEFINE_integer(
    "local_workers", 0,
    "Run a chief and this many worker processes on this machine (0: one process does it all).",
    lower_bound=0)
_ROLE = flags.DEFINE_enum(
    "role", None, ["chief", "worker"],
    "Multi-machine use: this process is the chief (serves the controller) or a worker (trains "
    "children). Needs --oracle_address. Unset: single process or --local_workers.")
_ORACLE_ADDRESS = flags.DEFINE_string(
    "oracle_address", None,
    "HOST:PORT where the chief listens (--role=chief: the address to bind, e.g. 0.0.0.0:8000).")
_TUNER_ID = flags.DEFINE_string(
    "tuner_id", None, "Name of this worker in logs (default: worker-<host>-<pid>).")
_MAX_TRIALS = flags.DEFINE_integer(
    "max_trials", _DEFAULTS.max_trials, "Architectures to evaluate (paper: 20,000).",
    lower_bound=1)
_NUM_OPERATIONS = flags.DEFINE_integer(
    "num_operations", _DEFAULTS.num_operations,
    "Operations the controller samples per module (paper: 6). Fewer make smaller cells, cheaper "
    "children and a smaller policy to learn.", lower_bound=1)
_REWARDS_PER_UPDATE = flags.DEFINE_integer(
    "rewards_per_update", _DEFAULTS.rewards_per_update,
    "Rewards per controller update (paper: 10).", lower_bound=1)
_CONTROLLER_LR = flags.DEFINE_float(
    "controller_learning_rate", _DEFAULTS.controller_learning_rate,
    "Adam learning rate of the controller (paper: 0.0006).", lower_bound=0.0)
_ENTROPY_WEIGHT = flags.DEFINE_float(
    "entropy_weight", _DEFAULTS.entropy_weight, "Entropy bonus (paper: 0.0001).", lower_bound=0.0)
_BASELINE_DECAY = flags.DEFINE_float(
    "baseline_decay", _DEFAULTS.baseline_decay,
    "Decay of the moving-average reward baseline (AutoGAN: 0.9).", lower_bound=0.0,
    upper_bound=1.0)
_IS_MAX = flags.DEFINE_float(
    "is_max", None,
    "IS of the real data for the reward (paper: 11.24 on CIFAR-10 with the 2015 Inception). "
    "Default: the real-data IS each child reports under the same classifier.")
_LEASE_SECONDS = flags.DEFINE_float(
    "lease_seconds", _DEFAULTS.lease_seconds,
    "A trial whose worker sends no heartbeat for this long is handed out again.", lower_bound=1.0)
_MAX_RETRIES = flags.DEFINE_integer(
    "max_retries_per_trial", _DEFAULTS.max_retries_per_trial,
    "Retries of a trial whose child training raised an error.", lower_bound=0)
_TOP_K = flags.DEFINE_integer(
    "top_k", _DEFAULTS.top_k, "Best architectures written to top/.", lower_bound=1)
_CONTROLLER_SEED = flags.DEFINE_integer(
    "controller_seed", _DEFAULTS.seed, "Seed of the controller's weights and sampling.")
_IDLE_BACKOFF = flags.DEFINE_float(
    "idle_backoff_max_seconds", _DEFAULTS.idle_backoff_max_seconds,
    "Longest wait of a worker between asks while the chief has no trial for it.",
    lower_bound=0.1)
_CHIEF_PATIENCE = flags.DEFINE_float(
    "chief_patience_seconds", _DEFAULTS.chief_patience_seconds,
    "How long a worker keeps retrying while the chief is unreachable (e.g. restarting).",
    lower_bound=1.0)


def config_from_flags():
    """The SearchConfig the flags describe."""
    return search.SearchConfig(
        child=train_flags.config_from_flags(), max_trials=_MAX_TRIALS.value,
        num_operations=_NUM_OPERATIONS.value, rewards_per_update=_REWARDS_PER_UPDATE.value,
        controller_learning_rate=_CONTROLLER_LR.value, entropy_weight=_ENTROPY_WEIGHT.value,
        baseline_decay=_BASELINE_DECAY.value, is_max=_IS_MAX.value,
        lease_seconds=_LEASE_SECONDS.value, max_retries_per_trial=_MAX_RETRIES.value,
        top_k=_TOP_K.value, seed=_CONTROLLER_SEED.value,
        idle_backoff_max_seconds=_IDLE_BACKOFF.value,
        chief_patience_seconds=_CHIEF_PATIENCE.value,
    )


def _set_role_environment():
    """Sets keras-tuner's variables from --role/--oracle_address/--tuner_id."""
    if _ORACLE_ADDRESS.value is None or ":" not in _ORACLE_ADDRESS.value:
        raise app.UsageError(
            f"--oracle_address: --role={_ROLE.value} needs HOST:PORT, got {_ORACLE_ADDRESS.value!r}")
    host, port = _ORACLE_ADDRESS.value.rsplit(":", 1)
    if not port.isdigit():
        raise app.UsageError(f"--oracle_address: port must be a number, got {port!r}")
    tuner_id = "chief" if _ROLE.value == "chief" else (
        _TUNER_ID.value or f"worker-{socket.gethostname()}-{os.getpid()}")
    if _ROLE.value == "worker" and "chief" in tuner_id:
        raise app.UsageError(f"--tuner_id: a worker's id must not contain 'chief', got {tuner_id!r}")
    os.environ.update({search.ENV_ORACLE_IP: host, search.ENV_ORACLE_PORT: port,
                       search.ENV_TUNER_ID: tuner_id})


def _run_local_workers(config):
    """Starts the chief and --local_workers workers as subprocesses; returns an exit status."""
    train.make_classifier(config.child)  # trained and cached once, before the workers need it
    port = search.free_port()
    command = [sys.executable, "-m", "agan.cli.search", *sys.argv[1:], "--local_workers=0"]
    search.log(f"starting a chief and {_LOCAL_WORKERS.value} workers on 127.0.0.1:{port}")
    codes = search.wait_all(search.spawn_local(command, _LOCAL_WORKERS.value, port=port))
    failed = {name: code for name, code in codes.items() if code != 0}
    if failed:
        print(f"agan_search: error: processes failed (exit codes): {failed}", file=sys.stderr)
        return 1
    return 0


def main(argv):
    check_usage(argv, _OUTPUT_DIR)
    try:
        config = config_from_flags()
        config.validate()
    except ValueError as error:
        raise BadInput(error) from error
    if _LOCAL_WORKERS.value:
        if _ROLE.value:
            raise app.UsageError("--local_workers and --role exclude each other")
        return _run_local_workers(config)
    if _ROLE.value:
        _set_role_environment()
    try:
        entries = search.run(config, _OUTPUT_DIR.value)
    except (search_space.ArchitectureError, FileNotFoundError, ValueError, OSError) as error:
        raise BadInput(error) from error
    if entries:
        best = max(entries, key=lambda e: e["inception_score"])
        mean = sum(e["reward"] for e in entries) / len(entries)
        print(f"{len(entries)} architectures rewarded; best IS {best['inception_score']:.3f} "
              f"(trial {best['trial']}), mean reward {mean:.3f}; outputs in {_OUTPUT_DIR.value}")
        print(f"per block of {search_report.BLOCK_SIZE} trials (summary.json):")
        print(search_report.format_blocks(search_report.block_means(entries)))
        print(search_report.format_trend(search_report.reward_trend(entries)))
    return 0


def run():
    run_main(main, __name__)


if __name__ == "__main__":
    run()
