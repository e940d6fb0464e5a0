#!/usr/bin/env python3
"""Turn gremlins' JSON results (one file per package) into the table of
docs/testing.md, after running the mutants gremlins cannot map itself.

Usage: report.py OUTDIR PKG...   (OUTDIR holds <pkg with / as _>.json)

Go's coverage profile gives no block to a condition of a switch case, nor
to a constant expression, so gremlins v0.6.0 reports every mutant there
NOT COVERED without running it (go-gremlins/gremlins#298, open). This
script runs each such mutant the way gremlins would: the operator at the reported line and column replaced,
through `go test -overlay` (the tree is never touched), with the package's
own tests. A mutant that then fails the tests is KILLED, one that passes
LIVED, one that does not compile NOT VIABLE.

`go test` also exits 1 when the package does not build, which gremlins
books as KILLED; so each KILLED arithmetic mutant (the only kind that can
fail to type-check, e.g. "+" between strings turned "-") is compiled here
again and, if it does not build, counted NOT VIABLE. A mutant gremlins
saw live is run again with the tests as they are now. Every other status
is gremlins' own.

It prints the Markdown table, then each mutant that lived or stayed not
covered, for the list of equivalent mutants in docs/testing.md.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

# gremlins' mutations (docs: "Mutators"), by type: operator -> mutant.
MUTATIONS = {
    "CONDITIONALS_BOUNDARY": {"<": "<=", ">": ">=", "<=": "<", ">=": ">"},
    "CONDITIONALS_NEGATION": {"==": "!=", "!=": "==", "<": ">=", ">": "<=", "<=": ">", ">=": "<"},
    "ARITHMETIC_BASE": {"+": "-", "-": "+", "*": "/", "/": "*", "%": "*"},
    "INCREMENT_DECREMENT": {"++": "--", "--": "++"},
    "INVERT_NEGATIVES": {"-": "+"},
}
OPERATORS = ["<=", ">=", "==", "!=", "++", "--", "<", ">", "+", "-", "*", "/", "%"]
TIMEOUT = int(os.environ.get("MUTATE_TIMEOUT", "300"))


def in_case_condition(line, col):
    """The column lies in the condition list of a `case` clause."""
    stripped = line.lstrip("\t ")
    if not stripped.startswith("case "):
        return False
    return col - 1 < line.rstrip().rfind(":")


def in_const(src, line_no):
    """The line is a constant declaration (alone or in a const block)."""
    if src[line_no - 1].lstrip().startswith("const "):
        return True
    for i in range(line_no - 2, -1, -1):
        if src[i].startswith("const ("):
            return True
        if src[i].startswith(")") or src[i].startswith("func ") or src[i].startswith("var "):
            return False
    return False


def run_mutant(pkg, path, line_no, col, kind, build_only=False):
    """Apply one mutant through -overlay and run the package's tests (or,
    with build_only, only compile it: "NOT VIABLE" or "COMPILES")."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    line = lines[line_no - 1]
    at = col - 1
    op = next((o for o in OPERATORS if line.startswith(o, at)), None)
    new = MUTATIONS.get(kind, {}).get(op)
    if new is None:
        return None  # not a mutation this script knows: left as reported
    lines[line_no - 1] = line[:at] + new + line[at + len(op):]
    with tempfile.TemporaryDirectory() as tmp:
        mutated = os.path.join(tmp, os.path.basename(path))
        with open(mutated, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        overlay = os.path.join(tmp, "overlay.json")
        with open(overlay, "w", encoding="utf-8") as f:
            json.dump({"Replace": {os.path.abspath(path): mutated}}, f)
        if build_only:
            r = subprocess.run(["go", "build", "-overlay=" + overlay, "./" + pkg], capture_output=True, text=True)
            return "NOT VIABLE" if r.returncode != 0 else "COMPILES"
        try:
            r = subprocess.run(
                ["go", "test", "-count=1", "-cpu=1", "-overlay=" + overlay, "-timeout", "%ds" % TIMEOUT, "./" + pkg],
                capture_output=True, text=True, timeout=TIMEOUT + 60)
        except subprocess.TimeoutExpired:
            return "TIMED OUT"
    out = r.stdout + r.stderr
    if r.returncode == 0:
        return "LIVED"
    if "[build failed]" in out or "[setup failed]" in out:
        return "NOT VIABLE"
    if "panic: test timed out" in out:
        return "TIMED OUT"
    return "KILLED"


def main():
    outdir, pkgs = sys.argv[1], sys.argv[2:]
    rows, notes = [], []
    for pkg in pkgs:
        name = os.path.join(outdir, pkg.replace("/", "_") + ".json")
        if not os.path.exists(name):
            rows.append("| `%s` | not measured this round | | | | | | | |" % pkg)
            continue
        with open(name, encoding="utf-8") as f:
            res = json.load(f)
        count = {s: 0 for s in ("KILLED", "LIVED", "NOT COVERED", "TIMED OUT", "NOT VIABLE", "SKIPPED")}
        rerun = 0
        for fi in res.get("files") or []:
            if "/" in fi["file_name"]:
                continue  # a file of a package below this one
            path = os.path.join(pkg, fi["file_name"])
            with open(path, encoding="utf-8") as f:
                src = f.read().split("\n")
            for m in fi.get("mutations") or []:
                st = m["status"]
                if st == "NOT COVERED" and (in_case_condition(src[m["line"] - 1], m["column"]) or in_const(src, m["line"])):
                    got = run_mutant(pkg, path, m["line"], m["column"], m["type"])
                    if got is not None:
                        st = got
                        rerun += 1
                elif st == "LIVED":
                    # Again, with the tests as they are now (gremlins' run
                    # may predate a test that kills it).
                    got = run_mutant(pkg, path, m["line"], m["column"], m["type"])
                    if got is not None:
                        st = got
                        rerun += 1
                elif st == "KILLED" and m["type"] in ("ARITHMETIC_BASE", "INVERT_NEGATIVES"):
                    # go test exits 1 for a package that does not build as
                    # well as for a failing test, and gremlins books both
                    # as KILLED: a "+" between strings turned "-" is no kill.
                    if run_mutant(pkg, path, m["line"], m["column"], m["type"], build_only=True) == "NOT VIABLE":
                        st = "NOT VIABLE"
                count[st] = count.get(st, 0) + 1
                if st in ("LIVED", "NOT COVERED"):
                    notes.append("%s %s:%d:%d %s: %s" % (st, path, m["line"], m["column"], m["type"],
                                                       src[m["line"] - 1].strip()))
        k, l, nc = count["KILLED"], count["LIVED"], count["NOT COVERED"]
        eff = 100.0 * k / (k + l) if k + l else 100.0
        cov = 100.0 * (k + l) / (k + l + nc) if k + l + nc else 100.0
        rows.append("| `%s` | %d | %d | %d | %d | %d | %d | %.1f %% | %.1f %% |" % (
            pkg, k, l, nc, count["TIMED OUT"], count["NOT VIABLE"], rerun, eff, cov))
    print("| package | killed | lived | not covered | timed out | not viable | run here (case, const, lived) | efficacy | coverage |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    if notes:
        print()
        for n in notes:
            print("- " + n)


if __name__ == "__main__":
    main()
