"""Tests for mobile/registry.py: the table's entries agree with themselves, and the GLSL of
`program.frag`, which repeats the pixel formulas, agrees with the table: one branch per filter
reading exactly its operator-parameter slots, and the same constants. (Filter ids and layout
constants against the shader: tests/mobile/test_manifest.py.)"""
import math
import re

import numpy as np
import pytest

from mobile import registry, shader_source
from mobile.parameters import CURVE_SEGMENTS


def _program_shader():
    return shader_source.load(shader_source.PROGRAM_SHADER)


def _apply_step_branches():
    """{filter id macro: GLSL text of its branch} from program.frag's `apply_step`."""
    source = _program_shader()
    body = source[source.index("vec3 apply_step("):source.index("void main()")]
    parts = re.split(r"if \(id == (FILTER_\w+)\)", body)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _slots_read(branch):
    """Operator-parameter slots a branch reads: `p` (= u_params[base], slots 0-3) by component
    (p.x, p.xyz) or whole, and u_params[base + i] whole (slots 4i .. 4i + 3)."""
    slots = set()
    for swizzle in re.findall(r"\bp\.([xyzw]+)", branch):
        slots |= {"xyzw".index(c) for c in swizzle}
    if re.search(r"\bp\b(?!\.)", branch):
        slots |= set(range(4))
    for i in re.findall(r"u_params\[base \+ (\d+)\]", branch):
        slots |= set(range(4 * int(i), 4 * int(i) + 4))
    return slots


def test_entries_are_consistent():
    ids = [spec.shader_id for spec in registry.FILTERS.values()]
    assert len(set(ids)) == len(ids)
    assert registry.FILTER_NAMES == tuple(registry.FILTERS)
    assert registry.DEFAULT_FILTERS == tuple(
        name for name, spec in registry.FILTERS.items() if spec.default)
    image = np.random.default_rng(0).random((4, 3)).astype(np.float32)
    for name, spec in registry.FILTERS.items():
        assert spec.name == name
        op = spec.from_raw(np.zeros(spec.num_raw), np)
        assert op.shape == (spec.num_op_params,)
        assert len(spec.op_param_names()) == len(spec.op_param_meanings()) == spec.num_op_params
        assert spec.operation(image, op, np).shape == image.shape


def test_shader_has_one_branch_per_filter_reading_its_slots():
    branches = _apply_step_branches()
    assert set(branches) == {f"FILTER_{name.upper()}" for name in registry.FILTERS}
    for name, spec in registry.FILTERS.items():
        assert _slots_read(branches[f"FILTER_{name.upper()}"]) == set(
            range(spec.num_op_params)), name


def test_shader_constants_equal_the_registry():
    source = _program_shader()
    floats = {m[1]: float(m[2]) for m in re.finditer(r"const float (\w+) = ([-+.\deE]+);", source)}
    for name in ("GAMMA_FLOOR", "SATURATION_GAIN", "GREY_TOLERANCE", "CONTRAST_EPSILON",
                 "LEVEL_EPSILON"):
        assert floats[name] == getattr(registry, name), name
    assert floats["PI"] == pytest.approx(math.pi, abs=1e-14)
    luminance = re.search(r"const vec3 LUMINANCE = vec3\(([^)]*)\);", source)[1]
    assert tuple(float(v) for v in luminance.split(",")) == registry.LUMINANCE_WEIGHTS
    knots = re.findall(r"const vec4 KNOTS_\w+ = vec4\(([^)]*)\) / ([\d.]+);", source)
    assert sorted(float(v) for values, _ in knots for v in values.split(",")) == list(
        range(CURVE_SEGMENTS))
    assert {float(divisor) for _, divisor in knots} == {CURVE_SEGMENTS}
