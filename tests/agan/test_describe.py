"""Tests for agan/describe.py and the agan_describe command."""
import json
import subprocess
import sys

import numpy as np
import pytest
from absl import flags
from PIL import Image

from agan import describe
from agan import module_plan as m
from agan import search_space as ss
from agan.cli import describe as describe_cli
from commandline import BadInput

FIGURE_2 = ["conv_1x1", (1, 0, 0, 0), "max_pool_3x3", (0, 0, 0, 0), "sep_conv_3x3", (0, 1, 0, 1),
            "avg_pool_7x7"]


def test_module_graph_of_figure_2():
    plan = m.plan_module(ss.Segment.from_sequence(FIGURE_2), m.NORMAL)
    nodes, edges = describe.module_graph(plan)
    links = {(source, target) for source, target, _ in edges}
    assert links == {("prev", 1), (0, 2), (0, 3), (1, "sum4"), (3, "sum4"), ("sum4", 4),
                     (2, "concat"), (4, "concat"), ("concat", "projection"),
                     ("projection", "output")}
    assert nodes[4][2] == "avg pool 7x7" and nodes["sum4"][2] == "+"
    assert nodes[4][0] > nodes["sum4"][0] > nodes[3][0]  # left to right along the data flow
    positions = [tuple(node[:2]) for node in nodes.values()]
    assert len(set(positions)) == len(positions)


def test_labels_show_resampling_meanings():
    segment = ss.Segment(["identity", "pool_first_conv_3x3", "pool_first_conv_1x1"],
                         [(1, 0), (0, 0, 1)], vocabulary=ss.ALL_OPERATIONS)
    nodes, edges = describe.module_graph(m.plan_module(segment, m.DOWN, m.DOWN))
    assert nodes[1][2].startswith("identity \u2193")
    assert nodes[2][2] == "conv 3x3"  # consumed: normal meaning
    assert nodes[3][2] == "pool\u2193 then conv 1x1"  # loose end: down-samples first
    assert (1, "concat", "\u2193") in edges  # x1 loose after o0 matched h(i-1): pooled again


def test_draw_architecture_writes_a_png_atomically(tmp_path):
    path = tmp_path / "arch.png"
    describe.draw_architecture(ss.random_architecture(3), path, dpi=50)
    assert [p.name for p in tmp_path.iterdir()] == ["arch.png"]
    image = np.asarray(Image.open(path).convert("L"))
    assert image.shape[0] > 200 and image.shape[1] > 200
    assert (image < 128).mean() > 0.005  # something is drawn


def test_command_draws_a_builtin(tmp_path):
    output = tmp_path / "figures" / "resnet.png"
    done = subprocess.run(
        [sys.executable, "-m", "agan.cli.describe", "--architecture=resnet", f"--output={output}",
         "--dpi=40"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert Image.open(output).format == "PNG"


def _main_error(*args):
    """Runs agan_describe's main in-process; returns the message of the BadInput it raises."""
    try:
        flags.FLAGS(["agan_describe", *args])
        with pytest.raises(BadInput) as raised:
            describe_cli.main(["agan_describe"])
    finally:
        flags.FLAGS.unparse_flags()
    return str(raised.value)


def test_command_names_bad_architectures(tmp_path):
    broken = tmp_path / "broken.json"
    obj = ss.random_architecture(0).to_json()
    obj["discriminator_down"]["ops"][3] = "conv9x9"
    broken.write_text(json.dumps(obj))
    message = _main_error(f"--architecture={broken}", f"--output={tmp_path / 'x.png'}")
    assert "broken.json: discriminator_down.ops[3]: unknown operation 'conv9x9'" in message
    message = _main_error("--architecture=nope", f"--output={tmp_path / 'x.png'}")
    assert "no file 'nope' and no built-in architecture" in message
    assert "dcgan, resnet" in message
    message = _main_error("--architecture=dcgan", f"--output={tmp_path / 'x.jpg'}")
    assert "--output must end in .png" in message
    assert list(tmp_path.iterdir()) == [broken]
