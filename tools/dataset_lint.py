#!/usr/bin/env python3
"""Checks the project's labelled datasets: format, labels, balance, length and near-duplicates.

Usage: tools/dataset_lint.py [DATASETS_DIR]   (default: datasets/ beside this script's parent)

Each task folder (stance/, sentiment/) holds *.tsv files of `label<TAB>text` lines (UTF-8, no header).
A near-duplicate is two quotes that share a run of six words (case-folded, punctuation dropped).
Prints one line per problem (file:line: message) and a summary; exits 1 when any problem is found.
"""
import os
import re
import sys
import unicodedata
from collections import Counter, defaultdict

TASKS = {"stance": {"conciliatory", "hardline"}, "sentiment": {"positive", "negative", "neutral"}}
MIN_PER_TASK = 1200
RUN = 6
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


def words(text):
    text = unicodedata.normalize("NFC", text).casefold().replace("’", "'")
    return WORD.findall(text)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "datasets")
    problems = 0
    shingles = defaultdict(list)  # 6-word run -> [(file, line)]
    for task, labels in TASKS.items():
        folder = os.path.join(root, task)
        if not os.path.isdir(folder):
            print(f"{folder}: missing task folder")
            problems += 1
            continue
        counts = Counter()
        domains = 0
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".tsv"):
                continue
            domains += 1
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                for lineno, line in enumerate(f, 1):
                    line = line.rstrip("\n")
                    if not line.strip():
                        continue
                    parts = line.split("\t")
                    if len(parts) != 2:
                        print(f"{path}:{lineno}: expected label<TAB>text, got {len(parts)} fields")
                        problems += 1
                        continue
                    label, text = parts
                    if label not in labels:
                        print(f"{path}:{lineno}: unknown label {label!r} for task {task}")
                        problems += 1
                        continue
                    w = words(text)
                    if len(w) < 3:
                        print(f"{path}:{lineno}: quote too short ({len(w)} words)")
                        problems += 1
                    counts[label] += 1
                    seen = set()
                    for i in range(len(w) - RUN + 1):
                        s = " ".join(w[i:i + RUN])
                        if s not in seen:
                            seen.add(s)
                            shingles[s].append((path, lineno))
        total = sum(counts.values())
        print(f"{task}: {total} quotes in {domains} files, " +
              ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
        if total < MIN_PER_TASK:
            print(f"{folder}: only {total} quotes, need at least {MIN_PER_TASK}")
            problems += 1
        if counts and min(counts.values()) < 0.6 * max(counts.values()):
            print(f"{folder}: labels not roughly balanced: {dict(counts)}")
            problems += 1
    dups = 0
    for s, places in shingles.items():
        if len(places) > 1:
            dups += 1
            if dups <= 200:
                a, b = places[0], places[1]
                print(f"{a[0]}:{a[1]}: shares the 6-word run '{s}' with {b[0]}:{b[1]}")
    problems += dups
    print(f"near-duplicate runs: {dups}")
    print("OK" if problems == 0 else f"{problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
