#!/usr/bin/env python3
"""Check the minimum Rust version (MSRV) against the dependency graph.

For every workspace member, collects the packages it needs, as `cargo
metadata` resolves them: its own dependencies of every kind (normal, build,
dev: the tests are part of what README's set-up runs), and their normal and
build dependencies, transitively, on every platform. The member's MSRV must
be at least the highest `rust-version` any of them declares.

- A member that declares `rust-version` (the shipped crates inherit the
  workspace's) fails the check when a dependency needs more.
- A member that declares none (the benchmark crate, which is never shipped)
  is reported, with what it needs.

Also checks that README.md states the workspace's version as "Rust X or
later", so that the claim and the check cannot drift apart.

Exit 0 when every check holds, 1 otherwise. Usage: scripts/check_msrv.py
(from anywhere in the repository). Needs cargo and Python 3 only: no other
toolchain is downloaded, so declared versions are what can be checked here.
Uses of the standard library newer than the MSRV in zidx's own code are
caught by clippy's `incompatible_msrv` lint, which reads the same field.
"""
import json
import pathlib
import subprocess
import sys


def version(text):
    """'1.85' or '1.85.0' -> (1, 85, 0); None -> (0,)."""
    if not text:
        return (0,)
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def show(v):
    return ".".join(str(p) for p in v[:2]) + ("" if len(v) < 3 or v[2] == 0 else f".{v[2]}")


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked"],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    members = meta["workspace_members"]

    def kinds(dep):
        return {k["kind"] or "normal" for k in dep["dep_kinds"]}

    def closure(member):
        """Every package `member` needs, itself and other members excluded."""
        seen = set()
        stack = [d["pkg"] for d in nodes[member]["deps"]]
        while stack:
            pkg = stack.pop()
            if pkg in seen:
                continue
            seen.add(pkg)
            stack.extend(
                d["pkg"]
                for d in nodes[pkg]["deps"]
                if kinds(d) & {"normal", "build"}
            )
        return {p for p in seen if p not in members}

    failed = False
    workspace_msrv = None
    for member in sorted(members, key=lambda m: packages[m]["name"]):
        pkg = packages[member]
        needs = sorted(
            closure(member),
            key=lambda p: version(packages[p].get("rust_version")),
            reverse=True,
        )
        top = needs[0] if needs else None
        need = version(packages[top].get("rust_version")) if top else (0,)
        why = f"{packages[top]['name']} {packages[top]['version']}" if top else "nothing"
        declared = pkg.get("rust_version")
        if declared is None:
            print(f"{pkg['name']}: declares no rust-version; needs Rust {show(need)} ({why})")
            continue
        if pkg["name"] == "zidx":
            workspace_msrv = version(declared)
        if need > version(declared):
            failed = True
            over = [
                f"{packages[p]['name']} {packages[p]['version']} ({packages[p]['rust_version']})"
                for p in needs
                if version(packages[p].get("rust_version")) > version(declared)
            ]
            print(
                f"FAIL {pkg['name']}: rust-version {declared}, but dependencies need more: "
                + ", ".join(over)
            )
        else:
            print(f"ok   {pkg['name']}: rust-version {declared}; needs {show(need)} ({why})")

    readme = (root / "README.md").read_text()
    if workspace_msrv is not None:
        claim = f"Rust {show(workspace_msrv)} or later"
        if claim not in readme:
            failed = True
            print(f'FAIL README.md does not say "{claim}"')
        else:
            print(f'ok   README.md says "{claim}"')
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
