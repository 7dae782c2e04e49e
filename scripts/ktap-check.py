#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks a kernel test's KTAP report in a kernel log, and the log itself.

  ktap-check.py [--extract OUT] LOG

LOG is a console capture or dmesg output (printk time stamps and carriage
returns are stripped). It passes (exit 0) only when

  * the first "KTAP version 1" line is followed by a plan "1..N" and then,
    at the same level, the results "ok K - name" / "not ok K - name" for
    K = 1..N in order, every one "ok" (a "# SKIP" counts as not run: fail);
  * the log has no kernel warning or crash report anywhere: a WARN()
    ("WARNING: CPU:" or "cut here"), a BUG ("BUG:", "kernel BUG at"), an
    Oops, a general protection fault, a KASAN, UBSAN or KFENCE report, or a
    "Call Trace:".

It prints the result lines that failed, each problem with its log line, and
a closing "N passed, M failed" line. Exit 1 on a failed check, 2 when LOG
cannot be read or the arguments are wrong. --extract writes the report's
lines (stamps stripped) to OUT.
"""
import re
import sys

STAMP = re.compile(r"^\[\s*\d+\.\d+\]\s?")
RESULT = re.compile(r"^(not )?ok (\d+)(?: - ([^#]*?))?\s*(#.*)?$")
PLAN = re.compile(r"^1\.\.(\d+)$")
# What a kernel prints for a warning, a BUG or a sanitizer report.
KERNEL_REPORTS = [
    ("WARN", re.compile(r"WARNING: CPU: |-+\[ cut here \]-+")),
    ("BUG", re.compile(r"\bBUG: |kernel BUG at ")),
    ("Oops", re.compile(r"\bOops: |general protection fault")),
    ("KASAN", re.compile(r"\bKASAN\b")),
    ("UBSAN", re.compile(r"\bUBSAN\b")),
    ("KFENCE", re.compile(r"\bKFENCE\b")),
    ("a call trace", re.compile(r"^\s*Call Trace:")),
]


def check(lines):
    """Returns (passed, failed, problems, report lines)."""
    text = [STAMP.sub("", raw.rstrip("\r\n")) for raw in lines]
    problems = []
    for no, line in enumerate(text, 1):
        for what, pattern in KERNEL_REPORTS:
            if pattern.search(line):
                problems.append(f"line {no}: {what} in the kernel log: {line.strip()}")
                break
    start = next((i for i, line in enumerate(text) if line.strip() == "KTAP version 1"), None)
    if start is None:
        problems.append("no 'KTAP version 1' line: the test did not run")
        return 0, 0, problems, []
    indent = len(text[start]) - len(text[start].lstrip())
    planned, next_nr, passed, failed, report = None, 1, 0, 0, [text[start]]
    for no in range(start + 1, len(text)):
        line = text[no]
        if not line.strip() or len(line) - len(line.lstrip()) < indent:
            continue
        body = line[indent:]
        if body.startswith((" ", "\t")):  # a subtest's lines
            report.append(line)
            continue
        if body.startswith("#"):
            report.append(line)
            continue
        m = PLAN.match(body)
        if m and planned is None:
            planned = int(m.group(1))
            report.append(line)
            continue
        m = RESULT.match(body)
        if not m:
            continue  # another kernel message between the report's lines
        report.append(line)
        if planned is None:
            problems.append(f"line {no + 1}: a result before the plan")
            planned = 0
        nr = int(m.group(2))
        if nr != next_nr:
            problems.append(f"line {no + 1}: result {nr} where {next_nr} was expected")
        next_nr = nr + 1
        directive = (m.group(4) or "").upper()
        if m.group(1) or "SKIP" in directive or "TODO" in directive:
            failed += 1
            problems.append(f"line {no + 1}: {body.strip()}")
        else:
            passed += 1
        if planned and nr >= planned:
            # the closing diagnostics (KUnit's totals) belong to the report
            for after in text[no + 1:no + 6]:
                if after[indent:].startswith("#"):
                    report.append(after)
            break
    if planned is None:
        problems.append("no plan '1..N' after 'KTAP version 1'")
    elif next_nr - 1 < planned:
        problems.append(f"the report ends after result {next_nr - 1} of {planned} planned")
        failed += planned - (next_nr - 1)
    elif planned == 0:
        problems.append("the plan is 1..0: nothing was tested")
    return passed, failed, problems, report


def main(argv):
    extract = None
    args = argv[1:]
    if len(args) == 3 and args[0] == "--extract":
        extract, args = args[1], args[2:]
    if len(args) != 1 or args[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
    except OSError as e:
        print(f"ktap-check: {args[0]}: {e.strerror}", file=sys.stderr)
        return 2
    passed, failed, problems, report = check(lines)
    if extract:
        with open(extract, "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in report))
    for p in problems:
        print(f"ktap-check: {args[0]}: {p}")
    print(f"{passed} passed, {failed} failed")
    return 0 if not problems and failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
