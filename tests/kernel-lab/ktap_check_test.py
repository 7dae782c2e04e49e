#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The test of scripts/ktap-check.py: the module's committed boot log
(tests/kernel-lab/module-capture/kernel.log) passes, and each way a report
or a kernel log can fail is caught.

  ktap_check_test.py REPO
"""
import os
import subprocess
import sys
import tempfile

GOOD = """[    3.3] KTAP version 1
[    3.3] 1..3
[    3.3] # one: fine
[    3.3] ok 1 - one
[    3.4] some other kernel line
[    3.4] ok 2 - two
[    3.4] ok 3 - three
[    3.4] # suite: pass:3 fail:0 skip:0 total:3
"""

# name, log, expected exit status, text the output must contain
CASES = [
    ("all ok", GOOD, 0, "3 passed, 0 failed"),
    ("carriage returns", GOOD.replace("\n", "\r\n"), 0, "3 passed, 0 failed"),
    ("a case fails", GOOD.replace("ok 2 - two", "not ok 2 - two"), 1, "not ok 2 - two"),
    ("a case skipped", GOOD.replace("ok 3 - three", "ok 3 - three # SKIP no CPUs"), 1,
     "SKIP"),
    ("the report stops", "\n".join(GOOD.splitlines()[:4]) + "\n", 1,
     "ends after result 1 of 3"),
    ("results out of order", GOOD.replace("ok 2 - two", "ok 5 - two"), 1,
     "result 5 where 2 was expected"),
    ("no report", "[    1.0] Linux version 6.1\n", 1, "no 'KTAP version 1'"),
    ("no plan", GOOD.replace("[    3.3] 1..3\n", ""), 1, "a result before the plan"),
    ("a WARN", GOOD + "[    3.5] WARNING: CPU: 0 PID: 1 at irq_matrix_block.c:700\n", 1,
     "WARN in the kernel log"),
    ("a BUG", GOOD + "[    3.5] BUG: kernel NULL pointer dereference, address: 0\n", 1,
     "BUG in the kernel log"),
    ("KASAN", GOOD + "[    3.5] ==================================================\n"
     "[    3.5] BUG: KASAN: slab-out-of-bounds in irq_matrix_alloc\n", 1, "BUG"),
    ("UBSAN", GOOD + "[    3.5] UBSAN: shift-out-of-bounds in irq_matrix_block.c:12:3\n", 1,
     "UBSAN in the kernel log"),
    ("a call trace", GOOD + "[    3.5] Call Trace:\n", 1, "a call trace"),
]


def run(checker, path, *extra):
    return subprocess.run([sys.executable, checker, *extra, path], capture_output=True,
                          text=True, check=False)


def main(argv):
    repo = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    checker = os.path.join(repo, "scripts", "ktap-check.py")
    passed = failed = 0

    def expect(name, ok, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {name}: {detail}")

    with tempfile.TemporaryDirectory() as tmp:
        for name, log, status, text in CASES:
            path = os.path.join(tmp, "log")
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(log)
            r = run(checker, path)
            expect(name, r.returncode == status and text in r.stdout,
                   f"exit {r.returncode} (want {status}), output:\n{r.stdout}{r.stderr}")
        real = os.path.join(repo, "tests", "kernel-lab", "module-capture", "kernel.log")
        extract = os.path.join(tmp, "ktap.txt")
        r = run(checker, real, "--extract", extract)
        expect("the module's boot log", r.returncode == 0 and "14 passed, 0 failed" in r.stdout,
               r.stdout + r.stderr)
        with open(extract, encoding="utf-8") as f:
            report = f.read()
        with open(os.path.join(repo, "tests", "kernel-lab", "module-capture", "ktap.txt"),
                  encoding="utf-8") as f:
            expect("the extracted report is the committed one", report == f.read(), report)
        r = run(checker, os.path.join(tmp, "missing.log"))
        expect("an unreadable log", r.returncode == 2 and "missing.log" in r.stderr,
               f"exit {r.returncode}: {r.stderr}")
        r = subprocess.run([sys.executable, checker], capture_output=True, text=True,
                           check=False)
        expect("no arguments", r.returncode == 2, f"exit {r.returncode}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
