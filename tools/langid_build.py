"""Build ``service/data/langid.npz``, the character n-gram model behind :mod:`service.language`.

Why a derived model: the detector must run offline in ~0.1 ms and must know the languages most
often confused with ours (uk, bg, be, kk, mk, sr, mn, az, de, es, fr, ja, zh). No corpus ships
with the project, but the ``lingua-language-detector`` wheel embeds its per-language n-gram
models (lingua-py by Peter M. Stahl, Apache-2.0, trained on the Leipzig Wortschatz corpora) as
brotli-compressed JSON files inside its native extension. This script reads them out of that
binary and, per script (Latin, Cyrillic, Han/kana), writes one table: for every kept n-gram of
order 1..5 and every word ending, the cost (-log P, tenths of a nat, one byte) per language with
stupid backoff already applied, so the detector needs one dictionary lookup per character.
Other Latin-script lingua languages are pooled into one catch-all column ``xx``.

Provenance and licence: derived from lingua-language-detector (Apache-2.0); the version used is
recorded in the file's ``meta``. Run it (only when the language set or the model changes)::

    .venv/bin/pip install -e '.[bench]'      # lingua-language-detector + brotli
    .venv/bin/python -m tools.langid_build  # ~2 minutes

The language-identification test data under ``../shared/langid`` is never read here.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import lzma
import math
import re
import struct
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import numpy as np

from models.paths import REPO_ROOT

OUTPUT = REPO_ROOT / "service" / "data" / "langid.npz"

CATCH_ALL = "xx"
SCRIPT_LANGUAGES: dict[str, tuple[str, ...]] = {
    # The supported languages first, then the languages most often mistaken for them.
    "latin": ("tr", "en", "az", "de", "es", "fr", CATCH_ALL),
    "cyrillic": ("ru", "uk", "bg", "be", "kk", "mk", "sr", "mn"),
    "han": ("ja", "zh"),
}
"""One model per script; Korean needs none (Hangul is Korean). Every other Latin-script lingua
language is pooled into the catch-all ``xx``; lingua knows no other Cyrillic ones."""
INDIVIDUAL = frozenset(iso for members in SCRIPT_LANGUAGES.values() for iso in members) | {"ko"}
SCRIPT_CHARS = {
    "latin": "a-z\u00c0-\u024f\u0250-\u02af\u1e00-\u1eff",
    "cyrillic": "\u0400-\u052f",
    "han": "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff",
}
"""Must match the script classes in :mod:`service.language`."""

NON_LATIN_CYRILLIC: frozenset[str] = frozenset(
    ["ar", "fa", "ur", "he", "el", "hy", "ka", "hi", "mr", "bn", "gu", "pa", "ta", "te", "th"]
)
"""Languages whose script never overlaps ours: left out of the pooled catch-all."""

MAX_ORDER = 5
TOP_K = {4: 40_000, 5: 40_000}
"""Per language, keep only the most probable 4- and 5-grams (by chained joint probability):
they carry most of what longer n-grams add, at a fraction of the size."""
MOJIBAKE_TR = str.maketrans("ışğİŞĞ", "ýþðýþð")
"""Turkish mail decoded with the Windows-1252 instead of the Windows-1254 code page shows ı/ş/ğ
as ý/þ/ð; common enough in old mail and in the Leipzig corpora that the tr model accepts both."""
BACKOFF_NATS = math.log(0.4)
"""Stupid backoff (Brants et al. 2007): an unseen n-gram costs its shorter suffix plus 0.92 nats."""
FLOOR_NATS = -16.0
"""Cost of a character a language never uses (below any seen unigram, ~1e-7)."""
SCALE = 10.0
REDUNDANT_NATS = 0.3
"""Rows that shift every language's cost within this much of their back-off row are dropped."""
"""Costs are stored in tenths of a nat: 0..255 covers 0..25.5 nats per character."""

END = " "
"""Appended to a context to form its end-of-word key (lingua's n-grams never contain spaces)."""
EOW_CONTEXT = 4
"""Longest word ending scored by the end-of-word model."""
EOW_MIN = 0.005
NEUTRAL_EOW_NATS = math.log(0.2)
"""End-of-word probability assumed where a language knows none of the word's endings."""

ORDER_FILES = {1: "unigrams", 2: "bigrams", 3: "trigrams", 4: "quadrigrams", 5: "fivegrams"}


def _lingua_binary() -> Path:
    """Locate the native extension of the installed lingua wheel."""
    spec = importlib.util.find_spec("lingua")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("lingua-language-detector is not installed: pip install -e '.[bench]'")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return next(folder.glob("lingua*.so"))


def _sections(blob: bytes) -> list[tuple[int, int, int]]:
    """(virtual address, file offset, size) of every allocated ELF64 section."""
    shoff = struct.unpack_from("<Q", blob, 0x28)[0]
    shentsize, shnum = struct.unpack_from("<HH", blob, 0x3A)
    out = []
    for i in range(shnum):
        _, _, _, addr, offset, size = struct.unpack_from("<IIQQQQ", blob, shoff + i * shentsize)
        if addr:
            out.append((addr, offset, size))
    return out


def _embedded_files(blob: bytes) -> list[tuple[str, bytes]]:
    """Find the ``include_dir`` entries (name slice, contents slice) in lingua's binary.

    Each entry is laid out as ``(name_ptr, name_len, data_ptr, data_len)``; the name pointers are
    relative relocations, so we scan ``.rela.dyn`` for slots whose target ends in ``.json.br``.
    """
    sections = _sections(blob)

    def to_offset(addr: int) -> int | None:
        for start, offset, size in sections:
            if start <= addr < start + size:
                return addr - start + offset
        return None

    shoff = struct.unpack_from("<Q", blob, 0x28)[0]
    shentsize, shnum = struct.unpack_from("<HH", blob, 0x3A)
    found = []
    for i in range(shnum):
        sh_type = struct.unpack_from("<I", blob, shoff + i * shentsize + 4)[0]
        offset, size = struct.unpack_from("<QQ", blob, shoff + i * shentsize + 24)
        if sh_type != 4:  # SHT_RELA
            continue
        for pos in range(offset, offset + size, 24):
            slot, info, target = struct.unpack_from("<QQq", blob, pos)
            slot_off, name_off = to_offset(slot), to_offset(target)
            if (info & 0xFFFFFFFF) != 8 or slot_off is None or name_off is None:
                continue  # not R_X86_64_RELATIVE
            name_len = struct.unpack_from("<Q", blob, slot_off + 8)[0]
            name = blob[name_off : name_off + name_len] if 5 < name_len < 64 else b""
            if not name.endswith(b"grams.json.br"):
                continue
            data_ptr, data_len = struct.unpack_from("<QQ", blob, slot_off + 16)
            data_off = to_offset(data_ptr)
            if data_off is not None:
                found.append((name.decode(), blob[data_off : data_off + data_len]))
    return found


def load_lingua_models(max_order: int = MAX_ORDER) -> dict[str, dict[str, float]]:
    """``{iso: {ngram: log P(last char | rest)}}`` for every lingua language, orders 1..max."""
    import brotli
    from lingua import Language

    iso_of = {lang.name: lang.iso_code_639_1.name.lower() for lang in Language.all()}
    wanted = {f"{ORDER_FILES[n]}.json.br" for n in range(1, max_order + 1)}
    models: dict[str, dict[str, float]] = defaultdict(dict)
    for name, payload in _embedded_files(_lingua_binary().read_bytes()):
        if name not in wanted:  # skips unique_* / mostcommon_* helper models
            continue
        doc = json.loads(brotli.decompress(payload))
        table = models[iso_of[doc["language"]]]
        for fraction, grams in doc["ngrams"].items():
            logp = math.log(float(Fraction(fraction)))
            for gram in grams.split(" "):
                table[gram] = logp
    return dict(models)


def prune(model: dict[str, float], top_k: dict[int, int]) -> dict[str, float]:
    """Keep all n-grams of orders without a limit and the ``top_k`` most probable of the others."""
    joint: dict[str, float] = {}
    for gram in sorted(model, key=len):
        joint[gram] = model[gram] + joint.get(gram[:-1], 0.0)
    kept = {gram: logp for gram, logp in model.items() if len(gram) not in top_k}
    for order, limit in top_k.items():
        grams = sorted((g for g in model if len(g) == order), key=lambda g: (-joint[g], g))
        kept.update((gram, model[gram]) for gram in grams[:limit])
    return kept


def with_variants(model: dict[str, float], table: dict[int, int]) -> dict[str, float]:
    """Add spelling variants of every n-gram (same probability) without replacing real ones."""
    out = dict(model)
    for gram, logp in model.items():
        variant = gram.translate(table)
        if variant != gram and logp > out.get(variant, -math.inf):
            out[variant] = logp
    return out


def end_of_word_model(model: dict[str, float], max_context: int) -> dict[str, float]:
    """``{context + END: log P(word ends | context)}`` recovered from lingua's conditionals.

    Lingua counts a context wherever it occurs, word-final occurrences included, so the
    probability mass its continuations leave over is the chance that the word ends there. This
    puts back the word-boundary evidence (Russian ``-ть``/``-ся`` versus Bulgarian ``-ът``/``-та``)
    that character n-grams without boundaries lack.
    """
    mass: dict[str, float] = defaultdict(float)
    for gram, logp in model.items():
        if 1 < len(gram) <= max_context + 1:
            mass[gram[:-1]] += math.exp(logp)
    return {ctx + END: math.log(max(EOW_MIN, 1.0 - total)) for ctx, total in mass.items()}


def pooled_model(models: dict[str, dict[str, float]], members: list[str]) -> dict[str, float]:
    """Catch-all: mean conditional probability over the member languages that know the context."""
    sums: dict[str, float] = defaultdict(float)
    context_langs: dict[str, set[str]] = defaultdict(set)
    for iso in members:
        for gram, logp in models[iso].items():
            sums[gram] += math.exp(logp)
            context_langs[gram[:-1]].add(iso)
    return {
        gram: math.log(total / max(1, len(context_langs[gram[:-1]])))
        for gram, total in sums.items()
    }


def backed_off_cost(model: dict[str, float], gram: str) -> float:
    """-log P under stupid backoff: the longest known suffix, 0.92 nats per level dropped."""
    penalty = 0.0
    for start in range(len(gram)):
        logp = model.get(gram[start:])
        if logp is not None:
            return -(logp + penalty)
        penalty += BACKOFF_NATS
    return -FLOOR_NATS


def end_of_word_cost(model: dict[str, float], key: str) -> float:
    """-log P(end | longest known ending); no backoff penalty: the letters already paid it."""
    context = key[:-1]
    for start in range(len(context)):
        logp = model.get(context[start:] + END)
        if logp is not None:
            return -logp
    return -NEUTRAL_EOW_NATS


def _script_keys(models: dict[str, dict[str, float]], members: tuple[str, ...], script: str):
    """Union of the members' n-grams that are written in ``script`` (endings included)."""
    pattern = re.compile(rf"[{SCRIPT_CHARS[script]}]+{re.escape(END)}?")
    return sorted({g for iso in members for g in models[iso] if pattern.fullmatch(g)})


def _cost_table(keys: list[str], columns: list[dict[str, float]]) -> np.ndarray:
    """Quantised costs (tenths of a nat) per key and language, plus a last all-floor row."""
    table = np.empty((len(keys) + 1, len(columns)), dtype=np.uint8)
    for j, model in enumerate(columns):
        costs = [
            end_of_word_cost(model, gram) if gram.endswith(END) else backed_off_cost(model, gram)
            for gram in keys
        ] + [-FLOOR_NATS]
        table[:, j] = np.clip(np.rint(np.asarray(costs) * SCALE), 0, 255)
    return table


def drop_redundant(
    keys: list[str], table: np.ndarray, tolerance_nats: float
) -> tuple[list[str], np.ndarray]:
    """Drop long n-grams (and endings) whose row only shifts the row the detector would fall
    back to by about the same amount for every language: they cannot change a decision.

    Keys are visited shortest first and compared with their nearest surviving suffix (the row
    the detector backs off to), so dropped rows never compound. Saves about a tenth.
    """
    tolerance = round(tolerance_nats * SCALE)
    row_of = {key: i for i, key in enumerate(keys)}
    alive: dict[str, int] = {}
    for key in sorted(keys, key=len):
        body = key[:-1] if key.endswith(END) else key
        suffix_len = len(body) - 1
        if len(body) <= (1 if key.endswith(END) else 3):
            alive[key] = row_of[key]
            continue
        while suffix_len > 0:
            suffix = body[-suffix_len:] + (END if key.endswith(END) else "")
            if suffix in alive:
                break
            suffix_len -= 1
        if suffix_len == 0:
            alive[key] = row_of[key]
            continue
        diff = table[row_of[key]].astype(np.int16) - table[alive[suffix]]
        if int(diff.max()) - int(diff.min()) > tolerance:
            alive[key] = row_of[key]
    kept = sorted(alive.values())
    return [keys[i] for i in kept], np.vstack([table[kept], table[-1:]])


def packed(raw: bytes) -> np.ndarray:
    """xz-compressed bytes: the tables compress 35% better than with the npz's own deflate."""
    return np.frombuffer(lzma.compress(raw, preset=9), dtype=np.uint8)


def put_table(
    arrays: dict[str, np.ndarray], script: str, languages, keys: list[str], table: np.ndarray
) -> None:
    """Store one script's languages, keys and cost table the way the detector reads them."""
    arrays[f"{script}_languages"] = np.array(languages)
    arrays[f"{script}_keys"] = packed("\n".join(keys).encode())
    arrays[f"{script}_table"] = packed(table.tobytes())
    arrays[f"{script}_shape"] = np.array(table.shape)


def save(arrays: dict[str, np.ndarray], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    np.savez(output, **arrays)
    shapes = {k: tuple(v) for k, v in arrays.items() if k.endswith("_shape")}
    print(f"wrote {output} ({shapes}, {output.stat().st_size / 1e6:.2f} MB)")


def build(max_order: int = MAX_ORDER, top_k: dict[int, int] | None = None) -> dict[str, np.ndarray]:
    """One key list and cost table per script, plus the metadata the detector needs."""
    top_k = TOP_K if top_k is None else top_k
    full = load_lingua_models(max_order)
    models = {iso: prune(model, top_k) for iso, model in full.items()}
    for iso, model in full.items():
        endings = end_of_word_model(model, min(EOW_CONTEXT, max_order - 1))
        kept = models[iso]  # long endings only where the n-gram itself survived pruning
        kept.update((k, v) for k, v in endings.items() if len(k) <= 3 or k[:-1] in kept)
    del full
    models["tr"] = with_variants(models["tr"], MOJIBAKE_TR)
    pooled = sorted(set(models) - INDIVIDUAL - NON_LATIN_CYRILLIC)
    models[CATCH_ALL] = pooled_model(models, pooled)
    arrays: dict[str, np.ndarray] = {}
    for script, members in SCRIPT_LANGUAGES.items():
        individual = tuple(iso for iso in members if iso != CATCH_ALL)
        keys = _script_keys(models, individual, script)
        table = _cost_table(keys, [models[iso] for iso in members])
        put_table(arrays, script, members, *drop_redundant(keys, table, REDUNDANT_NATS))
    meta = {
        "source": "lingua-language-detector (Apache-2.0) embedded n-gram models",
        "lingua_version": importlib.metadata.version("lingua-language-detector"),
        "scripts": list(SCRIPT_LANGUAGES),
        "max_order": max_order,
        "top_k": top_k,
        "scale": SCALE,
        "backoff_nats": BACKOFF_NATS,
        "floor_nats": FLOOR_NATS,
        "end_of_word_context": EOW_CONTEXT,
        "end": END,
        "catch_all_members": pooled,
    }
    arrays["meta"] = np.array(json.dumps(meta))
    return arrays


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--max-order", type=int, default=MAX_ORDER, choices=range(1, 6))
    parser.add_argument(
        "--top",
        type=int,
        nargs=2,
        default=(TOP_K[4], TOP_K[5]),
        metavar=("K4", "K5"),
        help="4-/5-grams kept per language",
    )
    args = parser.parse_args()
    save(build(args.max_order, {4: args.top[0], 5: args.top[1]}), args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
