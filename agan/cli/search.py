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

from agan import dataclass_flags, search, search_report, search_space, train
from commandline import BadInput, check_usage, run_main

_TRAIN_FLAGS = dataclass_flags.define_flags(train.TrainConfig)  # the child GANs': agan_train's
_SEARCH_FLAGS = dataclass_flags.define_flags(search.SearchConfig)

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


def config_from_flags():
    """The SearchConfig the flags describe."""
    return _SEARCH_FLAGS.config(child=_TRAIN_FLAGS.config())


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
    # The classifier is trained and cached once, before the workers need it.
    search.log(train.scoring_reference(config.child).describe())
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
