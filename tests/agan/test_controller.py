"""The AGAN controller: action encoding, masking, log-probabilities, REINFORCE, state round trip."""
import numpy as np
import pytest

from agan import controller, search_space

# A synthetic reward that favours one operation per module.
TARGETS = {
    search_space.GENERATOR_UP: search_space.DECONV_3X3,
    search_space.DISCRIMINATOR_DOWN: "pool_first_conv_3x3",
    search_space.DISCRIMINATOR_NORMAL: search_space.CONV_3X3,
}
# A larger learning rate than the paper's 6e-4 so that the test converges in few updates.
TEST_LEARNING_RATE = 0.01
MAX_UPDATES = 150


@pytest.fixture(scope="module")
def policy():
    return controller.Controller(learning_rate=TEST_LEARNING_RATE, seed=3)


def test_samples_are_valid_architectures_that_round_trip(policy):
    architectures, log_probs = policy.sample(5)
    assert len(architectures) == 5 and log_probs.shape == (5,)
    assert np.all(log_probs < 0)
    for architecture in architectures:
        for name, segment in architecture.segments().items():
            assert segment.num_operations == search_space.NUM_OPERATIONS
            assert set(segment.ops) <= set(search_space.VOCABULARIES[name])
            assert [len(v) for v in segment.adjacency] == [2, 3, 4, 5, 6]
        # The JSON form parses back to the same architecture.
        assert search_space.Architecture.from_json(architecture.to_json()) == architecture
    ops, adjacency = policy.encode(architectures)
    assert ops.shape == (5, 3, 6) and adjacency.shape == (5, 3, 5, 6)
    assert policy.decode(ops, adjacency) == architectures
    # Scoring the sampled actions again gives the log-probabilities reported by sample().
    np.testing.assert_allclose(policy.log_probabilities(architectures), log_probs, atol=1e-4)


def test_entries_for_tensors_not_built_yet_are_masked(policy):
    architectures, _ = policy.sample(8)
    ops, adjacency = policy.encode(architectures)
    for k in range(5):
        assert not adjacency[:, :, k, k + 2:].any()
    # Setting masked entries changes neither the architecture nor its probability.
    flooded = adjacency.copy()
    for k in range(5):
        flooded[:, :, k, k + 2:] = 1
    assert policy.decode(ops, flooded) == architectures
    scored = policy._score_fn(ops, flooded)[2].numpy()
    np.testing.assert_allclose(scored, policy.log_probabilities(architectures), atol=1e-4)


def test_sampling_frequencies_match_the_reported_probabilities(policy):
    # o0 of the first segment has no earlier actions, so its distribution is context free.
    probabilities = policy.operation_probabilities(num_samples=8)
    first = probabilities[search_space.GENERATOR_UP][0]
    for name, p in probabilities.items():
        assert p.shape == (6, len(search_space.VOCABULARIES[name]))
        np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    # Logit clipping (section 4.2): no operation is more than exp(2 * 2.5) times likelier.
    assert first.max() / first.min() <= np.exp(2 * controller.OPERATION_LOGIT_CLIP) + 1e-3
    architectures, _ = policy.sample(3000)
    vocabulary = search_space.VOCABULARIES[search_space.GENERATOR_UP]
    counts = np.bincount([vocabulary.index(a.generator_up.ops[0]) for a in architectures],
                         minlength=len(vocabulary))
    np.testing.assert_allclose(counts / 3000, first, atol=0.025)


def test_reward_shaping_and_its_guard():
    assert controller.reward_from_inception_score(1.0, 11.24) == 0.0
    assert controller.reward_from_inception_score(6.0, 11.0) == pytest.approx(1.0)
    capped = controller.reward_from_inception_score(12.0, 11.0)
    assert np.isfinite(capped) and capped == pytest.approx(99.0)
    assert controller.reward_from_inception_score(0.5, 11.0) == 0.0
    with pytest.raises(ValueError, match="is_max"):
        controller.reward_from_inception_score(2.0, 1.0)


def test_state_round_trip_restores_weights_baseline_and_random_state(policy):
    architectures, _ = policy.sample(4)
    policy.update(architectures, [0.1, 0.2, 0.3, 0.4])
    state = policy.get_state()
    other = controller.Controller(learning_rate=TEST_LEARNING_RATE, seed=99)
    other.set_state(state)
    assert float(other.baseline.numpy()) == pytest.approx(0.25)
    assert other.sample(3)[0] == policy.sample(3)[0]
    broken = dict(state)
    broken.pop("rng_state")
    with pytest.raises(ValueError, match="rng_state"):
        other.set_state(broken)


def _target_probability(policy):
    probabilities = policy.operation_probabilities(num_samples=64)
    return float(np.mean([
        probabilities[name][:, search_space.VOCABULARIES[name].index(op)].mean()
        for name, op in TARGETS.items()]))


def test_reinforce_learns_to_favour_rewarded_operations(policy):
    def reward(architecture):
        return np.mean([op == TARGETS[name] for name, segment in architecture.segments().items()
                        for op in segment.ops])

    start = _target_probability(policy)
    assert start < 0.2
    for update in range(1, MAX_UPDATES + 1):
        architectures, _ = policy.sample(10)
        stats = policy.update(architectures, [reward(a) for a in architectures])
        if update % 10 == 0 and _target_probability(policy) > 0.8:
            break
    assert _target_probability(policy) > 0.8, f"after {update} updates"
    assert stats["entropy"] > 0
