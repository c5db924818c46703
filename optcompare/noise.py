"""Reproducible, independent random streams for a batch of runs, without a loop.

Each run's randomness depends only on its own seed, the step and the coordinate:
a counter-based generator (the SplitMix64 finaliser, a well-studied 64-bit
mixing function) hashes (seed, stream, step, index) to 64 random bits.  So a run
gets the same noise whether it runs alone or inside a sweep of 6,000 runs, and
a whole batch draws its noise in one vectorized call.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijection of uint64 with good avalanche."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _bits(seeds: np.ndarray, stream: int, step: int, n: int) -> np.ndarray:
    """(runs, n) uint64 random words for each run's seed at one step."""
    with np.errstate(over="ignore"):
        key = _mix(
            np.asarray(seeds, dtype=np.int64).astype(np.uint64) * _GOLDEN + np.uint64(stream) * _M2
        )
        counter = np.uint64(step) * np.uint64(1 << 32) + np.arange(n, dtype=np.uint64)
        return _mix(_mix(key[:, None] ^ _mix(counter[None, :] + _GOLDEN)) + _GOLDEN)


def uniform(seeds: np.ndarray, step: int, n: int, stream: int = 0) -> np.ndarray:
    """(runs, n) uniform numbers in (0, 1), one independent stream per seed."""
    words = _bits(seeds, stream, step, n) >> np.uint64(11)  # keep 53 bits
    return (words.astype(np.float64) + 0.5) * (1.0 / 9007199254740992.0)


def normal(seeds: np.ndarray, step: int, n: int, stream: int = 0) -> np.ndarray:
    """(runs, n) standard normal numbers (Box-Muller), one stream per seed."""
    half = (n + 1) // 2
    u = uniform(seeds, step, 2 * half, stream)
    r = np.sqrt(-2.0 * np.log(u[:, :half]))
    theta = 2.0 * np.pi * u[:, half:]
    return np.concatenate([r * np.cos(theta), r * np.sin(theta)], axis=1)[:, :n]
