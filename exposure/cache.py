"""On-disk cache of decoded arrays, keyed by file content and decode parameters.

Decoding a RAW file takes about a second; the training patches made from it are 300 KB. Entries
are .npy files named by a sha256 of (file content digest, decode parameters, format version), so
a renamed file still hits, an edited file misses, and changing any parameter misses.
"""
import hashlib
import json
import logging
import os
import pathlib

import numpy as np

from mobile.atomic import atomic_output

# Bump when the arrays produced for the same file and parameters change meaning.
# 2: exact area resize (1 used PIL BOX sampling); 3: large RAWs decoded at half size.
CACHE_FORMAT_VERSION = 3

_CHUNK_BYTES = 1 << 20


def default_cache_dir():
    """$XDG_CACHE_HOME/exposure, or ~/.cache/exposure when XDG_CACHE_HOME is unset or empty."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "exposure"


def file_digest(path):
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def cache_key(content_digest, **params):
    """Hex sha256 naming the array made from content `content_digest` with JSON-able `params`."""
    record = {"content": content_digest, "version": CACHE_FORMAT_VERSION, "params": params}
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


class ArrayCache:
    """A folder of .npy arrays by key. Unreadable entries count as missing, never as errors."""

    def __init__(self, directory=None):
        self.directory = pathlib.Path(directory) if directory else default_cache_dir()

    def path_for(self, key):
        return self.directory / f"{key}.npy"

    def load(self, key):
        """Returns the array stored under `key`, or None if absent or unreadable (logged)."""
        path = self.path_for(key)
        if not path.is_file():
            return None
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as e:
            logging.getLogger(__name__).warning("ignoring unreadable cache entry %s: %s", path, e)
            return None

    def save(self, key, array):
        """Stores `array` under `key` atomically, creating the cache folder if needed."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with atomic_output(self.path_for(key)) as tmp:
            np.save(tmp, np.asarray(array), allow_pickle=False)
