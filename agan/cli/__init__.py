"""Command-line entry points of agan: thin absl mains over the library.

Exit statuses, --help and the quieting of TensorFlow's start-up lines are commandline's; importing
it here, before any command module imports TensorFlow, is what makes the quieting work.
"""
import commandline  # noqa: F401
