"""agan_describe: draws an architecture's three modules as graphs (AGAN Figure 6) into a PNG."""
import pathlib

from absl import flags

from agan import describe, search_space
from commandline import BadInput, check_usage, run_main

_ARCHITECTURE = flags.DEFINE_string(
    "architecture", None,
    "Architecture JSON file (format agan-architecture, version 1), or the name of a built-in "
    f"baseline: {', '.join(search_space.builtin_architectures())}.")
_OUTPUT = flags.DEFINE_string(
    "output", None, "PNG file to write (written atomically; its folder is created if needed).")
_DPI = flags.DEFINE_integer("dpi", 120, "Resolution of the PNG in dots per inch.", lower_bound=30)


def main(argv):
    check_usage(argv, _ARCHITECTURE, _OUTPUT)
    path = pathlib.Path(_ARCHITECTURE.value)
    builtin = search_space.builtin_architectures()
    if not path.exists():
        if _ARCHITECTURE.value not in builtin:
            raise BadInput(
                f"--architecture: no file {_ARCHITECTURE.value!r} and no built-in architecture "
                f"of that name (built-in: {', '.join(builtin)})")
        path = builtin[_ARCHITECTURE.value]
    output = pathlib.Path(_OUTPUT.value)
    if output.suffix.lower() != ".png":
        raise BadInput(f"--output must end in .png, got {_OUTPUT.value!r}")
    try:
        architecture = search_space.Architecture.load(path)
    except search_space.ArchitectureError as error:
        raise BadInput(f"--architecture: {error}") from error
    describe.draw_architecture(architecture, output, dpi=_DPI.value)
    print(f"wrote {output}")


def run():
    run_main(main, __name__)


if __name__ == "__main__":
    run()
