#!/usr/bin/env python3
"""End-to-end tests of the stance-score command.

  test_score_cli.py --bin stance-score --models DIR --work DIR --suite cli
      inputs written here: exit codes, per-record errors, order under -j, CSV, the SQLite store and
      its report, JSON Lines edge cases (BOM, CRLF, blank lines, truncated last line, too-large
      integer), feed inputs (E26, E27).
  test_score_cli.py ... --suite bbc --shared DIR
      the 2,225 real BBC articles: GNU parallel --pipe sharding equals one process, kill -9 and
      resume stores every article exactly once, memory stays flat as the input grows.
Exit 77 (skipped) when the models or the shared data are missing. Last line: "N passed, N failed".
"""
import argparse
import csv
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

ARGS = None
RESULTS = []


def run(args, stdin=None, check_rc=None, **kw):
    cmd = [ARGS.bin, "-m", ARGS.models, "--no-progress"] + args
    if "stdout" in kw:
        p = subprocess.run(cmd, input=stdin, stderr=subprocess.PIPE, **kw)
    else:
        p = subprocess.run(cmd, input=stdin, capture_output=True, **kw)
    if check_rc is not None and p.returncode != check_rc:
        raise AssertionError("%s exited %d, wanted %d; stderr:\n%s" % (cmd, p.returncode, check_rc,
                                                                     p.stderr.decode(errors="replace")))
    return p


def fresh_db(name):
    """The path of a database NAME in the work folder, with any earlier one (and its WAL) removed."""
    db = os.path.join(ARGS.work, name)
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(db + ext):
            os.remove(db + ext)
    return db


def lines(out):
    return [json.loads(l) for l in out.decode().splitlines() if l.strip()]


def test(fn):
    RESULTS.append(fn)
    return fn


ARTICLE = ('Harbour commissioner Ona Brannigan spoke on Tuesday. "We will never accept this offer and we '
           'will fight it all the way," Brannigan said. "We are ready to talk and we welcome the new '
           'proposal," said union leader Teo Marsh.')

# ===== cli suite =====


@test
def cli_jsonl_edge_cases():
    data = (b'\xef\xbb\xbf{"id": "a1", "text": ' + json.dumps(ARTICLE).encode() + b', "title": "T"}\r\n'
            b'\r\n'
            b'   \n'
            b'{"id": 123456789012345678901234567890, "text": "He said: \\"No.\\"", "n": 99999999999999999999}\n'
            b'{"id": "bad", "text": \n'
            b'{"id": "b2", "text": "Plain text without quotes.", "published": "Tue, 10 Jun 2003 04:00:00 EDT"}\n'
            b'{"id": "cut", "text": "Trunc')
    p = run(["-j", "3", "-"], stdin=data, check_rc=1)
    out = lines(p.stdout)
    assert [o["id"] for o in out] == ["a1", "123456789012345678901234567890", "b2"], out
    assert out[0]["title"] == "T" and "text" not in out[0]
    assert len(out[0]["quotes"]) == 2, out[0]["quotes"]
    assert out[0]["summary"]["quotes"] == 2
    assert out[2]["published"] == "2003-06-10T08:00:00Z"
    err = p.stderr.decode()
    assert "-:5:" in err and "-:7:" in err, err
    assert "3 articles ok, 2 errors" in err, err


@test
def cli_exit_codes_and_usage():
    p = run(["-"], stdin=b'{"id": "x", "text": ' + json.dumps(ARTICLE).encode() + b'}\n', check_rc=0)
    assert "1 articles ok, 0 errors, 2 quotes" in p.stderr.decode(), p.stderr
    run([], check_rc=2)
    run(["--format", "xml", "-"], stdin=b"", check_rc=2)
    p = subprocess.run([ARGS.bin, "-m", "/nonexistent-models", "-"], input=b"", capture_output=True)
    assert p.returncode == 2 and b"cannot load the models" in p.stderr
    # a damaged weights.tsv is named with its line; a folder in the other task's place is refused
    bad = os.path.join(ARGS.work, "bad-models")
    shutil.rmtree(bad, ignore_errors=True)
    shutil.copytree(ARGS.models, bad)
    wpath = os.path.join(bad, "stance", "weights.tsv")
    with open(wpath) as f:
        wl = f.read().split("\n")
    wl[9] = wl[9].split("\t")[0] + "\tnot-a-number"
    with open(wpath, "w") as f:
        f.write("\n".join(wl))
    p = subprocess.run([ARGS.bin, "-m", bad, "-"], input=b"", capture_output=True)
    assert p.returncode == 2 and b"stance/weights.tsv:10:" in p.stderr, p.stderr
    shutil.rmtree(os.path.join(bad, "stance"))
    shutil.copytree(os.path.join(ARGS.models, "sentiment"), os.path.join(bad, "stance"))
    p = subprocess.run([ARGS.bin, "-m", bad, "-"], input=b"", capture_output=True)
    assert p.returncode == 2 and b'holds a "sentiment" model' in p.stderr, p.stderr
    shutil.rmtree(bad)
    p = run([os.path.join(ARGS.work, "no-such-file.jsonl")], check_rc=1)
    assert b"no-such-file.jsonl" in p.stderr


@test
def cli_order_is_input_order_for_any_thread_count():
    recs = []
    for i in range(300):
        t = ARTICLE if i % 3 else "Short text %d without quotes." % i
        recs.append(json.dumps({"id": "r%03d" % i, "text": t * (1 + i % 7)}))
    data = ("\n".join(recs) + "\n").encode()
    outs = [run(["-j", str(j), "-"], stdin=data, check_rc=0).stdout for j in (1, 2, 5)]
    assert outs[0] == outs[1] == outs[2]
    assert [o["id"] for o in lines(outs[0])] == ["r%03d" % i for i in range(300)]


@test
def cli_csv_one_row_per_quote():
    import csv
    import io
    data = b'{"id": "x,1", "text": ' + json.dumps(ARTICLE).encode() + b'}\n{"id": "y", "text": "none"}\n'
    p = run(["--format", "csv", "-"], stdin=data, check_rc=0)
    rows = list(csv.reader(io.StringIO(p.stdout.decode())))
    assert rows[0][:3] == ["id", "source", "item"], rows[0]
    assert len(rows) == 3, rows
    assert rows[1][0] == "x,1" and rows[1][6] == "0" and rows[2][6] == "1"
    assert rows[1][10] in ("conciliatory", "hardline")
    assert 0.0 <= float(rows[1][11]) <= 1.0


@test
def cli_feeds_e26_e27():
    d = os.path.join(ARGS.work, "feeds")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "sub"))
    with open(os.path.join(d, "a.xml"), "wb") as f:  # E26 (c): a stray byte in item 2 of 3
        f.write(b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                b'<item><guid>g1</guid><title>One</title><description>&lt;p&gt;"We will talk," Ana Lind said.'
                b'&lt;/p&gt;</description><pubDate>Tue, 10 Jun 2003 04:00:00 CET</pubDate></item>'
                b'<item><guid>g2</guid><title>Two \x92</title></item>'
                b'<item><guid>g3</guid><title>Three</title></item></channel></rss>')
    with open(os.path.join(d, "sub", "b.atom"), "wb") as f:  # E27 (7): xhtml content
        f.write(b'\n<?xml version="1.0" encoding="windows-1251"?><feed xmlns="http://www.w3.org/2005/Atom">'
                b'<entry><id>e1</id><title>\xcd\xee\xe2\xee\xf1\xf2\xe8</title><content type="xhtml"><div '
                b'xmlns="http://www.w3.org/1999/xhtml">Harbour <b>reopens</b></div></content>'
                b'<updated>2004-02-01T10:00:00-05:00</updated></entry></feed>')
    with open(os.path.join(d, "c.txt"), "wb") as f:
        f.write(ARTICLE.encode())
    p = run(["--keep-text", d], check_rc=1)
    out = lines(p.stdout)
    assert [o["id"] for o in out] == ["g1", "g3", out[2]["id"], "e1"], [o["id"] for o in out]
    assert out[0]["text"] == 'One\n\n"We will talk," Ana Lind said.', out[0]["text"]
    assert out[0]["published"] == "2003-06-10T03:00:00Z"
    assert out[0]["quotes"][0]["speaker"] == "Ana Lind", out[0]["quotes"]
    assert out[2]["id"].startswith("sha256:") and len(out[2]["quotes"]) == 2
    assert out[3]["title"] == "Новости" and out[3]["text"] == "Новости\n\nHarbour reopens"
    assert out[3]["published"] == "2004-02-01T15:00:00Z"
    assert "a.xml:2:" in p.stderr.decode(), p.stderr


@test
def cli_written_lines_equal_the_tree_path():
    """Plain JSON output (the head dumped by jansson, the result written as bytes after it in one
    buffer) is byte for byte what the jansson tree path (--db) prints, for JSON Lines records with
    every kind of own field and id, and for feed items."""
    d = os.path.join(ARGS.work, "fastpath")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    recs = [{"id": 'q"1\\é', "text": ARTICLE, "tags": ["a", {"b": None}], "score": 1.5, "n": -3,
             "published": "2024-03-01T10:00:00+02:00", "note": "tab\tnl\n\u2028 \U0001F642"},
            {"id": 12345678901234567890123, "text": ARTICLE.replace("never accept", "always welcome")},
            {"text": "Nothing quoted here.", "url": "http://example.org/x", "empty": {}},
            {"id": None, "text": ARTICLE, "title": "", "ok": True},
            {"id": "long", "text": ARTICLE * 40}]
    with open(os.path.join(d, "a.jsonl"), "w") as f:
        f.write("\n".join(json.dumps(r, ensure_ascii=(i % 2 == 0)) for i, r in enumerate(recs)) + "\n")
    with open(os.path.join(d, "b.xml"), "wb") as f:
        f.write(b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                b'<item><guid>g1</guid><title>One</title><description>"We will talk," Ana Lind said.'
                b'</description><link>http://example.org/1</link></item></channel></rss>')
    fast = run([d], check_rc=0).stdout
    slow = run(["--db", fresh_db("fastpath.db"), d], check_rc=0).stdout
    assert fast.count(b"\n") == 6, fast  # (not lines(): str.splitlines also cuts at U+2028)
    assert fast == slow, (fast, slow)


@test
def cli_errors_in_input_order_with_parsing_on_workers():
    # JSON Lines records are parsed by the worker threads: bad lines interleaved with good ones,
    # duplicates and a feed item with nothing to score (an error of the scoring step) must still be
    # reported in input order, whatever -j, and every good article written in order
    d = os.path.join(ARGS.work, "ordered")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    items = "".join("<item><guid>f%d</guid><title>Item %d</title><description>%s</description></item>"
                    % (i, i, ARTICLE.replace('"', "&quot;")) for i in range(1, 40))
    with open(os.path.join(d, "a.rss"), "w") as f:  # item 40 has no text: reported by the output thread
        f.write('<?xml version="1.0"?><rss version="2.0"><channel>%s<item><guid>f40</guid></item>'
                '</channel></rss>' % items)
    recs, want_ids, want_err = [], [], ["a.rss:40: no text to score"]
    for i in range(1, 121):
        if i % 7 == 3:
            recs.append('{"id": "bad%d", "text": ' % i)
            want_err.append("b.jsonl:%d: invalid JSON" % i)
        elif i % 11 == 5:
            recs.append('{"id": "n%d"}' % i)
            want_err.append('b.jsonl:%d: record has no "text" string' % i)
        elif i % 13 == 6:
            recs.append(json.dumps({"id": "g1", "text": "other text %d" % i}))
            want_err.append('b.jsonl:%d: warning: duplicate id "g1" (first at %s/b.jsonl:1)' % (i, d))
        else:
            recs.append(json.dumps({"id": "g%d" % i, "text": ARTICLE if i % 2 else "Short %d." % i}))
            want_ids.append("g%d" % i)
    with open(os.path.join(d, "b.jsonl"), "w") as f:
        f.write("\n".join(recs) + "\n")
    for j in ("1", "4"):
        p = run(["-j", j, d], check_rc=1)
        assert [o["id"] for o in lines(p.stdout)] == ["f%d" % i for i in range(1, 40)] + want_ids
        err = [l.split(d + "/", 1)[1] for l in p.stderr.decode().splitlines() if d + "/" in l]
        assert len(err) == len(want_err), err
        for got, want in zip(err, want_err):
            assert got.startswith(want), (j, got, want)
        n_errors = len([w for w in want_err if "warning" not in w])
        assert "%d articles ok, %d errors" % (39 + len(want_ids), n_errors) in p.stderr.decode(), p.stderr


@test
def cli_store_upsert_skip_and_report():
    db = fresh_db("store.db")
    recs = [{"id": "s1", "text": ARTICLE, "published": "2024-03-01T10:00:00Z"},
            {"id": "s2", "text": ARTICLE.replace("never accept", "always welcome"), "published": "2024-03-02"},
            {"id": "s3", "text": "Nothing quoted here.", "published": "2024-03-03"}]
    data = ("\n".join(json.dumps(r) for r in recs) + "\n").encode()
    p = run(["--db", db, "-"], stdin=data, check_rc=0)
    assert len(lines(p.stdout)) == 3
    p = run(["--db", db, "-"], stdin=data, check_rc=0)
    assert lines(p.stdout) == [] and "3 skipped" in p.stderr.decode(), p.stderr
    p = run(["--db", db, "--rescore", "-"], stdin=data, check_rc=0)
    assert len(lines(p.stdout)) == 3
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 3
    assert con.execute("SELECT COUNT(*) FROM quotes").fetchone()[0] == 4
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
    rep = subprocess.run([ARGS.bin, "report", "--db", db, "--json"], capture_output=True, check=True)
    doc = json.loads(rep.stdout)
    names = [s["speaker"] for s in doc["speakers"]]
    assert names == sorted(names) and "Ona Brannigan" in names, names
    ona = [s for s in doc["speakers"] if s["speaker"] == "Ona Brannigan"][0]
    assert [d["day"] for d in ona["days"]] == ["2024-03-01", "2024-03-02"]
    assert ona["quotes"] == 2 and all(d["quotes"] == 1 for d in ona["days"])
    assert abs(ona["hardline_change"] - (ona["days"][1]["mean_hardline"] - ona["days"][0]["mean_hardline"])) < 1e-9
    rep = subprocess.run([ARGS.bin, "report", "--db", db, "--since", "2024-03-02", "--speaker", "ona brannigan"],
                         capture_output=True, check=True)
    table = rep.stdout.decode().splitlines()
    assert table[1].split()[:2] == ["speaker", "day"], table
    body = [l for l in table[2:] if l.strip()]
    assert len(body) == 2 and "2024-03-02" in body[0] and "all days" in body[1], table
    assert subprocess.run([ARGS.bin, "report", "--db", db, "--since", "not-a-date"],
                          capture_output=True).returncode == 2


@test
def cli_duplicate_ids_first_kept_same_with_and_without_db():
    db = fresh_db("dups.db")
    other = ARTICLE.replace("never accept", "always welcome")
    recs = [{"id": "d1", "text": ARTICLE, "title": "first"},
            {"id": "d2", "text": "Nothing quoted here."},
            {"id": "d1", "text": ARTICLE, "title": "again"},     # same id, same text: silent
            {"id": "d1", "text": other, "title": "changed"},     # same id, other text: a warning
            {"text": other},                                     # no id: the key is the text's hash
            {"text": other, "title": "same content"}]
    data = ("\n".join(json.dumps(r) for r in recs) + "\n").encode()
    for args in ([], ["--db", db]):
        p = run(["-j", "3", "-"] + args, stdin=data, check_rc=0)
        out = lines(p.stdout)
        assert [o["id"] for o in out] == ["d1", "d2", out[2]["id"]], [o["id"] for o in out]
        assert out[0]["title"] == "first" and out[2]["id"].startswith("sha256:")
        err = p.stderr.decode()
        assert 'warning: duplicate id "d1" (first at -:1) with a different text' in err, err
        assert "-:3:" not in err and "-:6:" not in err, err
        assert "3 articles ok, 0 errors" in err and "3 duplicates skipped" in err, err
    con = sqlite3.connect(db)
    rows = con.execute("SELECT article_id, title, item FROM articles ORDER BY item").fetchall()
    assert [(r[1], r[2]) for r in rows] == [("first", 1), (None, 2), (None, 5)], rows
    assert con.execute("SELECT COUNT(*) FROM quotes WHERE article_id = 'd1'").fetchone()[0] == 2
    con.close()
    p = run(["--db", db, "-"], stdin=data, check_rc=0)
    err = p.stderr.decode()
    assert lines(p.stdout) == [] and "3 skipped (already in" in err and "3 duplicates skipped" in err, err


@test
def cli_unusable_ids_become_the_store_key():
    """An "id" that is null, empty or not a string or number is no key: the output's "id" is the
    key the store uses (url, else the text's hash), so output lines and database rows join."""
    db = fresh_db("ids.db")
    recs = [{"id": None, "text": ARTICLE},
            {"id": "", "text": "Nothing quoted here.", "url": "http://example.org/a"},
            {"id": {"a": 1}, "text": ARTICLE.replace("never accept", "always welcome")},
            {"id": 12, "text": "Nothing quoted here either."},
            {"guid": "g-7", "text": "Still nothing quoted."}]
    data = ("\n".join(json.dumps(r) for r in recs) + "\n").encode()
    p = run(["-j", "2", "--db", db, "-"], stdin=data, check_rc=0)
    ids = [o["id"] for o in lines(p.stdout)]
    assert ids[0].startswith("sha256:") and ids[2].startswith("sha256:") and ids[0] != ids[2], ids
    assert ids[1] == "http://example.org/a" and ids[3] == 12 and ids[4] == "g-7", ids
    con = sqlite3.connect(db)
    keys = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY item")]
    con.close()
    assert keys == [str(i) for i in ids], (keys, ids)


@test
def cli_numeric_ids_are_one_key_by_value():
    """12.0, 1.2e1 and "12" are the article 12 (issue #5): later ones are duplicates, and the output's
    "id" is the key the store holds (an integer when it is one, else a string)."""
    db = fresh_db("numids.db")
    data = (b'{"id": 12.0, "text": "One."}\n{"id": 1.2e1, "text": "Two."}\n'
            b'{"id": 12.50, "text": "Three."}\n{"id": "12", "text": "One."}\n')
    p = run(["--db", db, "-"], stdin=data, check_rc=0)
    ids = [o["id"] for o in lines(p.stdout)]
    assert ids == [12, "12.5"], ids
    err = p.stderr.decode()
    assert '-:2: warning: duplicate id "12" (first at -:1)' in err, err
    assert "-:4:" not in err and err.rstrip().endswith(", 2 duplicates skipped"), err
    con = sqlite3.connect(db)
    keys = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY item")]
    con.close()
    assert keys == ["12", "12.5"], keys
    # a numeric guid (no "id") is written as a numeric id would be
    p = run(["-"], stdin=b'{"guid": 77, "text": "One."}\n{"guid": 7.70e1, "text": "Two."}\n'
                         b'{"guid": 0.5e0, "text": "Three."}\n', check_rc=0)
    assert [o["id"] for o in lines(p.stdout)] == [77, "0.5"], p.stdout
    # "id": null is no id: the guid keys the article
    p = run(["-"], stdin=b'{"guid": 78, "id": null, "text": "One."}\n{"guid": "g-1", "id": null, "text": "Two."}\n',
            check_rc=0)
    assert [o["id"] for o in lines(p.stdout)] == [78, "g-1"], p.stdout


@test
def cli_closed_streams_full_disk_and_empty_input():
    data = ("\n".join(json.dumps({"id": "f%d" % i, "text": ARTICLE + " %d" % i}) for i in range(300)) + "\n").encode()
    src = os.path.join(ARGS.work, "three-hundred.jsonl")
    with open(src, "wb") as f:
        f.write(data)
    cmd = [ARGS.bin, "-m", ARGS.models, "--no-progress"]
    # stdout closed: fatal (2), and nothing is counted as ok that was not written
    p = subprocess.run(cmd + [src], capture_output=False, stderr=subprocess.PIPE, stdout=None,
                       preexec_fn=lambda: os.close(1))
    err = p.stderr.decode()
    assert p.returncode == 2 and "cannot write the output" in err and "0 articles ok" in err, err
    # stdin closed: that input fails (1) with its name
    p = subprocess.run(cmd + ["-"], capture_output=True, stdin=None, preexec_fn=lambda: os.close(0))
    assert p.returncode == 1 and b"stance-score: -: " in p.stderr, p.stderr
    # empty stdin: nothing to do, not an error
    p = run(["-"], stdin=b"", check_rc=0)
    assert p.stdout == b"" and "0 articles ok, 0 errors" in p.stderr.decode()
    # a full disk with --db: fatal, and the database does not claim articles whose output was lost
    db = fresh_db("full.db")
    p = run(["--db", db, "-o", "/dev/full", src], check_rc=2)
    assert b"No space left on device" in p.stderr, p.stderr
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 0
    con.close()


# ===== bbc suite =====

@test
def cli_appending_after_a_killed_run_removes_its_cut_line():
    """kill -9 can stop a write(2) at a page boundary, leaving a cut last line in a file that the
    next run appends to: the next run removes it (its article was not committed, so it is written
    again); a tail that is not a cut JSON line is kept and ended with a newline."""
    inp = os.path.join(ARGS.work, "append-in.jsonl")
    with open(inp, "w") as f:
        f.write(json.dumps({"id": "k1", "text": ARTICLE}) + "\n")
    whole = json.dumps({"id": "k0", "quotes": []})
    for tail, kept in ((whole + "\n" + '{"id": "k1", "title": null, "quo', None),
                       (whole + "\n" + "a note without newline", "a note without newline"),
                       ('{"id": "k1", "quotes": [{"te', None)):
        out = os.path.join(ARGS.work, "append-out.jsonl")
        with open(out, "w") as f:
            f.write(tail)
        with open(out, "ab") as f:
            p = run([inp], stdout=f, check_rc=0)
        assert b"warning" in p.stderr, p.stderr
        with open(out) as f:
            got = f.read().splitlines()
        if kept:
            assert got[:2] == [whole, kept] and json.loads(got[2])["id"] == "k1", got
        else:
            ids = [json.loads(l)["id"] for l in got]
            assert ids == (["k0", "k1"] if tail.startswith(whole) else ["k1"]), got
            assert len(json.loads(got[-1])["quotes"]) == 2
    # CSV: a row cut inside a quoted field (a comma in the quote) is removed, and no second header
    # is written into a file that starts with ours
    out_csv = os.path.join(ARGS.work, "append-out.csv")
    with open(out_csv, "wb") as f:
        run(["--format", "csv", inp], stdout=f, check_rc=0)
    with open(out_csv, "rb") as f:
        whole_csv = f.read()
    cut_at = whole_csv.index(b"we will fight it") + 5
    with open(out_csv, "wb") as f:
        f.write(whole_csv[:cut_at])
    with open(out_csv, "ab") as f:
        p = run(["--format", "csv", inp], stdout=f, check_rc=0)
    assert b"cut CSV row" in p.stderr, p.stderr
    with open(out_csv, "rb") as f:
        got = f.read()
    assert got == whole_csv, got
    with open(out_csv, "ab") as f:
        p = run(["--format", "csv", inp], stdout=f, check_rc=0)
    assert b"warning" not in p.stderr, p.stderr
    with open(out_csv, newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 5 and rows[0][0] == "id" and all(len(r) == 14 for r in rows), rows
    # a file that is our header cut short (inside its CR LF, or inside its text) is emptied first
    header_len = whole_csv.index(b"\r\n") + 2
    for keep in (header_len - 1, 22):
        with open(out_csv, "wb") as f:
            f.write(whole_csv[:keep])
        with open(out_csv, "ab") as f:
            p = run(["--format", "csv", inp], stdout=f, check_rc=0)
        assert b"cut CSV header" in p.stderr, p.stderr
        with open(out_csv, "rb") as f:
            assert f.read() == whole_csv
    assert [r[7] for r in rows[1:3]] == [r[7] for r in rows[3:5]]
    # a file that ends in a newline is left as it is
    with open(out, "ab") as f:
        p = run([inp], stdout=f, check_rc=0)
    assert b"warning" not in p.stderr, p.stderr
    with open(out) as f:
        assert [json.loads(l)["id"] for l in f.read().splitlines()][-2:] == ["k1", "k1"]


def bbc_path():
    return os.path.join(ARGS.shared, "data", "bbc-news", "articles.jsonl")


@test
def bbc_parallel_shards_equal_one_process():
    single = run(["-j", "2", bbc_path()], check_rc=0).stdout
    assert len(single.splitlines()) == 2225
    cmd = ("parallel --pipe --keep-order --block 400k -j 3 %s -m %s -j 1 --no-progress - < %s"
           % (ARGS.bin, ARGS.models, bbc_path()))
    merged = subprocess.run(cmd, shell=True, capture_output=True, check=True).stdout
    assert merged == single, "sharded output differs from the single-process output"
    # shards without --keep-order, merged by sorting on id, give the same set too
    cmd = cmd.replace("--keep-order ", "")
    shards = subprocess.run(cmd, shell=True, capture_output=True, check=True).stdout
    assert sorted(shards.splitlines()) == sorted(single.splitlines())


@test
def bbc_kill9_and_resume_counts_every_article_once():
    db = fresh_db("resume.db")
    rng = random.Random(7)
    kills = 0
    # the nightly job appends every run's output to one file: after the kills and the resume, it
    # holds whole lines only, and every stored article (a line is written before its commit)
    appended = os.path.join(ARGS.work, "resume.jsonl")
    out = open(appended, "wb")
    for attempt in range(12):
        p = subprocess.Popen([ARGS.bin, "-m", ARGS.models, "--no-progress", "-j", "2", "--db", db, bbc_path()],
                             stdout=out, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.05, 0.4))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait()
        p.stderr.close()
    p = run(["-j", "2", "--db", db, bbc_path()], stdout=out, check_rc=0)
    out.close()
    with open(appended, "rb") as f:
        written = [json.loads(l)["id"] for l in f.read().splitlines()]
    assert set(written) == {"bbc-%04d" % i for i in range(1, 2226)}, len(set(written))
    con = sqlite3.connect(db)
    n, distinct = con.execute("SELECT COUNT(*), COUNT(DISTINCT article_id) FROM articles").fetchone()
    q = con.execute("SELECT COUNT(*) FROM quotes").fetchone()[0]
    dup = con.execute("SELECT COUNT(*) FROM (SELECT article_id, idx FROM quotes GROUP BY article_id, model_version, "
                      "idx HAVING COUNT(*) > 1)").fetchone()[0]
    con.close()
    assert n == distinct == 2225, (n, distinct)
    assert dup == 0
    full = run(["-j", "2", bbc_path()], check_rc=0)
    want_quotes = sum(len(o["quotes"]) for o in lines(full.stdout))
    assert q == want_quotes, (q, want_quotes)
    print("  kill -9 runs: %d; final run: %s" % (kills, p.stderr.decode().strip()))


@test
def bbc_memory_stays_flat():
    ldd = subprocess.run(["ldd", ARGS.bin], capture_output=True).stdout
    if b"libasan" in ldd:
        print("  skipped: an AddressSanitizer build keeps freed memory in quarantine")
        return
    big = os.path.join(ARGS.work, "bbc-x8.jsonl")
    with open(bbc_path(), "rb") as f:
        data = f.read()
    with open(big, "wb") as f:  # distinct ids, so that every copy is scored (duplicates are skipped)
        for k in range(8):
            f.write(data.replace(b'"id": "bbc-', b'"id": "bbc-%d-' % k))

    def peak(path):
        cmd = ["/usr/bin/time", "-f", "%M", ARGS.bin, "-m", ARGS.models, "--no-progress", "-j", "2", path]
        p = subprocess.run(cmd, capture_output=True, check=False)
        assert p.returncode == 0, p.stderr[-500:]
        return int(p.stderr.decode().strip().splitlines()[-1])

    one, eight = peak(bbc_path()), peak(big)
    os.remove(big)
    print("  peak RSS: 1x %d KiB, 8x %d KiB" % (one, eight))
    assert eight < one * 1.3 + 4096, (one, eight)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--shared", default="")
    ap.add_argument("--suite", choices=["cli", "bbc"], required=True)
    ARGS = ap.parse_args()
    if not os.path.isdir(os.path.join(ARGS.models, "stance")):
        print("skipped: no trained models in %s (the CTest fixture 'models' trains them)" % ARGS.models)
        return 77
    if ARGS.suite == "bbc":
        if not os.path.exists(bbc_path()):
            print("skipped: %s is absent" % bbc_path())
            return 77
        if not shutil.which("parallel"):
            print("skipped: GNU parallel is not installed")
            return 77
    os.makedirs(ARGS.work, exist_ok=True)
    passed = failed = 0
    for fn in RESULTS:
        if not fn.__name__.startswith(ARGS.suite + "_"):
            continue
        t0 = time.time()
        try:
            fn()
            passed += 1
            print("ok   %s (%.1f s)" % (fn.__name__, time.time() - t0))
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            failed += 1
            print("FAIL %s: %s: %s" % (fn.__name__, type(e).__name__, e))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
