"""AGAN: reinforcement-learning neural architecture search for GANs."""
