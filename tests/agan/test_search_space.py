"""Tests for agan/search_space.py: vocabularies, Segment/Architecture validation and JSON."""
import json

import numpy as np
import pytest

from agan import search_space as ss


def test_vocabulary_sizes_match_the_paper():
    assert len(ss.NORMAL_OPERATIONS) == 16
    assert len(set(ss.NORMAL_OPERATIONS)) == 16
    assert len(ss.TRANSPOSED_CONVOLUTIONS) == 3
    assert len(ss.POOL_FIRST_CONVOLUTIONS) == len(ss.CONVOLUTIONS) == 9
    assert len(ss.VOCABULARIES[ss.DISCRIMINATOR_NORMAL]) == 16
    assert len(ss.VOCABULARIES[ss.GENERATOR_UP]) == 19
    assert len(ss.VOCABULARIES[ss.DISCRIMINATOR_DOWN]) == 25
    assert len(set(ss.ALL_OPERATIONS)) == len(ss.ALL_OPERATIONS) == 28


def test_figure_2_sequence_pads_are_stripped():
    segment = ss.Segment.from_sequence(
        ["conv_1x1", (1, 0, 0, 0), "max_pool_3x3", (0, 0, 0, 0), "sep_conv_3x3", (0, 1, 0, 1),
         "avg_pool_7x7"])
    assert segment.ops == ("conv_1x1", "max_pool_3x3", "sep_conv_3x3", "avg_pool_7x7")
    assert segment.adjacency == ((1, 0), (0, 0, 0), (0, 1, 0, 1))


def test_padding_that_selects_a_future_tensor_is_rejected():
    with pytest.raises(ss.ArchitectureError, match=r"adjacency\[0\]: selects tensor x3"):
        ss.Segment(["identity", "identity", "identity", "identity"],
                   [(1, 0, 0, 1), (0, 0, 0, 0), (0, 0, 0, 0)])


@pytest.mark.parametrize("ops, adjacency, message", [
    (["conv9x9"], [], r"seg\.ops\[0\]: unknown operation 'conv9x9'; known: identity, conv_1x1"),
    ([], [], r"seg\.ops: needs at least one operation"),
    (["identity", "identity"], [], r"seg\.adjacency: needs 1 vectors"),
    (["identity", "identity", "identity"], [(1, 0), (1, 0)],
     r"seg\.adjacency\[1\]: expected length 3"),
    (["identity", "identity"], [(1, 2)], r"seg\.adjacency\[0\]: entries must be 0 or 1"),
    (["identity", "identity"], ["10"], r"seg\.adjacency\[0\]: expected a list of 0/1"),
])
def test_segment_errors_name_the_entry(ops, adjacency, message):
    with pytest.raises(ss.ArchitectureError, match=message):
        ss.Segment(ops, adjacency, where="seg")


def test_json_round_trip_and_file(tmp_path):
    arch = ss.random_architecture(np.random.default_rng(3))
    obj = arch.to_json()
    assert obj["format"] == "agan-architecture" and obj["version"] == 1
    assert ss.Architecture.from_json(json.loads(json.dumps(obj))) == arch
    path = tmp_path / "sub" / "arch.json"
    arch.save(path)
    assert ss.Architecture.load(path) == arch
    assert [p.name for p in path.parent.iterdir()] == ["arch.json"]


def test_random_architecture_uses_each_segment_vocabulary():
    rng = np.random.default_rng(0)
    seen = {name: set() for name in ss.SEGMENT_NAMES}
    for _ in range(200):
        arch = ss.random_architecture(rng)
        for name, segment in arch.segments().items():
            assert segment.num_operations == ss.NUM_OPERATIONS
            assert [len(v) for v in segment.adjacency] == [2, 3, 4, 5, 6]
            seen[name].update(segment.ops)
    for name in ss.SEGMENT_NAMES:
        assert seen[name] == set(ss.VOCABULARIES[name])


def test_wrong_vocabulary_for_segment_is_rejected():
    obj = ss.random_architecture(0).to_json()
    obj["discriminator_down"]["ops"][3] = "deconv_3x3"
    with pytest.raises(ss.ArchitectureError,
                       match=r"^discriminator_down\.ops\[3\]: unknown operation 'deconv_3x3'"):
        ss.Architecture.from_json(obj)


@pytest.mark.parametrize("change, message", [
    (lambda o: o.update(format="other"), r"'format' must be 'agan-architecture'"),
    (lambda o: o.update(version=2), r"unsupported 'version' 2"),
    (lambda o: o.pop("generator_up"), r"missing segment 'generator_up'"),
    (lambda o: o.update(extra=1), r"unknown keys \['extra'\]"),
    (lambda o: o["discriminator_normal"].pop("adjacency"), r"discriminator_normal: expected"),
])
def test_architecture_json_errors(change, message):
    obj = ss.random_architecture(0).to_json()
    change(obj)
    with pytest.raises(ss.ArchitectureError, match=message):
        ss.Architecture.from_json(obj)


def test_load_names_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(ss.ArchitectureError, match=r"broken\.json: not valid JSON"):
        ss.Architecture.load(path)
    with pytest.raises(ss.ArchitectureError, match=r"missing\.json: cannot read"):
        ss.Architecture.load(tmp_path / "missing.json")
    obj = ss.random_architecture(0).to_json()
    obj["generator_up"]["ops"][0] = "conv9x9"
    path.write_text(json.dumps(obj))
    with pytest.raises(ss.ArchitectureError,
                       match=r"broken\.json: generator_up\.ops\[0\]: unknown operation 'conv9x9'"):
        ss.Architecture.load(path)


def test_builtin_baselines_load_and_text_form_round_trips(tmp_path):
    builtin = ss.builtin_architectures()
    assert set(builtin) == {"dcgan", "resnet"}
    for name, path in builtin.items():
        arch = ss.Architecture.load(path)
        assert "baseline" in arch.description, name
        copy = tmp_path / f"{name}.json"
        arch.save(copy)
        assert copy.read_text() == path.read_text()
        assert json.loads(copy.read_text()) == arch.to_json()


def test_a_module_holds_at_most_max_operations():
    rng = np.random.default_rng(0)
    vocabulary = ss.NORMAL_OPERATIONS
    assert ss.random_segment(rng, vocabulary, ss.MAX_OPERATIONS).num_operations == ss.MAX_OPERATIONS
    with pytest.raises(ss.ArchitectureError, match=(
            f"generator_up.ops: 2000 operations; a module holds at most {ss.MAX_OPERATIONS}")):
        ss.Segment([ss.IDENTITY] * 2000, [[1] * (i + 2) for i in range(1999)],
                   where="generator_up")


def test_json_nested_too_deeply_or_not_utf8_names_the_file(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ss.ArchitectureError, match=r"deep\.json: not an architecture: JSON nested "
                                                   r"too deeply"):
        ss.Architecture.load(path)
    path.write_bytes(b'{"description": "caf\xe9"}')
    with pytest.raises(ss.ArchitectureError, match=r"deep\.json: not UTF-8 text"):
        ss.Architecture.load(path)
    obj = ss.random_architecture(0).to_json()
    obj["generator_up"]["ops"][0] = json.loads("[" * 900 + "]" * 900)
    with pytest.raises(ss.ArchitectureError, match=r"unknown operation \[\[\[.*\.\.\..*\]; known"):
        ss.Architecture.from_json(obj)
