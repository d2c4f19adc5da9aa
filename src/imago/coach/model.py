"""The coach's sentence model: one unit vector per sentence, on this machine, on one core.

all-MiniLM-L6-v2 (Apache-2.0), tuned on the coach's own development cases, exported with its
mean pooling and normalisation to ONNX and quantized to int8 by scripts/build_coach_model.py;
the file ships with the package (model/minilm-int8.onnx, 23 MB, its checksum in
model/SHA256SUMS.json). Nothing is downloaded: onnxruntime reads the file, tokenizers reads
tokenizer.json. Loaded on first use and kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent / "model"
MODEL = HERE / "minilm-int8.onnx"
TOKENIZER = HERE / "tokenizer.json"
MAX_TOKENS = 128  # a sentence or two; a longer text is read sentence by sentence
DIMENSIONS = 384
_CACHE_SIZE = 2048  # while a person types, the sender's words are read again at every pause


class Encoder:
    def __init__(self) -> None:
        import onnxruntime  # type: ignore[import-untyped]
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        # One core: the coach runs beside the live room; parallel threads would only take
        # cores from it (the speed target is per utterance on one core).
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(MODEL), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(TOKENIZER))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()  # each text is run alone (_run)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, one row per text (an empty text gets a row of zeros)."""
        rows: list[np.ndarray | None] = []
        missing: list[int] = []
        with self._lock:
            for i, text in enumerate(texts):
                hit = self._cache.get(text)
                if hit is not None:
                    self._cache.move_to_end(text)
                elif text.strip():
                    missing.append(i)
                else:
                    hit = np.zeros(DIMENSIONS, dtype=np.float32)
                rows.append(hit)
        if missing:
            fresh = self._run([texts[i] for i in missing])
            with self._lock:
                for i, row in zip(missing, fresh, strict=True):
                    rows[i] = row
                    self._cache[texts[i]] = row
                while len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        if not rows:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack(rows)  # type: ignore[arg-type]

    def _run(self, texts: list[str]) -> np.ndarray:
        # One text at a time, unpadded: the quantized model scales its numbers over everything
        # it reads in one run, so a text read beside others would get a slightly different
        # vector each time (and the cache would keep whichever came first); and padding a
        # short sentence to a long one's length costs as much as reading the long one.
        rows = []
        for encoding in self._tokenizer.encode_batch(texts):
            feed = {
                "input_ids": np.array([encoding.ids], dtype=np.int64),
                "attention_mask": np.array([encoding.attention_mask], dtype=np.int64),
                "token_type_ids": np.array([encoding.type_ids], dtype=np.int64),
            }
            rows.append(self._session.run(None, feed)[0][0])
        return np.stack(rows).astype(np.float32)


_encoder: Encoder | None = None
_loading = threading.Lock()


def encoder() -> Encoder:
    global _encoder
    if _encoder is None:
        with _loading:
            if _encoder is None:
                _encoder = Encoder()
    return _encoder


def encode(texts: list[str]) -> np.ndarray:
    return encoder().encode(texts)
