#!/usr/bin/env python3
"""Seeds fuzz/corpus/decode with the packets of tests/data/vectors.json (luamqtt's vectors):
each packet alone, and all of one version's packets back to back, each behind the selector
byte 0xff (a 255-byte limit). The corpus is not committed (.gitignore); run this once before
`cargo +nightly fuzz run decode` to start from real packets rather than from nothing."""

import hashlib
import json
from pathlib import Path

here = Path(__file__).resolve().parent
vectors = json.loads((here.parent / "tests" / "data" / "vectors.json").read_text())
corpus = here / "corpus" / "decode"
corpus.mkdir(parents=True, exist_ok=True)


def write(data: bytes) -> None:
    (corpus / hashlib.sha1(data).hexdigest()).write_bytes(data)


streams = {}
for vector in vectors:
    packet = bytes.fromhex(vector.get("hex") or "")
    if not packet:
        continue
    write(b"\xff" + packet)
    streams.setdefault(vector.get("version"), bytearray()).extend(packet)
for stream in streams.values():
    write(b"\xff" + bytes(stream))
print(f"{len(list(corpus.iterdir()))} seeds in {corpus}")
