"""Commands of the mobile package (absl main per file)."""
import sys

from absl import app, flags


def run_main(main, module_name):
    """`app.run(main)` for the command defined in module `module_name`, with a `--help` that
    describes it: absl prints the main module's docstring and flags, and the main module of an
    installed console script is its generated wrapper, so the command module's docstring and key
    flags are lent to it."""
    for flag in flags.FLAGS.get_key_flags_for_module(module_name):
        flags.FLAGS.register_key_flag_for_module(sys.argv[0], flag)
    main_module = sys.modules["__main__"]
    if main_module.__name__ != module_name:
        main_module.__doc__ = sys.modules[module_name].__doc__
    app.run(main)
