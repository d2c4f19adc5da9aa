"""The learned part of the coach: one logistic regression per flag, over features.read.

Trained by train.py on the project's labelled cases (cases/*.jsonl) and stored as plain
arrays (model/heads.npz) with their thresholds and cross-validated scores (model/heads.json).
Numpy only: no learning library at run time or for training.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from imago.coach.model import HERE

ARRAYS = HERE / "heads.npz"
META = HERE / "heads.json"


@dataclass
class Head:
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float

    def probability(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.weights + self.bias
        result: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        return result


def fit(
    x: np.ndarray, y: np.ndarray, *, l2: float, weight: np.ndarray | None = None, steps: int = 400
) -> Head:
    """Logistic regression with L2 on standardised features, classes weighted to balance,
    by gradient steps (Adam). `weight` scales columns after standardising: a column weighted
    0.2 costs 25 times as much L2 for the same effect, so the 384 numbers of the sentence
    model do not drown the few cues (a few hundred cases cannot pay for that many columns)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    if weight is not None:
        scale = scale / weight
    z = (x - mean) / scale
    n, d = z.shape
    positives = max(1.0, float(y.sum()))
    negatives = max(1.0, float(n - y.sum()))
    sample = np.where(y > 0, n / (2 * positives), n / (2 * negatives))
    w = np.zeros(d)
    b = float(np.log(positives / negatives))
    m = np.zeros(d)
    v = np.zeros(d)
    rate, beta1, beta2 = 0.05, 0.9, 0.999
    for t in range(1, steps + 1):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w + b, -30, 30)))
        error = (p - y) * sample
        grad = z.T @ error / n + l2 * w
        b -= rate * float(error.mean()) * 4
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        w -= rate * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + 1e-8)
    return Head(mean, scale, w, b, 0.5)


class Heads:
    def __init__(self, heads: dict[str, Head], meta: dict[str, Any]):
        self.heads = heads
        self.meta = meta

    def get(self, name: str) -> Head | None:
        return self.heads.get(name)


def save(heads: dict[str, Head], meta: dict[str, Any]) -> None:
    arrays: dict[str, np.ndarray] = {}
    for name, head in heads.items():
        arrays[f"{name}|mean"] = head.mean.astype(np.float32)
        arrays[f"{name}|scale"] = head.scale.astype(np.float32)
        arrays[f"{name}|weights"] = head.weights.astype(np.float32)
        meta.setdefault("heads", {})[name] = {"bias": head.bias, "threshold": head.threshold}
    np.savez_compressed(ARRAYS, **arrays)  # type: ignore[arg-type]
    META.write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")


_loaded: Heads | None = None


def load() -> Heads:
    global _loaded
    if _loaded is None:
        meta = json.loads(META.read_text())
        with np.load(ARRAYS) as arrays:
            heads = {
                name: Head(
                    arrays[f"{name}|mean"],
                    arrays[f"{name}|scale"],
                    arrays[f"{name}|weights"],
                    info["bias"],
                    info["threshold"],
                )
                for name, info in meta["heads"].items()
            }
        _loaded = Heads(heads, meta)
    return _loaded
