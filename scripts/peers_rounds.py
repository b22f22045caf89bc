#!/usr/bin/env python3
"""Per-round ratios of a peers.py run, beside the state the machine was in.

peers.py reports medians of rounds, and each implementation's median comes from
its own rounds: on a shared host whose speed changes within seconds, a ratio of
medians can pair a fast round with a slow one. This prints, for the train and
numgrad sections and for each round, Nabla's time, the reference peer's time and
their ratio, next to what `nabla bench`'s INFO lines measured around that
section in that round (the FMA probe, the GEMM probe, the scalar f, and the
products' time at the GEMM's rate), and for the scalar section each round's
tape/f ratio.

    python3 scripts/peers_rounds.py run.json [--impl nabla] [--ref numpy]

run.json is what `peers.py ... --ext nabla=".build/release/nabla bench" --json
run.json` wrote. Uses only the standard library.
"""
import argparse
import json
import sys


def rounds(results, section, impl, **match):
    """The per-round values of the one row that matches, or None."""
    for row in results:
        if row.get("section") == section and row.get("impl") == impl and all(
            row.get(k) == v for k, v in match.items()
        ):
            return row.get("rounds_values")
    return None


def infos(all_infos, section, round_index, **match):
    return [
        i
        for i in all_infos
        if i.get("section") == section
        and i.get("round") == round_index
        and all(i.get(k) == v for k, v in match.items())
    ]


def probe_text(all_infos, section, round_index):
    parts = []
    for when in ("before", "after"):
        for i in infos(all_infos, section, round_index, when=when):
            parts.append(
                "%s fma %s gemm %s/%s f %s us"
                % (when, i.get("fma_f32_gflops"), i.get("gemm_f32_gflops"), i.get("gemm_f64_gflops"), i.get("scalar_f_us"))
            )
    return "; ".join(parts) if parts else "no probe lines"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json", help="the --json file of a peers.py run")
    parser.add_argument("--impl", default="nabla", help="the --ext name of Nabla (default nabla)")
    parser.add_argument("--variant", default="layers", help="Nabla's train variant (default layers)")
    parser.add_argument("--ref", default="numpy", help="the peer to divide by (default numpy)")
    args = parser.parse_args()
    try:
        with open(args.json) as f:
            run = json.load(f)
    except (OSError, json.JSONDecodeError) as error:
        sys.exit("%s: cannot read a peers.py JSON: %s" % (args.json, error))
    results, all_infos = run.get("results", []), run.get("infos", [])

    for dtype in ("f32", "f64"):
        ours = rounds(results, "train", args.impl, dtype=dtype, variant=args.variant)
        theirs = rounds(results, "train", args.ref, dtype=dtype)
        if not ours or not theirs:
            print("train %s: no %s/%s rows" % (dtype, args.impl, args.ref))
            continue
        print("train %s (ms): %s %s / %s" % (dtype, args.impl, args.variant, args.ref))
        for r, (a, b) in enumerate(zip(ours, theirs)):
            bounds = infos(all_infos, "train", r, dtype=dtype)
            gemm_bound = bounds[0].get("gemm_bound_ms") if bounds else None
            print(
                "  round %d: %.4f / %.4f = %.3f   products at the GEMM's rate %s ms   [%s]"
                % (r + 1, a, b, a / b, gemm_bound, probe_text(all_infos, "train", r))
            )

    ours = rounds(results, "numgrad", args.impl)
    theirs = rounds(results, "numgrad", args.ref)
    if ours and theirs:
        print("numgrad (ms): %s / %s" % (args.impl, args.ref))
        for r, (a, b) in enumerate(zip(ours, theirs)):
            bounds = [i for i in infos(all_infos, "numgrad", r) if "gemm_bound_ms" in i]
            gemm_bound = bounds[0].get("gemm_bound_ms") if bounds else None
            print(
                "  round %d: %.0f / %.0f = %.3f   at the GEMM's rate %s ms   [%s]"
                % (r + 1, a, b, a / b, gemm_bound, probe_text(all_infos, "numgrad", r))
            )

    tape = rounds(results, "scalar", args.impl, variant="tape")
    plain = rounds(results, "scalar", args.impl, variant="double-forward-only")
    if tape and plain:
        print("scalar (us): tape / f")
        for r, (a, b) in enumerate(zip(tape, plain)):
            print("  round %d: %.2f / %.2f = %.2fx   [%s]" % (r + 1, a, b, a / b, probe_text(all_infos, "scalar", r)))


if __name__ == "__main__":
    main()
