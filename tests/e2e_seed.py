#!/usr/bin/env python3
"""End-to-end test of stance-serve on the seed article (shared/seeds/000_3c68d103f99c1bde.txt), read in
place from ../shared (exit 77 with a message when it is absent; its text is never copied here).

Usage: e2e_seed.py --server build/bin/stance-serve --models build/test-models --shared ../shared

Checks the quotes and their speakers (Vance's proposal quote, Svyrydenko's three quotes, the EU
official's two quotes, the Starmer spokesperson's quote), code point offsets, and the stance the
default models trained from datasets/ give them: conciliatory for the spokesperson's commitment to
peace, hardline for Vance's ultimatum and the EU official's sanctions quotes. Stance checks are
reported one by one, so a model regression shows exactly which quote moved.
The last line is 'N passed, N failed'.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_common import SKIP, Results, Server, args, check, check_shape, post_text  # noqa: E402

SEED = "seeds/000_3c68d103f99c1bde.txt"

# (how the quote starts, who says it, expected stance or None)
EXPECTED = [
    ("We remain absolutely committed", "spokesperson", "conciliatory"),
    ("We\u2019ve issued a very explicit proposal", "Vance", "hardline"),
    ("Ukraine is ready to negotiate", "Svyrydenko", None),
    ("A full ceasefire", "Svyrydenko", None),
    ("If Russia opts for a limited pause", "Svyrydenko", None),
    ("The sanctions are leverage", "EU official", "hardline"),
    ("They\u2019re not being lifted", "EU official", "hardline"),
]


def find(result, prefix):
    for q in result["quotes"]:
        if q["text"].startswith(prefix):
            return q
    raise AssertionError("no quote starting %r; quotes: %r" % (prefix, [q["text"][:40] for q in result["quotes"]]))


def main():
    a = args(sys.argv)
    shared = a["shared"] or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared")
    path = os.path.join(shared, SEED)
    if not os.path.isfile(path):
        print("SKIP: %s is absent (the read-only shared/ folder beside the project)" % path)
        return SKIP
    with open(path, encoding="utf-8") as f:
        article = f.read()
    res = Results()
    server = Server(a["server"], a["models"], ["--quiet", "--threads", "2"])
    try:
        r = post_text(server.port, article)
        check(r.status == 200, "POST /classify: %r" % r)
        result = r.json()

        def shape():
            check_shape(result)
            check(len(result["quotes"]) >= len(EXPECTED), "only %d quotes" % len(result["quotes"]))

        def offsets():
            for q in result["quotes"]:
                span = article[q["start"]:q["end"]]
                check(span.rstrip(",") == q["text"].rstrip(","), "text[%d:%d] = %r, quote %r"
                      % (q["start"], q["end"], span[:60], q["text"][:60]))
                if q["speaker"] is not None:
                    check(q["speaker_end"] <= len(article), "speaker offsets past the end")

        res.run("seed: result shape", shape)
        res.run("seed: code point offsets", offsets)
        for prefix, who, _ in EXPECTED:
            def speaker(prefix=prefix, who=who):
                q = find(result, prefix)
                check(q["speaker"] is not None and who.lower() in q["speaker"].lower(),
                      "speaker of %r is %r, expected %s" % (prefix, q["speaker"], who))
            res.run("seed: %s... -> %s" % (prefix[:24], who), speaker)
        for prefix, who, stance in EXPECTED:
            if stance is None:
                continue

            def stance_check(prefix=prefix, stance=stance):
                q = find(result, prefix)
                got = q["stance"]
                check(got["label"] == stance, "stance of %r is %s (p=%s), expected %s (models trained from "
                      "datasets/)" % (prefix, got["label"], got.get("probability"), stance))
            res.run("seed: stance of %s... is %s" % (prefix[:24], stance), stance_check)

        def summary():
            speakers = {s["speaker"]: s for s in result["summary"]["speakers"]}
            svy = [s for name, s in speakers.items() if "Svyrydenko" in name]
            check(svy and svy[0]["quotes"] >= 3, "Svyrydenko's summary %r" % svy)
            eu = [s for name, s in speakers.items() if "EU official" in name]
            check(eu and eu[0]["quotes"] == 2 and eu[0]["hardline_share"] == 1.0, "EU official's summary %r" % eu)
        res.run("seed: summary per speaker", summary)
    finally:
        code = server.stop()
        server.cleanup()
    res.run("seed: SIGTERM exits 0", lambda: check(code == 0, "exit code %s" % code))
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
