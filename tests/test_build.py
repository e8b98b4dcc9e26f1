"""BUILD stays complete: every module, command and test file has a Bazel target.

Bazel cannot fetch rules_python offline here, so this test reads BUILD as the Starlark (Python
syntax) it is and checks it against the tree and against setup.py's console scripts.
"""
import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ("agan", "commandline", "exposure", "export", "mobile")


def _targets():
    """Returns {rule name: [kwargs dict, ...]} for every rule call in BUILD."""
    tree = ast.parse((ROOT / "BUILD").read_text(), filename="BUILD")
    rules = {}
    for node in tree.body:
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            continue
        call = node.value
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
        rules.setdefault(call.func.id, []).append(kwargs)
    return rules


def _console_scripts():
    tree = ast.parse((ROOT / "setup.py").read_text(), filename="setup.py")
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "CONSOLE_SCRIPTS":
            scripts = {}
            for line in ast.literal_eval(node.value):
                name, target = (part.strip() for part in line.split("="))
                scripts[name] = target
            return scripts
    raise AssertionError("setup.py has no CONSOLE_SCRIPTS list")


def _srcs(rule):
    return {src for target in _targets().get(rule, []) for src in target.get("srcs", [])}


def _rel(path):
    return path.relative_to(ROOT).as_posix()


def test_build_parses_and_has_each_rule_kind():
    rules = _targets()
    for rule in ("py_library", "py_binary", "py_test"):
        assert rule in rules, f"BUILD has no {rule}"


def test_every_library_module_has_a_py_library():
    listed = _srcs("py_library")
    modules = [
        _rel(p)
        for package in PACKAGES
        for p in sorted((ROOT / package).rglob("*.py"))
        if "cli" not in p.relative_to(ROOT / package).parts or p.name == "__init__.py"
    ]
    missing = [m for m in modules if m not in listed]
    assert not missing, f"modules without a py_library in BUILD: {missing}"


def test_every_command_has_a_py_binary():
    binaries = {t["name"]: t for t in _targets().get("py_binary", [])}
    for name, target in _console_scripts().items():
        module = target.split(":")[0].replace(".", "/") + ".py"
        assert name in binaries, f"command {name} ({target}) has no py_binary in BUILD"
        assert binaries[name].get("main") == module, (
            f"py_binary {name}: main is {binaries[name].get('main')!r}, setup.py says {module!r}"
        )
        assert (ROOT / module).is_file(), f"command {name}: {module} does not exist"


def test_every_cli_module_is_a_command():
    mains = {t.get("main") for t in _targets().get("py_binary", [])}
    for package in PACKAGES:
        for path in sorted((ROOT / package).glob("cli/*.py")):
            if path.name != "__init__.py":
                assert _rel(path) in mains, f"{_rel(path)} has no py_binary in BUILD"


def test_every_test_file_has_a_py_test():
    listed = _srcs("py_test")
    missing = [_rel(p) for p in sorted((ROOT / "tests").rglob("test_*.py")) if _rel(p) not in listed]
    assert not missing, f"test files without a py_test in BUILD: {missing}"


def test_every_other_test_helper_is_listed():
    listed = _srcs("py_library") | _srcs("py_test")
    helpers = [
        _rel(p) for p in sorted((ROOT / "tests").rglob("*.py")) if not p.name.startswith("test_")
    ]
    missing = [h for h in helpers if h not in listed]
    assert not missing, f"test helpers without a target in BUILD: {missing}"


@pytest.mark.parametrize("rule", ["py_library", "py_binary", "py_test"])
def test_every_listed_file_exists(rule):
    missing = [src for src in _srcs(rule) if not (ROOT / src).is_file()]
    assert not missing, f"{rule} srcs that do not exist: {missing}"


def test_installed_packages_do_not_import_the_test_helpers():
    """setup.py installs only PACKAGES; `tests.helpers` (test and benchmark code) is not shipped,
    so no installed module may import it."""
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                offenders += [f"{_rel(path)}: {n}" for n in names if n.split(".")[0] == "tests"]
    assert not offenders, f"installed modules importing test code: {offenders}"
