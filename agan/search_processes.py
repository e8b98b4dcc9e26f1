"""Local process management of a search: a chief and its workers as subprocesses of one machine."""
import collections
import os
import time

from agan.search_distributed import ENV_ORACLE_IP, ENV_ORACLE_PORT, ENV_TUNER_ID


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
