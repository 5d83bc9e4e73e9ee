#!/usr/bin/env python3
"""End-to-end tests of stance-serve over real sockets (python3 standard library only).

Usage: e2e_serve.py --server build/bin/stance-serve --models build/test-models

Covers: the routes and their JSON; every documented 4xx (invalid JSON with line/column, invalid
UTF-8, missing or non-string text, NUL, empty body, 405 with Allow, 404, 413 from Content-Length
before the body and mid-way through a chunked body, 415); bodies delivered in one write, in 1-byte
pieces, chunked with chunk extensions and with Expect: 100-continue giving byte-identical JSON
(cases E21-E24 of shared/cases/README.md); a stalled chunked upload cut by the connection timeout;
a lying Content-Length and oversized headers leaving the service up; uploads that stall holding no
worker; the connection limit; concurrent requests; SIGHUP
reloads during requests (and a bad model folder keeping the old set); /metrics; /admin/reload with
a bearer token; SIGTERM draining an in-flight request and exiting 0.
The last line is 'N passed, N failed'.
"""
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_common import (Reader, Results, Server, args, check, check_shape, connect,  # noqa: E402
                        post_json, post_text, raw_request, request_bytes)

# A short article written for these tests: curly and straight quotes, speakers before and after their
# quotes, and multi-byte characters (accents, an em dash, an emoji) before the quotes so code point and
# byte offsets differ.
ARTICLE = (
    "Ceasefire talks in Dravnik resume — mediators cautious 🙂\n\n"
    "Negotiators from Ostreva and the Kaleni Republic met again on Tuesday in the old customs hall.\n\n"
    "“We are ready to meet them halfway, and we will keep talking until there is an agreement,” said "
    "Mária Szőke-Lindqvist, the chief mediator.\n\n"
    "The Kaleni defence minister, Tomas Brandt, rejected the offer. “There will be no concessions while "
    "their troops remain on our soil,” Brandt said.\n\n"
    "Ostreva’s foreign minister Ilse Varga struck a softer tone: \"We welcome every step that brings "
    "our people closer to peace.\"\n"
)


def big_article(target_bytes):
    """A long article (distinct quotes, so none are merged as duplicates)."""
    parts = []
    size = 0
    i = 0
    speakers = ["Mária Szőke-Lindqvist", "Tomas Brandt", "Ilse Varga", "Pieter Okafor"]
    while size < target_bytes:
        who = speakers[i % len(speakers)]
        p = ("Paragraph %d reports on round %d of the talks in Dravnik — délégués arrived early. "
             "“We will keep working on proposal number %d and we hope for progress,” %s said.\n\n"
             % (i, i, i, who))
        if i % 3 == 1:
            p = ("Paragraph %d. %s was blunt: “Proposal %d is unacceptable and we will not sign it "
                 "under any circumstances.”\n\n" % (i, who, i))
        parts.append(p)
        size += len(p.encode("utf-8"))
        i += 1
    return "".join(parts)


def check_error(resp, status, contains=None):
    check(resp.status == status, "expected %d, got %d %r" % (status, resp.status, resp.body[:300]))
    check(resp.headers.get("content-type", "").startswith("application/json"),
          "error Content-Type %r" % resp.headers.get("content-type"))
    body = resp.json()
    check(isinstance(body.get("error"), str) and body["error"], "no error message in %r" % body)
    if contains:
        check(contains.lower() in body["error"].lower(), "error %r does not mention %r" % (body["error"], contains))
    return body


def check_offsets(text, result):
    """text[start:end] (code points) is the quote, up to the one trailing comma the extractor drops."""
    for q in result["quotes"]:
        span = text[q["start"]:q["end"]]
        check(span == q["text"] or span.rstrip(",") == q["text"].rstrip(",") or "\n" in span,
              "text[%d:%d] = %r but quote is %r" % (q["start"], q["end"], span, q["text"]))
        if q["speaker"] is not None:
            check(0 <= q["speaker_start"] < q["speaker_end"] <= len(text), "speaker offsets %r" % q)


# ---------------------------------------------------------------- routes and results


def t_health(port):
    r = raw_request(port, "GET", "/healthz")
    check(r.status == 200 and r.json() == {"status": "ok"}, repr(r))
    check(r.headers.get("content-type") == "application/json; charset=utf-8", r.headers.get("content-type"))
    check(r.headers.get("x-content-type-options") == "nosniff", "no nosniff header")
    r = raw_request(port, "HEAD", "/healthz")
    check(r.status == 200, repr(r))
    r = raw_request(port, "GET", "/readyz")
    check(r.status == 200 and r.json()["status"] == "ready", repr(r))


def t_page(port):
    r = raw_request(port, "GET", "/")
    check(r.status == 200 and r.headers.get("content-type") == "text/html; charset=utf-8", repr(r))
    check("default-src 'none'" in r.headers.get("content-security-policy", ""), "no CSP")
    check(b"<html" in r.body[:200].lower(), "not the page")


def t_models(port):
    r = raw_request(port, "GET", "/models")
    check(r.status == 200, repr(r))
    m = r.json()["models"]
    for task in ("stance", "sentiment"):
        check(isinstance(m[task]["labels"], list) and len(m[task]["labels"]) >= 2, "labels of %s" % task)
        check(isinstance(m[task]["version"], str) and m[task]["version"], "version of %s" % task)
    check(set(m["stance"]["labels"]) == {"conciliatory", "hardline"}, "stance labels %r" % m["stance"]["labels"])


def t_classify_text(port):
    r = post_text(port, ARTICLE)
    check(r.status == 200, repr(r))
    res = r.json()
    check_shape(res)
    check(res["id"] is None, "id should be null")
    check(len(res["quotes"]) >= 3, "expected at least 3 quotes, got %d" % len(res["quotes"]))
    check_offsets(ARTICLE, res)
    texts = [q["text"] for q in res["quotes"]]
    check(any(t.startswith("There will be no concessions") for t in texts), "Brandt's quote missing: %r" % texts)


def t_classify_json(port):
    r = post_json(port, {"text": ARTICLE, "id": "doc-7", "explain": True})
    check(r.status == 200, repr(r))
    res = r.json()
    check_shape(res)
    check(res["id"] == "doc-7", "id not echoed")
    check_offsets(ARTICLE, res)
    for q in res["quotes"]:
        check("explain" in q, "no explain")
        for task in ("stance", "sentiment"):
            for e in q["explain"][task]:
                check(isinstance(e["term"], str) and isinstance(e["weight"], (int, float)), repr(e))
    # the same article as text/plain gives the same result (apart from id and explain)
    plain = post_text(port, ARTICLE).json()
    for q in res["quotes"]:
        del q["explain"]
    res["id"] = None
    check(plain == res, "text/plain and JSON results differ")


def t_given_quotes(port):
    r = post_json(port, {"quotes": ["We are ready to talk at any time.", "We will never give in."]})
    check(r.status == 200, repr(r))
    res = r.json()
    check_shape(res, n_quotes=2, given=True)
    check(res["quotes"][0]["text"] == "We are ready to talk at any time.", "quote text")
    check(res["summary"]["speakers"] == [], "given quotes have no speakers")
    r = post_json(port, {"quotes": []})
    check(r.status == 200 and r.json()["quotes"] == [], repr(r))


# ---------------------------------------------------------------- errors (E23, E24)


def t_invalid_json(port):
    body = b'{\n  "text": "Talks resumed",\n  oops\n}'
    r = raw_request(port, "POST", "/classify", body, {"Content-Type": "application/json"})
    e = check_error(r, 400, "invalid JSON")
    check(e.get("line") == 3 and isinstance(e.get("column"), int), "line/column %r" % e)


def t_invalid_utf8(port):
    r = raw_request(port, "POST", "/classify", b'{"text":"caf\xe9 owners protest"}', {"Content-Type": "application/json"})
    check_error(r, 400, "invalid UTF-8")
    r = raw_request(port, "POST", "/classify", b"caf\xe9 owners protest", {"Content-Type": "text/plain"})
    check_error(r, 400, "invalid UTF-8")
    r = raw_request(port, "POST", "/classify", b'{"text":"a \xed\xa0\x80 b"}', {"Content-Type": "application/json"})
    check_error(r, 400, "invalid UTF-8")  # an encoded surrogate is not UTF-8


def t_text_not_string(port):
    check_error(post_json(port, {"text": 42}), 400, "text must be a string")
    check_error(post_json(port, {}), 400, "text must be a string")
    check_error(post_json(port, {"text": None}), 400, "text must be a string")
    check_error(post_json(port, ["text"]), 400, "object")
    check_error(post_json(port, {"quotes": "one"}), 400, "quotes must be an array")
    check_error(post_json(port, {"quotes": ["a", 1]}), 400, "quotes must be an array")
    check_error(post_json(port, {"quotes": ["We are ready.", " \n"]}), 400, "a quote is empty")
    for path in ("/healthz%00junk", "/%00", "/models%00"):  # a NUL never cuts a path short
        check_error(raw_request(port, "GET", path), 404)
    check_error(post_json(port, {"quotes": ["ok"] * 10001}), 400, "too many quotes")
    check_error(post_json(port, {"text": "x", "id": 5}), 400, "id must be a string")
    check_error(post_json(port, {"text": "x", "explain": "yes"}), 400, "explain")
    check_error(post_json(port, {"text": ""}), 400, "empty")


def t_nul(port):
    r = raw_request(port, "POST", "/classify", b'{"text":"Price rose\\u0000 sharply"}', {"Content-Type": "application/json"})
    check_error(r, 400, "NUL")
    r = raw_request(port, "POST", "/classify", b"Price rose\x00 sharply", {"Content-Type": "text/plain"})
    check_error(r, 400, "NUL")


def t_surrogates(port):
    r = raw_request(port, "POST", "/classify", b'{"text":"\\ud800 x"}', {"Content-Type": "application/json"})
    e = check_error(r, 400, "invalid JSON")
    check("line" in e and "column" in e, "no line/column")
    r = raw_request(port, "POST", "/classify", b'{"text":"\\ud83d\\ude00 great, \\u201cwe agree\\u201d she said"}',
                    {"Content-Type": "application/json"})
    check(r.status == 200, repr(r))
    check_shape(r.json())


def t_empty_body(port):
    r = raw_request(port, "POST", "/classify", b"", {"Content-Type": "application/json", "Content-Length": "0"})
    check_error(r, 400, "empty body")
    r = raw_request(port, "POST", "/classify", b"", {"Content-Type": "text/plain", "Content-Length": "0"})
    check_error(r, 400, "empty body")


def t_methods_and_paths(port):
    r = raw_request(port, "GET", "/classify")
    check_error(r, 405)
    check(r.headers.get("allow") == "POST", "Allow %r" % r.headers.get("allow"))
    r = raw_request(port, "POST", "/healthz", b"x", {"Content-Type": "text/plain"})
    check_error(r, 405)
    check("GET" in r.headers.get("allow", ""), "Allow %r" % r.headers.get("allow"))
    r = raw_request(port, "DELETE", "/models")
    check_error(r, 405)
    check_error(raw_request(port, "GET", "/nope"), 404, "unknown path")
    check_error(raw_request(port, "POST", "/classify/extra", b"x", {"Content-Type": "text/plain"}), 404)
    check_error(raw_request(port, "POST", "/admin/reload"), 404)  # no --admin-token-file


def t_content_type(port):
    check_error(raw_request(port, "POST", "/classify", b"<a/>", {"Content-Type": "application/xml"}), 415)
    check_error(raw_request(port, "POST", "/classify", b"x", {"Content-Type": "text/plain; charset=iso-8859-1"}),
                415, "charset")
    check_error(raw_request(port, "POST", "/classify", b"x", {}), 415)
    r = raw_request(port, "POST", "/classify", b'{"text":"\\u201cYes,\\u201d he said."}',
                    {"Content-Type": "Application/JSON; charset=\"UTF-8\""})
    check(r.status == 200, repr(r))


def t_depth(port):
    body = b'{"text": "x", "extra": ' + b"[" * 100 + b"]" * 100 + b"}"
    check_error(raw_request(port, "POST", "/classify", body, {"Content-Type": "application/json"}), 400, "nested")


def t_413_content_length(port):
    """E23(a): 413 on the headers, before 100 Continue, body never read."""
    with connect(port, timeout=10) as s:
        s.sendall(request_bytes("POST", "/classify", None, {
            "Content-Type": "application/json", "Content-Length": "5000000", "Expect": "100-continue"}))
        r = Reader(s).response()
    check_error(r, 413, "too large")
    check(100 not in r.interim, "100 Continue was sent before the 413")


def t_413_chunked(port):
    """E23(b): a chunked body passing 1 MiB gets its 413 as soon as the limit is passed (before the body
    ends), with Connection: close. libmicrohttpd 0.9.75 cannot queue a response while it reads an upload, so
    the server writes the 413 to the socket itself and shuts its side; it discards the rest up to twice the
    limit and then closes the connection, so an endless chunked body is cut."""
    piece = b"a" * 65536
    with connect(port, timeout=20) as s:
        s.sendall(request_bytes("POST", "/classify", None, {
            "Content-Type": "text/plain", "Transfer-Encoding": "chunked"}))
        for _ in range(19):  # 1.19 MiB, never terminated: the answer must not wait for the end
            s.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
        r = Reader(s).response()
        check_error(r, 413, "too large")
        check(r.json().get("limit") == 1048576, "limit %r" % r.json())
        check(r.headers.get("connection", "").lower() == "close", "413 without Connection: close")
        check(r.headers.get("x-content-type-options") == "nosniff", "413 without nosniff")
    with connect(port, timeout=20) as s:
        s.sendall(request_bytes("POST", "/classify", None, {
            "Content-Type": "text/plain", "Transfer-Encoding": "chunked"}))
        cut = False
        try:
            for _ in range(160):  # up to 10 MiB, never terminated
                s.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
        except OSError:
            cut = True
        if not cut:
            try:
                data = s.recv(65536)
                cut = data == b"" or data.startswith(b"HTTP/1.1 413")
            except socket.timeout:
                cut = False
            except OSError:
                cut = True
        check(cut, "an endless chunked body was not cut")
    check(raw_request(port, "GET", "/healthz").status == 200, "service down after an endless chunked body")


def t_stalled_uploads_hold_no_worker(port):
    """Uploads that stall mid-body (more of them than worker threads) hold no worker: other requests are
    answered at once meanwhile."""
    socks = []
    try:
        for _ in range(8):
            s = connect(port, timeout=10)
            s.sendall(request_bytes("POST", "/classify", None, {"Content-Type": "text/plain",
                                                                 "Transfer-Encoding": "chunked"}) + b"5\r\nhello\r\n")
            socks.append(s)
            s2 = connect(port, timeout=10)
            s2.sendall(request_bytes("POST", "/classify", None, {"Content-Type": "text/plain",
                                                                  "Content-Length": "1000"}) + b"x" * 10)
            socks.append(s2)
        time.sleep(0.2)
        t0 = time.time()
        r = post_text(port, ARTICLE)
        check(r.status == 200, repr(r))
        check(time.time() - t0 < 5, "a classify took %.1f s while uploads stalled" % (time.time() - t0))
    finally:
        for s in socks:
            s.close()


def t_lying_content_length(port):
    """E23(c): Content-Length 50 with 5000 bytes on a keep-alive connection: 50 bytes are the body, the rest
    is a malformed request; the service keeps serving."""
    body = b'{"text": "' + b"a" * 4976 + b'"}\r\n\r\n'
    with connect(port, timeout=10) as s:
        s.sendall(request_bytes("POST", "/classify", None, {"Content-Type": "application/json",
                                                             "Content-Length": "50"}) + body)
        rd = Reader(s)
        first = rd.response()
        check_error(first, 400, "invalid JSON")  # the 50 bytes end inside the string
        second = rd.response_or_close()
        check(second is None or second.status == 400, "leftover gave %r" % second)
    check(raw_request(port, "GET", "/healthz").status == 200, "service down after lying Content-Length")


def t_many_headers(port):
    """E23(d): 200 headers of 200 bytes: answered or closed, and the service keeps serving."""
    headers = {"X-Filler-%03d" % i: "v" * 180 for i in range(200)}
    with connect(port, timeout=10) as s:
        try:
            s.sendall(request_bytes("GET", "/healthz", None, headers))
            r = Reader(s).response_or_close()
        except OSError:
            r = None
    check(r is None or r.status in (200, 400, 413, 431), "got %r" % r)
    check(raw_request(port, "GET", "/healthz").status == 200, "service down after many headers")


# ---------------------------------------------------------------- delivery modes (E21, E22)


def t_delivery_modes(port):
    """E21/E22: one write, chunked with extensions and Expect: 100-continue give byte-identical 200 JSON for
    a ~300 KB article with a >32 KiB response; 1-byte pieces with 1 ms gaps for a short article."""
    article = big_article(300 * 1024)
    body = json.dumps({"text": article}).encode("utf-8")
    hdr = {"Content-Type": "application/json; charset=utf-8"}
    one = raw_request(port, "POST", "/classify", body, hdr)
    check(one.status == 200, repr(one))
    check(len(one.body) > 32 * 1024, "response only %d bytes" % len(one.body))
    res = one.json()
    check_shape(res)
    check(len(res["quotes"]) > 500, "only %d quotes in the long article" % len(res["quotes"]))

    # chunked, with chunk extensions, in pieces of varied size
    with connect(port) as s:
        s.sendall(request_bytes("POST", "/classify", None, dict(hdr, **{"Transfer-Encoding": "chunked"})))
        i, n = 0, 1
        while i < len(body):
            piece = body[i:i + 997 * n]
            s.sendall(b"%x;x=y\r\n" % len(piece) + piece + b"\r\n")
            i += len(piece)
            n = n % 7 + 1
        s.sendall(b"0\r\n\r\n")
        chunked = Reader(s).response()
    check(chunked.status == 200 and chunked.body == one.body, "chunked result differs")

    # Expect: 100-continue: the body is sent only after the interim response
    with connect(port) as s:
        s.sendall(request_bytes("POST", "/classify", body, dict(hdr, Expect="100-continue")))
        rd = Reader(s)
        status, _ = rd.head()
        check(status == 100, "expected 100 Continue, got %d" % status)
        s.sendall(body)
        expect = rd.response()
    check(expect.status == 200 and expect.body == one.body, "Expect: 100-continue result differs")

    small = json.dumps({"text": ARTICLE}).encode("utf-8")
    whole = raw_request(port, "POST", "/classify", small, hdr)
    bytewise = raw_request(port, "POST", "/classify", small, hdr, pieces=1, gap=0.001)
    check(whole.status == 200 and bytewise.status == 200, "%r %r" % (whole, bytewise))
    check(whole.body == bytewise.body, "1-byte pieces give a different result")


def t_keep_alive(port):
    """Several requests on one connection, each answered in full."""
    with connect(port) as s:
        rd = Reader(s)
        for _ in range(3):
            body = ARTICLE.encode("utf-8")
            s.sendall(request_bytes("POST", "/classify", body, {"Content-Type": "text/plain"}) + body)
            r = rd.response()
            check(r.status == 200, repr(r))
            s.sendall(request_bytes("GET", "/healthz", None))
            check(rd.response().status == 200, "healthz on keep-alive")


def t_concurrent(port):
    """8 threads x 25 requests, all 200 with the same result."""
    expected = post_text(port, ARTICLE).body
    errors = []

    def worker():
        for _ in range(25):
            try:
                r = post_text(port, ARTICLE)
                if r.status != 200 or r.body != expected:
                    errors.append(repr(r))
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, "%d failures, first: %s" % (len(errors), errors[:1]))


def t_metrics(port):
    r = raw_request(port, "GET", "/metrics")
    check(r.status == 200 and r.headers.get("content-type", "").startswith("text/plain"), repr(r))
    text = r.body.decode("utf-8")
    for needle in ('stance_requests_total{route="classify",status="200"}', "stance_request_duration_seconds_bucket",
                   'stance_model_info{task="stance"', "stance_quotes_classified_total", "stance_model_reloads_total"):
        check(needle in text, "metrics lack %s" % needle)
    n = [line for line in text.splitlines() if line.startswith("stance_quotes_classified_total ")]
    check(n and int(n[0].split()[1]) > 0, "no quotes counted")


# ---------------------------------------------------------------- signals, reloads, admin


def t_access_log(server):
    """One JSON line per request on stderr: method, path, status, bytes, ms."""
    lines = [e for e in server.events() if "method" in e]
    check(len(lines) > 50, "only %d access log lines" % len(lines))
    for e in lines:
        for k in ("method", "path", "status", "bytes", "ms"):
            check(k in e, "access log line without %s: %r" % (k, e))
    check(any(e["path"] == "/classify" and e["status"] == 413 for e in lines), "no 413 logged")
    check(any(e["path"] == "/nope" and e["status"] == 404 for e in lines), "no 404 logged")


def t_sighup_during_requests(server):
    port = server.port
    errors = []
    stop = threading.Event()

    def worker():
        while not stop.is_set():
            try:
                r = post_text(port, ARTICLE)
                if r.status != 200:
                    errors.append(repr(r))
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    before = sum(1 for e in server.events() if e.get("event") == "reload")
    for _ in range(3):
        time.sleep(0.3)
        server.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    check(not errors, "%d failures during reloads, first: %s" % (len(errors), errors[:1]))
    deadline = time.time() + 20
    while time.time() < deadline:
        reloads = [e for e in server.events() if e.get("event") == "reload"]
        if len(reloads) - before >= 1:
            break
        time.sleep(0.1)
    reloads = [e for e in server.events() if e.get("event") == "reload"][before:]
    check(reloads and all(e["ok"] for e in reloads), "reload events %r" % reloads)
    # the swapped-out sets are freed once their requests are done (by the main thread)
    deadline = time.time() + 10
    retired = None
    while time.time() < deadline:
        text = raw_request(port, "GET", "/metrics").body.decode("utf-8")
        retired = [line for line in text.splitlines() if line.startswith("stance_model_sets_retired ")]
        if retired and retired[0].split()[1] == "0":
            break
        time.sleep(0.1)
    check(retired and retired[0].split()[1] == "0", "retired model sets not freed: %r" % retired)


def t_bad_reload_keeps_old(server, models_copy):
    before = len([e for e in server.events() if e.get("event") == "reload"])
    os.rename(os.path.join(models_copy, "stance"), os.path.join(models_copy, "stance.moved"))
    try:
        server.send_signal(signal.SIGHUP)
        deadline = time.time() + 20
        while time.time() < deadline and len([e for e in server.events() if e.get("event") == "reload"]) == before:
            time.sleep(0.05)
        last = [e for e in server.events() if e.get("event") == "reload"][-1]
        check(last["ok"] is False and "error" in last, "bad reload logged as %r" % last)
        check(post_text(server.port, ARTICLE).status == 200, "old models no longer serve")
    finally:
        os.rename(os.path.join(models_copy, "stance.moved"), os.path.join(models_copy, "stance"))


def t_admin_reload(binary, models):
    fd, token_path = tempfile.mkstemp(prefix="stance-token-")
    os.write(fd, b"s3cret-token-for-tests-0123456789\n")
    os.close(fd)
    srv = Server(binary, models, ["--quiet", "--threads", "2", "--admin-token-file", token_path])
    try:
        p = srv.port
        check_error(raw_request(p, "POST", "/admin/reload"), 401)
        check_error(raw_request(p, "POST", "/admin/reload", b"", {"Authorization": "Bearer wrong"}), 403)
        check_error(raw_request(p, "POST", "/admin/reload", b"", {"Authorization": "Bearer s3cret-token-for-tests-012345678"}), 403)
        r = raw_request(p, "POST", "/admin/reload", b"", {"Authorization": "Bearer s3cret-token-for-tests-0123456789"})
        check(r.status == 200 and r.json()["status"] == "reloaded", repr(r))
        check_error(raw_request(p, "GET", "/admin/reload"), 405)
    finally:
        code = srv.stop()
        os.unlink(token_path)
        srv.cleanup()
    check(code == 0, "exit code %s" % code)


def t_connection_limit(binary, models):
    """--max-connections 3: with three idle connections open, a fourth is not served (libmicrohttpd stops
    accepting, so it waits in the kernel's backlog); once one of the three closes, it is served."""
    srv = Server(binary, models, ["--quiet", "--threads", "1", "--max-connections", "3"])
    idle = []
    try:
        for _ in range(3):
            idle.append(connect(srv.port, timeout=10))
        time.sleep(0.3)
        with connect(srv.port, timeout=1) as s:
            s.sendall(request_bytes("GET", "/healthz", None))
            try:
                data = s.recv(4096)
                check(False, "a connection past the limit was served at once: %r" % data[:80])
            except socket.timeout:
                pass
            idle.pop().close()
            s.settimeout(10)
            r = Reader(s).response()
            check(r.status == 200, "not served once a connection closed: %r" % r)
    finally:
        for s in idle:
            s.close()
        code = srv.stop()
        srv.cleanup()
    check(code == 0, "exit code %s" % code)


def t_readyz_while_loading(binary, models):
    """The server listens before its models load: meanwhile GET /readyz and /models answer 503 "loading" and
    POST /classify 503; once loaded, /readyz is 200. The load is held back by making the stance model's
    meta.json a FIFO that the test fills when it is done looking."""
    import subprocess
    tmp = tempfile.mkdtemp(prefix="stance-e2e-loading-")
    slow = os.path.join(tmp, "models")
    shutil.copytree(models, slow)
    meta = os.path.join(slow, "stance", "meta.json")
    with open(meta, "rb") as f:
        meta_bytes = f.read()
    os.unlink(meta)
    os.mkfifo(meta)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([binary, "--models", slow, "--listen", "127.0.0.1:%d" % port, "--quiet"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
    try:
        r = None
        deadline = time.time() + 30
        while time.time() < deadline and r is None:
            try:
                r = raw_request(port, "GET", "/readyz")
            except OSError:
                time.sleep(0.05)
        check(r is not None, "the server never listened while loading")
        check_error(r, 503, "loading")
        check_error(raw_request(port, "GET", "/models"), 503, "loading")
        check_error(post_text(port, ARTICLE), 503, "loading")
        check(raw_request(port, "GET", "/healthz").status == 200, "healthz while loading")
        fd = os.open(meta, os.O_WRONLY)
        os.write(fd, meta_bytes)
        os.close(fd)
        deadline = time.time() + 30
        while time.time() < deadline and raw_request(port, "GET", "/readyz").status != 200:
            time.sleep(0.05)
        check(raw_request(port, "GET", "/readyz").status == 200, "not ready after loading")
        check(post_text(port, ARTICLE).status == 200, "classify after loading")
        proc.send_signal(signal.SIGTERM)
        check(proc.wait(timeout=30) == 0, "exit code %s" % proc.returncode)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def t_stalled_chunked(binary, models):
    """E22: a chunked upload that never sends its last chunk is cut by the connection timeout (2 s here)."""
    srv = Server(binary, models, ["--quiet", "--threads", "2", "--connection-timeout", "2"])
    try:
        with connect(srv.port, timeout=15) as s:
            s.sendall(request_bytes("POST", "/classify", None, {"Content-Type": "text/plain",
                                                                 "Transfer-Encoding": "chunked"}))
            s.sendall(b"5\r\nhello\r\n")
            t0 = time.time()
            try:
                data = s.recv(4096)
            except socket.timeout:
                raise AssertionError("the stalled upload was not cut within 15 s")
            except OSError:
                data = b""
            check(time.time() - t0 < 12, "cut only after %.1f s" % (time.time() - t0))
            check(data == b"" or data.startswith(b"HTTP/1.1"), "unexpected %r" % data[:100])
        check(raw_request(srv.port, "GET", "/healthz").status == 200, "service down after a stalled upload")
    finally:
        code = srv.stop()
        srv.cleanup()
    check(code == 0, "exit code %s" % code)


def t_sigterm_drains(server):
    """SIGTERM while a request is half sent: that request still gets its 200, then the process exits 0."""
    body = ARTICLE.encode("utf-8")
    with connect(server.port, timeout=30) as s:
        s.sendall(request_bytes("POST", "/classify", body, {"Content-Type": "text/plain"}))
        s.sendall(body[:40])
        time.sleep(0.2)
        server.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        s.sendall(body[40:])
        r = Reader(s).response()
    check(r.status == 200, "in-flight request got %r" % r)
    try:
        server.proc.wait(timeout=30)
    except Exception:  # noqa: BLE001
        raise AssertionError("stance-serve did not exit after SIGTERM")
    check(server.proc.returncode == 0, "exit code %s\n%s" % (server.proc.returncode, server.log_text()[-2000:]))


def t_cli_errors(binary, models, port_in_use):
    """Bad options exit 2, a bad model folder or a taken port exit 1, each with a message on stderr."""
    import subprocess
    def run(*argv):
        p = subprocess.run([binary, *argv], stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        return p.returncode, p.stderr.decode("utf-8", "replace")
    code, err = run()
    check(code == 2 and "--models" in err, "no --models: %s %r" % (code, err[:200]))
    code, err = run("--models", models, "--listen", "127.0.0.1:99999")
    check(code == 2 and "--listen" in err, "bad port: %s %r" % (code, err[:200]))
    code, err = run("--models", models, "--threads", "0")
    check(code == 2 and "--threads" in err, "zero threads: %s %r" % (code, err[:200]))
    code, err = run("--models", os.path.join(models, "no-such-folder"), "--listen", "127.0.0.1:0")
    check(code == 1 and "cannot load models" in err, "bad models: %s %r" % (code, err[:200]))
    code, err = run("--models", models, "--listen", "127.0.0.1:%d" % port_in_use)
    check(code == 1 and "cannot listen" in err, "port in use: %s %r" % (code, err[:200]))


def main():
    a = args(sys.argv)
    if not os.path.isdir(os.path.join(a["models"], "stance")):
        print("no models in %s (the test-models fixture failed?)" % a["models"])
        return 1
    res = Results()
    tmp = tempfile.mkdtemp(prefix="stance-e2e-")
    models_copy = os.path.join(tmp, "models")
    shutil.copytree(a["models"], models_copy)
    server = Server(a["server"], models_copy, ["--threads", "4"])
    try:
        p = server.port
        for name, fn in [("health", t_health), ("page at /", t_page), ("models", t_models), ("classify text/plain", t_classify_text),
                         ("classify JSON with id and explain", t_classify_json), ("given quotes", t_given_quotes),
                         ("E24 invalid JSON", t_invalid_json), ("E24 invalid UTF-8", t_invalid_utf8),
                         ("E24 text must be a string", t_text_not_string), ("E24 NUL", t_nul),
                         ("E24 surrogates", t_surrogates), ("E22 empty body", t_empty_body),
                         ("405 and 404", t_methods_and_paths), ("415", t_content_type),
                         ("JSON depth limit", t_depth), ("E23a 413 from Content-Length", t_413_content_length),
                         ("E23b 413 chunked", t_413_chunked),
                         ("stalled uploads hold no worker", t_stalled_uploads_hold_no_worker), ("E23c lying Content-Length", t_lying_content_length),
                         ("E23d many headers", t_many_headers), ("E21/E22 delivery modes", t_delivery_modes),
                         ("keep-alive", t_keep_alive), ("concurrent 8x25", t_concurrent), ("metrics", t_metrics)]:
            res.run(name, fn, p)
        res.run("command line errors", t_cli_errors, a["server"], models_copy, p)
        res.run("access log", t_access_log, server)
        res.run("SIGHUP during requests", t_sighup_during_requests, server)
        res.run("bad reload keeps the old models", t_bad_reload_keeps_old, server, models_copy)
        res.run("admin reload with bearer token", t_admin_reload, a["server"], models_copy)
        res.run("E22 stalled chunked upload", t_stalled_chunked, a["server"], models_copy)
        res.run("connection limit", t_connection_limit, a["server"], models_copy)
        res.run("readyz 503 while loading", t_readyz_while_loading, a["server"], models_copy)
        res.run("SIGTERM drains and exits 0", t_sigterm_drains, server)
    finally:
        server.stop(signal.SIGKILL if server.proc.poll() is None else signal.SIGTERM)
        if res.failed:
            print("--- server log (tail) ---\n" + server.log_text()[-3000:])
        server.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
