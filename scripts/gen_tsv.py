#!/usr/bin/env python3
"""Generate a random TSV for zidx's acceptance run, with queries and answers.

Keys are 1 to 64 random bytes, values 0 to 200 random bytes, all written with
zidx's TSV escapes (the input of `zidx build --format tsv-escaped`); every
escape form occurs (\\\\ \\t \\n \\r and \\xHH for bytes that need no
escaping too). Writes, into OUT_DIR:

  data.tsv      N records
  queries.txt   Q present keys and Q absent keys, shuffled, one per line
  expected.tsv  KEY<TAB>VALUE for each present query, in query order,
                escaped the way `zidx get --escaped INDEX -` prints them

Usage: gen_tsv.py OUT_DIR [N] [Q] [SEED]
"""
import os
import random
import sys


def escape_in(b: bytes, rng: random.Random) -> bytes:
    """Input form: mandatory escapes, plus \\xHH at random for other bytes."""
    out = bytearray()
    for c in b:
        if c == 0x5C:
            out += b"\\\\"
        elif c == 0x09:
            out += b"\\t" if rng.random() < 0.5 else b"\\x09"
        elif c == 0x0A:
            out += b"\\n"
        elif c == 0x0D:
            out += b"\\r"
        elif rng.random() < 0.05:
            out += b"\\x%02x" % c if rng.random() < 0.5 else b"\\x%02X" % c
        else:
            out.append(c)
    return bytes(out)


def escape_out(b: bytes) -> bytes:
    """zidx's canonical output form."""
    out = bytearray()
    for c in b:
        if c == 0x5C:
            out += b"\\\\"
        elif c == 0x09:
            out += b"\\t"
        elif c == 0x0A:
            out += b"\\n"
        elif c == 0x0D:
            out += b"\\r"
        elif c < 0x20 or c == 0x7F:
            out += b"\\x%02x" % c
        else:
            out.append(c)
    return bytes(out)


def main() -> None:
    out_dir = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    q = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 20261122)
    os.makedirs(out_dir, exist_ok=True)
    keys, seen = [], set()
    while len(keys) < n:
        k = rng.randbytes(rng.randint(1, 64))
        if k not in seen:
            seen.add(k)
            keys.append(k)
    values = [rng.randbytes(rng.randint(0, 200)) for _ in range(n)]
    with open(os.path.join(out_dir, "data.tsv"), "wb") as f:
        for k, v in zip(keys, values):
            f.write(escape_in(k, rng) + b"\t" + escape_in(v, rng) + b"\n")
    present = rng.sample(range(n), q)
    absent = []
    while len(absent) < q:
        k = rng.randbytes(rng.randint(1, 64))
        if k not in seen:
            seen.add(k)
            absent.append(k)
    queries = [(keys[i], values[i]) for i in present] + [(k, None) for k in absent]
    rng.shuffle(queries)
    with open(os.path.join(out_dir, "queries.txt"), "wb") as qf, open(os.path.join(out_dir, "expected.tsv"), "wb") as ef:
        for k, v in queries:
            qf.write(escape_in(k, rng) + b"\n")
            if v is not None:
                ef.write(escape_out(k) + b"\t" + escape_out(v) + b"\n")


if __name__ == "__main__":
    main()
