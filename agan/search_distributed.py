"""How the processes of a distributed search know their role and keep in touch.

Roles are keras-tuner's: the process whose ``KERASTUNER_TUNER_ID`` contains "chief" serves the
Oracle over gRPC at ``KERASTUNER_ORACLE_IP:KERASTUNER_ORACLE_PORT`` (`serve`); every other process
with those variables is a worker, whose tuner talks to the chief through `patient_client` (retries
while the chief restarts, backs off while it answers IDLE) and renews the lease of the trial it
runs with a `Heartbeat`. `log` tags each progress line with the process's tuner id.
"""
import os
import sys
import threading
import time

from keras_tuner.engine import trial as trial_module

from agan import keras_tuner_internals

ENV_TUNER_ID = "KERASTUNER_TUNER_ID"
ENV_ORACLE_IP = "KERASTUNER_ORACLE_IP"
ENV_ORACLE_PORT = "KERASTUNER_ORACLE_PORT"
# The metric a worker's heartbeat reports; the Oracle renews the trial's lease and records nothing.
HEARTBEAT = "lease_heartbeat"


def log(message):
    """One progress line on stderr, with the time and the process's tuner id."""
    who = os.environ.get(ENV_TUNER_ID, "search")
    print(f"{time.strftime('%H:%M:%S')} [{who}] {message}", file=sys.stderr, flush=True)


def _retrying_stub(stub, patience_seconds, max_delay):
    """Wraps a gRPC stub so that calls failing because the chief is unreachable are retried with
    exponential backoff for up to `patience_seconds`; then a ConnectionError names the address."""
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
                        if error.code() not in retry_codes:
                            raise
                        if time.monotonic() > deadline:
                            address = (f"{os.environ.get(ENV_ORACLE_IP)}:"
                                       f"{os.environ.get(ENV_ORACLE_PORT)}")
                            raise ConnectionError(
                                f"no chief answered at {address} (--oracle_address) within "
                                f"{patience_seconds:g} s (--chief_patience_seconds, "
                                f"{error.code().name} on {name}); start the --role=chief "
                                f"process first") from None
                        log(f"chief unreachable ({error.code().name}) on {name}; retrying")
                        time.sleep(delay)
                        delay = min(2 * delay, max_delay)
            return call

    return RetryingStub()


def patient_client(oracle, config):
    """A keras-tuner `OracleClient` that retries while the chief restarts and backs off while
    the chief answers IDLE, instead of re-asking in a busy loop."""

    class PatientOracleClient(keras_tuner_internals.OracleClient):
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


class Heartbeat:
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


def serve(oracle, poll_seconds=0.5):
    """Serves `oracle` over gRPC at KERASTUNER_ORACLE_IP:PORT until the search is finished and
    every live worker was told to stop (or `idle_backoff_max_seconds` x 3 have passed)."""
    from concurrent import futures

    import grpc
    from tqdm import tqdm

    address = f"{os.environ[ENV_ORACLE_IP]}:{os.environ[ENV_ORACLE_PORT]}"
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    keras_tuner_internals.add_oracle_servicer(oracle, server)
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
