#!/usr/bin/env python3
"""Checks that the committed default models (models/) are exactly what stance-train makes of datasets/.

Usage: models_reproducible.py COMMITTED_DIR FRESH_DIR
Every file of every task folder must be byte-identical, except meta.json's `trained_at` (the date of
training). A difference means datasets/ or the trainer changed without retraining models/:
run `build/bin/stance-train datasets/ -o models/` and commit the result.
"""
import json
import os
import sys


def main():
    committed, fresh = sys.argv[1], sys.argv[2]
    tasks = sorted(d for d in os.listdir(committed) if os.path.isdir(os.path.join(committed, d)))
    if not tasks:
        print(f"{committed}: no model folders")
        return 1
    bad = 0
    for task in tasks:
        names = sorted(os.listdir(os.path.join(committed, task)))
        fresh_names = sorted(os.listdir(os.path.join(fresh, task)))
        if names != fresh_names:
            print(f"{task}: files differ: committed {names}, fresh {fresh_names}")
            bad += 1
            continue
        for name in names:
            a = open(os.path.join(committed, task, name), "rb").read()
            b = open(os.path.join(fresh, task, name), "rb").read()
            if name == "meta.json":
                ja, jb = json.loads(a), json.loads(b)
                ja.pop("trained_at", None)
                jb.pop("trained_at", None)
                same = ja == jb
            else:
                same = a == b
            print(f"{task}/{name}: {'identical' if same else 'DIFFERS'}")
            bad += not same
    print(f"{bad} differences" if bad else "models/ is reproducible from datasets/")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
