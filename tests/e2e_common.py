"""Shared helpers of the stance-serve end-to-end tests (python3 standard library only).

A Server starts stance-serve on a free loopback port (--listen 127.0.0.1:0; the port is read from the
server's "listening" line on stderr), and raw_request() speaks HTTP/1.1 over a plain socket so tests
control exactly how the body is cut into writes.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77


class Server:
    """One stance-serve process. stderr goes to a file (self.log_path) so it never blocks."""

    def __init__(self, binary, models, extra=(), env=None):
        self.binary = binary
        self.models = models
        self.log = tempfile.NamedTemporaryFile(prefix="stance-serve-", suffix=".log", delete=False)
        self.log_path = self.log.name
        self.proc = subprocess.Popen(
            [binary, "--models", models, "--listen", "127.0.0.1:0", *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log, env=env)
        self.port = None
        deadline = time.time() + 60
        while time.time() < deadline:
            for event in self.events():
                if event.get("event") == "listening":
                    self.port = event["port"]
            if self.port:
                break
            if self.proc.poll() is not None:
                raise RuntimeError("stance-serve exited with %s:\n%s" % (self.proc.returncode, self.log_text()))
            time.sleep(0.05)
        if not self.port:
            self.stop()
            raise RuntimeError("stance-serve did not report its port:\n" + self.log_text())

    def log_text(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def events(self):
        out = []
        for line in self.log_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=60):
        """Sends sig and returns the exit code (kills after timeout)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def cleanup(self):
        try:
            os.unlink(self.log_path)
        except OSError:
            pass


def connect(port, timeout=60):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Response:
    def __init__(self, status, headers, body, interim):
        self.status = status
        self.headers = headers  # lower-case names
        self.body = body
        self.interim = interim  # statuses of 1xx responses seen before this one

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[:200])


class Reader:
    """Reads HTTP/1.1 responses from a socket, keeping leftover bytes between responses."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed")
        self.buf += chunk

    def head(self):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        return status, headers

    def response(self, head_only=False):
        interim = []
        while True:
            status, headers = self.head()
            if 100 <= status < 200:
                interim.append(status)
                continue
            break
        if head_only:
            return Response(status, headers, b"", interim)
        if "content-length" in headers:
            n = int(headers["content-length"])
            while len(self.buf) < n:
                self._fill()
            body, self.buf = self.buf[:n], self.buf[n:]
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                while b"\r\n" not in self.buf:
                    self._fill()
                line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(line.split(b";")[0], 16)
                while len(self.buf) < size + 2:
                    self._fill()
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
                if size == 0:
                    break
        else:
            try:
                while True:
                    self._fill()
            except ConnectionError:
                pass
            body, self.buf = self.buf, b""
        return Response(status, headers, body, interim)

    def response_or_close(self):
        """A response, or None when the server closed or reset the connection instead."""
        try:
            return self.response()
        except (ConnectionError, OSError):
            return None


def request_bytes(method, path, body=b"", headers=None, length=True):
    h = {"Host": "127.0.0.1"}
    if headers:
        h.update(headers)
    if length and body is not None and "Transfer-Encoding" not in h and "Content-Length" not in h:
        h["Content-Length"] = str(len(body))
    head = "%s %s HTTP/1.1\r\n" % (method, path) + "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
    return head.encode("latin-1")


def raw_request(port, method, path, body=b"", headers=None, pieces=None, gap=0.0):
    """Sends one request and returns its Response. pieces: size of each write of the body (None = one
    write); gap: seconds between writes."""
    with connect(port) as s:
        s.sendall(request_bytes(method, path, body, headers))
        if body:
            if pieces:
                for i in range(0, len(body), pieces):
                    s.sendall(body[i:i + pieces])
                    if gap:
                        time.sleep(gap)
            else:
                s.sendall(body)
        return Reader(s).response(head_only=(method == "HEAD"))


def post_json(port, obj, path="/classify"):
    body = json.dumps(obj).encode("utf-8")
    return raw_request(port, "POST", path, body, {"Content-Type": "application/json"})


def post_text(port, text, path="/classify"):
    body = text.encode("utf-8") if isinstance(text, str) else text
    return raw_request(port, "POST", path, body, {"Content-Type": "text/plain; charset=utf-8"})


class Results:
    """A tiny harness: run(name, fn) records pass/fail; finish() prints 'N passed, N failed'."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0

    def run(self, name, fn, *args):
        t0 = time.time()
        try:
            fn(*args)
        except SkipTest as e:
            self.skipped += 1
            print("[ SKIP ] %s: %s" % (name, e), flush=True)
            return
        except Exception as e:  # noqa: BLE001 - a test harness reports every failure
            self.failed += 1
            print("[ FAIL ] %s: %s: %s" % (name, type(e).__name__, e), flush=True)
            return
        self.passed += 1
        print("[  OK  ] %s (%.2f s)" % (name, time.time() - t0), flush=True)

    def finish(self):
        line = "%d passed, %d failed" % (self.passed, self.failed)
        if self.skipped:
            line += ", %d skipped" % self.skipped
        print(line, flush=True)
        return 1 if self.failed else 0


class SkipTest(Exception):
    pass


def check(cond, msg="check failed"):
    if not cond:
        raise AssertionError(msg)


def check_shape(result, n_quotes=None, given=False):
    """Checks the documented result shape: keys, label == argmax, probabilities sum to 1."""
    for k in ("id", "models", "quotes", "summary"):
        check(k in result, "result has no %r" % k)
    check(set(result["models"]) == {"stance", "sentiment"}, "models: %r" % result["models"])
    if n_quotes is not None:
        check(len(result["quotes"]) == n_quotes, "expected %d quotes, got %d" % (n_quotes, len(result["quotes"])))
    for q in result["quotes"]:
        for k in ("text", "start", "end", "speaker", "speaker_start", "speaker_end", "speaker_method", "partial",
                  "unclosed", "stance", "sentiment"):
            check(k in q, "quote has no %r: %r" % (k, q))
        if given:
            check(q["start"] is None and q["end"] is None and q["speaker"] is None, "given quote has offsets")
        for task in ("stance", "sentiment"):
            c = q[task]
            if c.get("probability") is None:
                continue
            probs = c["probabilities"]
            check(abs(sum(probs.values()) - 1.0) < 1e-9, "%s probabilities sum to %r" % (task, sum(probs.values())))
            best = max(probs.values())
            check(probs[c["label"]] == best, "%s label %r is not the argmax of %r" % (task, c["label"], probs))
            check(c["probability"] == probs[c["label"]], "probability is not that of the label")
    s = result["summary"]
    check(s["quotes"] == len(result["quotes"]), "summary.quotes")
    check(sum(s["stance"].values()) == len(result["quotes"]), "summary.stance counts")
    check(sum(s["sentiment"].values()) == len(result["quotes"]), "summary.sentiment counts")


def args(argv):
    """--server BIN --models DIR [--shared DIR]"""
    out = {"server": None, "models": None, "shared": None}
    i = 1
    while i < len(argv):
        key = argv[i].lstrip("-")
        if key not in out or i + 1 >= len(argv):
            print("usage: %s --server BIN --models DIR [--shared DIR]" % argv[0], file=sys.stderr)
            sys.exit(2)
        out[key] = argv[i + 1]
        i += 2
    if not out["server"] or not out["models"]:
        print("usage: %s --server BIN --models DIR [--shared DIR]" % argv[0], file=sys.stderr)
        sys.exit(2)
    return out
