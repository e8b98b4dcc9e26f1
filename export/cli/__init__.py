"""Commands of the export package (absl `main(argv)` + `run()`).

Exit statuses, --help and the quieting of TensorFlow's start-up lines are commandline's; importing
it here, before the command module imports TensorFlow, is what makes the quieting work.
"""
import commandline  # noqa: F401
