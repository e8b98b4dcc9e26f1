"""Shared pytest settings: quiet TensorFlow logs, deterministic seeds, a scratch folder per test."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
