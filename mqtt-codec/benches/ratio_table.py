#!/usr/bin/env python3
"""Markdown table of the codec benchmark: ours vs rumqttc vs memcpy, per packet.

Reads the results criterion left under <target>/criterion/{encode,decode}_*/<function>/new/
(benchmark.json for the names, estimates.json for the times) after

    cargo bench -p mqtt-kit-codec --features bench-rumqttc --bench codec

and prints one row per packet and direction, in nanoseconds per packet, with the speed-up
over rumqttc (rumqttc time / our time) against the target (decode 2x, encode 1.5x). For
encoding it also prints the speed-up above the memcpy floor ((rumqttc - memcpy) /
(ours - memcpy)): both encoders must copy the payload, so for large payloads the raw ratio
tends to 1 whatever the codec does, and only the part above the copy tells them apart.

PUBLISH encodes also have a row "encode, payload by reference": our `Packet::encode_head`
(everything but the payload written, the payload handed back for a vectored write) against
rumqttc's ordinary, copying encode. It is a different job from a copying encode, so it never
stands in for the `encode` row; the memcpy column and the speed-up above memcpy do not apply.

Usage: ratio_table.py [CRITERION_DIR] [--estimate median|mean|slope]
CRITERION_DIR defaults to $CARGO_TARGET_DIR/criterion, else target/criterion of the
workspace. The default estimate is the median, the most robust on a shared machine.
"""

import argparse
import json
import os
import re
import sys
from pathlib import Path

TARGETS = {"decode": 2.0, "encode": 1.5}
KINDS = ["publish", "connect", "subscribe"]
SIZES = {"0B": 0, "64B": 64, "1KiB": 1024, "16KiB": 16384, "1MiB": 1 << 20}


def default_dir() -> Path:
    target = os.environ.get("CARGO_TARGET_DIR")
    if target:
        return Path(target) / "criterion"
    return Path(__file__).resolve().parents[2] / "target" / "criterion"


def load(criterion_dir: Path, estimate: str) -> dict:
    """{(op, packet): {function: nanoseconds}} for every benchmark of the codec bench."""
    results = {}
    for bench_file in criterion_dir.glob("*/*/new/benchmark.json"):
        bench = json.loads(bench_file.read_text())
        group = bench.get("group_id", "")
        op, _, packet = group.partition("/")
        if op not in TARGETS or not packet:
            continue
        estimates = json.loads((bench_file.parent / "estimates.json").read_text())
        chosen = estimates.get(estimate) or estimates["mean"]
        results.setdefault((op, packet), {})[bench["function_id"]] = chosen["point_estimate"]
    return results


def order(key):
    op, packet = key
    kind = packet.split("-", 1)[0]
    version = 0 if "-v3" in packet else 1
    size = SIZES.get(packet.rsplit("-", 1)[-1], 0)
    kind_rank = KINDS.index(kind) if kind in KINDS else len(KINDS)
    return (kind_rank, version, size, packet, 0 if op == "encode" else 1)


def ns(value) -> str:
    if value is None:
        return "-"
    if value >= 10_000:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def ratio(numerator, denominator) -> str:
    if numerator is None or denominator is None or denominator <= 0:
        return "-"
    return f"{numerator / denominator:.2f}x"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("criterion_dir", nargs="?", type=Path, default=default_dir())
    parser.add_argument("--estimate", choices=["median", "mean", "slope"], default="median")
    args = parser.parse_args()
    results = load(args.criterion_dir, args.estimate)
    if not results:
        print(f"no codec benchmark results under {args.criterion_dir}", file=sys.stderr)
        return 1
    print(f"ns per packet ({args.estimate} of criterion's samples); speed-up = rumqttc / ours\n")
    print(
        "| packet | op | ours | rumqttc | memcpy | speed-up | target | met "
        "| speed-up above memcpy |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | :---: | ---: |")
    missed = 0
    for key in sorted(results, key=order):
        op, packet = key
        times = results[key]
        ours, peer, floor = times.get("ours"), times.get("rumqttc"), times.get("memcpy")
        target = TARGETS[op]
        met = "-"
        if ours and peer:
            met = "yes" if peer / ours >= target else "no"
            missed += met == "no"
        above = "-"
        if op == "encode" and None not in (ours, peer, floor):
            above = ratio(peer - floor, ours - floor)
        print(
            f"| {packet} | {op} | {ns(ours)} | {ns(peer)} | {ns(floor)} "
            f"| {ratio(peer, ours)} | {target}x | {met} | {above} |"
        )
        by_reference = times.get("ours-payload-by-reference")
        if by_reference is not None:
            print(
                f"| {packet} | encode, payload by reference | {ns(by_reference)} | {ns(peer)} "
                f"| - | {ratio(peer, by_reference)} | - | - | - |"
            )
    print(f"\n{missed} row(s) below target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
