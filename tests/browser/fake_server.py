#!/usr/bin/env python3
"""A stand-in for stance-serve while developing the page (stdlib only; a dev aid, not a test).

Serves serve/page/index.html at GET / with the headers the real route sends, and answers
POST /classify with a response in the shape documented in core/st_classify.h, computed by a naive
quote finder (paired straight or curly double quotes; the speaker is the capitalised words after
"said"/"says" or before "said" in the same sentence) and deterministic pseudo-probabilities.
Offsets are 0-based code points, end exclusive, as the real service gives them (Python str
indexes code points).

Usage: fake_server.py [--port N] [--page PATH] [--no-explain]
"""
import argparse
import hashlib
import http.server
import json
import os
import re
import sys

CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "connect-src 'self'; img-src data:")

QUOTE_RE = re.compile(r'["\u201c]([^"\u201c\u201d\n]+)["\u201d]')
AFTER_RE = re.compile(r'^[,.]?\s*(?:said|says|added|declared)\s+((?:[A-Z][\w.\-]*\s?){1,4})')
BEFORE_RE = re.compile(r'((?:[A-Z][\w.\-]*\s){1,4})(?:said|says|added|declared)\s*[,:]?\s*$')
NAME_BEFORE_SAID_RE = re.compile(r'^[,.]?\s*((?:[A-Za-z][\w.\-]*\s){1,4})(?:said|says|added)')


def unit(seed, salt):
    h = hashlib.sha256((salt + seed).encode("utf-8")).digest()
    return int.from_bytes(h[:4], "big") / 2**32


def probs(labels, seed, salt):
    raw = [0.05 + unit(seed, salt + l) ** 2 for l in labels]
    s = sum(raw)
    return {l: r / s for l, r in zip(labels, raw)}


def classify(text, explain):
    quotes = []
    for m in QUOTE_RE.finditer(text):
        start, end = m.start(1), m.end(1)
        speaker = sp_start = sp_end = None
        tail = text[m.end():m.end() + 80]
        head = text[max(0, m.start() - 80):m.start()]
        a = AFTER_RE.match(tail)
        b = NAME_BEFORE_SAID_RE.match(tail)
        c = BEFORE_RE.search(head)
        if a:
            speaker = a.group(1).strip()
            sp_start = m.end() + a.start(1)
        elif b:
            speaker = b.group(1).strip()
            sp_start = m.end() + b.start(1)
        elif c:
            speaker = c.group(1).strip()
            sp_start = max(0, m.start() - 80) + c.start(1)
        if speaker is not None:
            sp_end = sp_start + len(speaker)
        q = m.group(1)
        st = probs(["conciliatory", "hardline"], q, "stance")
        se = probs(["negative", "neutral", "positive"], q, "sentiment")
        stl = max(st, key=st.get)
        sel = max(se, key=se.get)
        item = {
            "text": q, "start": start, "end": end, "speaker": speaker,
            "speaker_start": sp_start, "speaker_end": sp_end,
            "speaker_method": "cue" if speaker else None, "partial": False, "unclosed": False,
            "stance": {"label": stl, "probability": st[stl], "probabilities": st},
            "sentiment": {"label": sel, "probability": se[sel], "probabilities": se},
        }
        if explain:
            words = [w.lower() for w in re.findall(r"\w+", q)][:5]
            item["explain"] = {
                "stance": [{"term": w, "weight": round(unit(w, "w") - 0.4, 3)} for w in words],
                "sentiment": [{"term": w, "weight": round(unit(w, "s") - 0.5, 3)} for w in words[:3]],
            }
        quotes.append(item)
    speakers = {}
    for q in quotes:
        s = speakers.setdefault(q["speaker"], {"speaker": q["speaker"], "quotes": 0,
                                               "stance": {"conciliatory": 0, "hardline": 0},
                                               "_sent": 0.0})
        s["quotes"] += 1
        s["stance"][q["stance"]["label"]] += 1
        p = q["sentiment"]["probabilities"]
        s["_sent"] += p["positive"] - p["negative"]
    rows = []
    for s in speakers.values():
        s["hardline_share"] = s["stance"]["hardline"] / s["quotes"]
        s["mean_sentiment"] = s.pop("_sent") / s["quotes"]
        rows.append(s)
    count = lambda task, l: sum(1 for q in quotes if q[task]["label"] == l)
    return {
        "id": None, "models": {"stance": "fake-1", "sentiment": "fake-1"}, "quotes": quotes,
        "summary": {
            "quotes": len(quotes),
            "stance": {l: count("stance", l) for l in ("conciliatory", "hardline")},
            "sentiment": {l: count("sentiment", l) for l in ("negative", "neutral", "positive")},
            "speakers": rows,
        },
    }


class Handler(http.server.BaseHTTPRequestHandler):
    page_path = ""
    explain = True

    def send(self, status, body, ctype, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, msg):
        self.send(status, json.dumps({"error": msg}).encode(), "application/json")

    def do_GET(self):
        if self.path == "/":
            with open(self.page_path, "rb") as f:
                body = f.read()
            self.send(200, body, "text/html; charset=utf-8", [("Content-Security-Policy", CSP)])
        elif self.path == "/healthz":
            self.send(200, b'{"status":"ok"}', "application/json")
        else:
            self.error(404, "no such path")

    def do_POST(self):
        if self.path != "/classify":
            return self.error(404, "no such path")
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        try:
            req = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            return self.error(400, "invalid JSON: %s" % e)
        text = req.get("text")
        if not isinstance(text, str) or not text:
            return self.error(400, "missing or empty \"text\"")
        body = json.dumps(classify(text, self.explain and bool(req.get("explain")))).encode("utf-8")
        self.send(200, body, "application/json")

    def log_message(self, fmt, *args):
        pass


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8081)
    ap.add_argument("--page", default=os.path.join(here, "..", "..", "serve", "page", "index.html"))
    ap.add_argument("--no-explain", action="store_true")
    a = ap.parse_args()
    Handler.page_path = a.page
    Handler.explain = not a.no_explain
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    print("fake stance-serve on http://127.0.0.1:%d/" % a.port, file=sys.stderr, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
