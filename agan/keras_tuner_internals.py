"""The parts of keras-tuner the AGAN search needs that keras-tuner does not export publicly.

keras-tuner's public API (`keras_tuner`, `keras_tuner.engine.*`) has the Oracle, the tuner base
class and trials, but not its distributed mode: the gRPC client a worker's Oracle is replaced by,
the servicer the chief serves, and the tests of the KERASTUNER_* role variables. This module is
the only one that imports them from `keras_tuner.src`, whose layout may change in any release.
Tested with keras-tuner 1.4.8 (setup.py allows >=1.4.7,<1.5). On an upgrade, also check the
private members the search's Oracle and tuner subclasses use or override: Oracle._retry_queue,
._directory, ._project_dir, ._check_consecutive_failures; BaseTuner._is_worker, ._get_tuner_fname.
"""
from keras_tuner.src import protos
from keras_tuner.src.distribute.oracle_chief import OracleServicer
from keras_tuner.src.distribute.oracle_client import OracleClient
from keras_tuner.src.distribute.utils import has_chief_oracle, is_chief_oracle

__all__ = ["OracleClient", "add_oracle_servicer", "has_chief_oracle", "is_chief_oracle"]


def add_oracle_servicer(oracle, server):
    """Registers keras-tuner's Oracle gRPC service, answering for `oracle`, on `server`."""
    protos.get_service_grpc().add_OracleServicer_to_server(OracleServicer(oracle), server)
