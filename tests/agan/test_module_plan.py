"""Tests for agan/module_plan.py: the module graph of AGAN section 3.2, without TensorFlow."""
import subprocess
import sys

import numpy as np

from agan import module_plan as m
from agan import search_space as ss

FIGURE_2 = ["conv_1x1", (1, 0, 0, 0), "max_pool_3x3", (0, 0, 0, 0), "sep_conv_3x3", (0, 1, 0, 1),
            "avg_pool_7x7"]


def test_figure_2_plan_matches_the_caption():
    plan = m.plan_module(ss.Segment.from_sequence(FIGURE_2), m.NORMAL)
    assert [(n.index, n.op, n.inputs) for n in plan.nodes] == [
        (0, None, ()),
        (1, "conv_1x1", ()),  # 1) conv 1x1 applied to prev
        (2, "max_pool_3x3", (0,)),  # 2) (1, 0, 0, 0) selects the input
        (3, "sep_conv_3x3", (0,)),  # 3) nothing selected: the input
        (4, "avg_pool_7x7", (1, 3)),  # 4) sum of tensors 1 and 3
    ]
    assert plan.loose_ends == (2, 4)  # 5) concatenate tensors 2 and 4
    assert set(plan.edges()) == {(m.PREV, 1), (0, 2), (0, 3), (1, 4), (3, 4), (2, "concat"),
                                 (4, "concat")}
    assert all(n.mode == m.NORMAL for n in plan.nodes) and not plan.resampled_loose_ends


def test_every_tensor_reaches_the_output_and_levels_match():
    rng = np.random.default_rng(0)
    for _ in range(300):
        arch = ss.random_architecture(rng)
        for segment, kind in ((arch.generator_up, m.UP), (arch.discriminator_down, m.DOWN),
                              (arch.discriminator_normal, m.NORMAL)):
            for previous in (None, m.UP if kind == m.UP else m.DOWN):
                plan = m.plan_module(segment, kind, previous)
                used = {j for node in plan.nodes for j in node.inputs} | set(plan.loose_ends)
                assert used == set(range(len(plan.nodes)))
                for node in plan.nodes[2:]:  # every sum adds tensors of one resolution
                    levels = {plan.nodes[j].level + (j in node.upsampled_inputs)
                              for j in node.inputs}
                    assert len(levels) == 1
                ends = {plan.nodes[j].level + {m.UP: 1, m.DOWN: -1}.get(
                    plan.resampled_loose_ends.get(j), 0) for j in plan.loose_ends}
                assert ends == {plan.output_level}


def test_plan_and_drawing_need_no_tensorflow():
    code = ("import sys, agan.module_plan, agan.describe, agan.cli.describe; "
            "sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0
