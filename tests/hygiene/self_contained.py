#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The repository stands alone: no tracked file refers to a path outside it.

A clone has nothing beside it, so a reference to a sibling directory (a spec,
a data folder, another checkout) is a broken link for every reader and a
failing build or test for every user.

    self_contained.py REPOSITORY

Checked in every tracked file (git ls-files; without git, every file below
REPOSITORY but build/ and .git/):
  * each relative path that climbs with ../ must, resolved from the file's
    own directory, stay inside the repository;
  * no names of the folders a development machine keeps beside the
    repository (the spec, golden, realdata ... folders of a sibling
    "shared" directory), and no absolute path of a developer's machine;
  * in Markdown, each relative link [text](path) names a file or folder that
    exists.
Each violation is printed as FILE:LINE: what is wrong, and the exit status
is 1; 0 when there is none.
"""
import os
import re
import subprocess
import sys

SIBLINGS = re.compile(r"\b(shared/(?:spec|golden|realdata|hooks|STYLE)|/work/\w+)")
CLIMB = re.compile(r"(?:\.\./)+[^\s\"'`()<>*,;:\]]*")
MD_LINK = re.compile(r"\]\(([^)#\s]+)")
THIS = "tests/hygiene/self_contained.py"  # names the patterns it looks for


def tracked_files(root):
    if os.path.isdir(os.path.join(root, ".git")):
        out = subprocess.run(["git", "ls-files", "-z"], cwd=root, check=True,
                             capture_output=True).stdout
        return [f for f in out.decode().split("\0") if f]
    files = []
    for top, dirs, names in os.walk(root):
        rel_top = os.path.relpath(top, root)
        if rel_top == ".":
            dirs[:] = [d for d in dirs if d not in ("build", ".git")]
        files += [os.path.normpath(os.path.join(rel_top, n)) for n in names]
    return files


def inside(root, path):
    return os.path.commonpath([root, path]) == root


def check_file(root, rel):
    problems = []
    full = os.path.join(root, rel)
    with open(full, "rb") as f:
        data = f.read()
    if b"\0" in data:
        return problems  # binary: a fuzz input, not a reference
    here = os.path.dirname(full)
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        where = f"{rel}:{number}"
        for m in SIBLINGS.finditer(line):
            problems.append(f"{where}: names '{m.group(1)}', outside the repository")
        for m in CLIMB.finditer(line):
            if not inside(root, os.path.normpath(os.path.join(here, m.group(0)))):
                problems.append(f"{where}: '{m.group(0)}' leaves the repository")
        if rel.endswith(".md"):
            for m in MD_LINK.finditer(line):
                target = m.group(1)
                if re.match(r"^[a-z]+:", target):
                    continue  # a URL or a mail address
                if not os.path.exists(os.path.normpath(os.path.join(here, target))):
                    problems.append(f"{where}: link to '{target}', which does not exist")
    return problems


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        print("usage: self_contained.py REPOSITORY", file=sys.stderr)
        return 2
    root = os.path.realpath(sys.argv[1])
    files = [f for f in tracked_files(root)
             if f != THIS and os.path.isfile(os.path.join(root, f))]
    if not files:
        print(f"self_contained: no files found below {root}", file=sys.stderr)
        return 1
    problems = [p for rel in sorted(files) for p in check_file(root, rel)]
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} reference(s) outside the repository or to missing files")
        return 1
    print(f"{len(files)} files refer to nothing outside the repository")
    return 0


if __name__ == "__main__":
    sys.exit(main())
