#!/usr/bin/env python3
"""Load test of stance-serve with wrk, with and without SIGHUP reloads, against nginx (python3 stdlib).

    bench/load_test.sh [--duration 30] [--connections 64] [--threads 2] [--server BIN] [--models DIR]
                       [--seed FILE] [--out bench/results/load.md] [--no-nginx] [--no-reload]

1. Starts stance-serve (--quiet, --listen 127.0.0.1:0) and checks one POST /classify of the seed
   article answers 200; that response's bytes are the nginx file.
2. Run "steady": wrk -c CONNECTIONS -d DURATION with bench/load_post.lua (POST the seed as text/plain).
3. Run "reload every 1 s": the same while SIGHUP is sent to the server every second; afterwards every
   reload must be logged ok.
4. Run "nginx": Debian's nginx (temporary prefix under /tmp, 2 workers, access log off) serving a
   static file of the response's size on another loopback port, GET with the same wrk settings.
During each run the server's VmRSS is sampled every 0.25 s from /proc/PID/status: the table gives the
peak and the growth from the end of the first quarter to the end of the run (flat = no growth). After
the runs /metrics must show no classify answer other than 200. Prints one markdown table and writes it
with the details to --out. Exit status 1 when a run had non-2xx answers, socket errors, a failed
reload or a non-200 classify count.
"""
import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=int, default=30, help="seconds per run (default 30)")
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument("--server", default=os.path.join(ROOT, "build-prod", "bin", "stance-serve"))
    p.add_argument("--server-threads", type=int, default=0, help="stance-serve --threads (default: its own)")
    p.add_argument("--models", default=os.path.join(ROOT, "models"))
    p.add_argument("--seed", default=os.path.join(ROOT, "..", "shared", "seeds", "000_3c68d103f99c1bde.txt"))
    p.add_argument("--out", default=os.path.join(HERE, "results", "load.md"))
    p.add_argument("--no-nginx", action="store_true")
    p.add_argument("--no-reload", action="store_true")
    p.add_argument("--access-log", action="store_true", help="run the server without --quiet (log to a file)")
    return p.parse_args()


class Server:
    def __init__(self, a):
        self.log_path = tempfile.mktemp(prefix="stance-load-", suffix=".log")
        self.log = open(self.log_path, "wb")
        cmd = [a.server, "--models", a.models, "--listen", "127.0.0.1:0"]
        if not a.access_log:
            cmd.append("--quiet")
        if a.server_threads:
            cmd += ["--threads", str(a.server_threads)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log)
        self.port = None
        deadline = time.time() + 60
        while time.time() < deadline and not self.port:
            for e in self.events():
                if e.get("event") == "listening":
                    self.port = e["port"]
                    self.threads = e.get("threads")
            if self.proc.poll() is not None:
                sys.exit("stance-serve exited: " + open(self.log_path, errors="replace").read())
            time.sleep(0.05)
        if not self.port:
            self.proc.kill()
            sys.exit("stance-serve did not start")

    def events(self):
        out = []
        with open(self.log_path, "rb") as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def rss_kib(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def cpu_seconds(self):
        """user + system CPU time the server has used so far (from /proc/PID/stat)."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.log.close()
        return code


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def parse_wrk(text):
    """requests/s, p50 and p99 in ms, total requests, non-2xx/3xx, socket errors from wrk --latency."""
    def ms(v):
        m = re.match(r"([\d.]+)(us|ms|s|m)", v)
        x = float(m.group(1))
        return {"us": x / 1000, "ms": x, "s": x * 1000, "m": x * 60000}[m.group(2)]

    r = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))}
    r["p50"] = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
    r["p99"] = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
    r["requests"] = int(re.search(r"(\d+) requests in", text).group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    r["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    r["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    r["socket_detail"] = m.group(0) if m else "Socket errors: none"
    return r


def run_wrk(a, url, script=None, env=None):
    cmd = ["wrk", "-t%d" % a.threads, "-c%d" % a.connections, "-d%ds" % a.duration, "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit("wrk failed: %s\n%s" % (p.stdout, p.stderr))
    return p.stdout, " ".join(cmd)


def sample_rss(server, stop, samples):
    while not stop.is_set():
        v = server.rss_kib()
        if v:
            samples.append((time.time(), v))
        stop.wait(0.25)


def rss_stats(samples, t0, t1):
    if not samples:
        return {"peak": 0, "q1": 0, "end": 0, "growth": 0}
    peak = max(v for _, v in samples)
    q = t0 + (t1 - t0) / 4
    q1 = [v for t, v in samples if t <= q] or [samples[0][1]]
    end = samples[-1][1]
    return {"peak": peak, "q1": q1[-1], "end": end, "growth": end - q1[-1]}


def server_run(a, server, url, env, reload_every=None):
    samples, stop = [], threading.Event()
    sampler = threading.Thread(target=sample_rss, args=(server, stop, samples))
    sampler.start()
    hup_stop = threading.Event()
    sent = [0]

    def hupper():
        while not hup_stop.wait(reload_every):
            server.proc.send_signal(signal.SIGHUP)
            sent[0] += 1

    hup = threading.Thread(target=hupper) if reload_every else None
    reloads_before = len([e for e in server.events() if e.get("event") == "reload"])
    t0 = time.time()
    cpu0, kids0 = server.cpu_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    if hup:
        hup.start()
    out, cmd = run_wrk(a, url, os.path.join(HERE, "load_post.lua"), env)
    t1 = time.time()
    cpu1, kids1 = server.cpu_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    hup_stop.set()
    if hup:
        hup.join()
    stop.set()
    sampler.join()
    r = parse_wrk(out)
    r.update(rss_stats(samples, t0, t1))
    # CPU cost per request, which other jobs on the machine do not change (unlike requests/s): the
    # server's own, and wrk's (the only child that ran meanwhile)
    r["server_us"] = (cpu1 - cpu0) / max(r["requests"], 1) * 1e6
    wrk_cpu = (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
    r["wrk_us"] = wrk_cpu / max(r["requests"], 1) * 1e6
    r["server_cores"] = (cpu1 - cpu0) / (t1 - t0)
    r["raw"], r["cmd"] = out, cmd
    if reload_every:
        deadline = time.time() + 30
        while time.time() < deadline:
            reloads = [e for e in server.events() if e.get("event") == "reload"][reloads_before:]
            if len(reloads) >= sent[0]:
                break
            time.sleep(0.1)
        r["reloads_sent"] = sent[0]
        r["reloads_ok"] = sum(1 for e in reloads if e.get("ok"))
        r["reloads_failed"] = sum(1 for e in reloads if not e.get("ok"))
    return r


def nginx_run(a, body_bytes):
    prefix = tempfile.mkdtemp(prefix="stance-nginx-")
    port = free_port()
    os.makedirs(os.path.join(prefix, "html"))
    os.makedirs(os.path.join(prefix, "logs"))
    with open(os.path.join(prefix, "html", "result.json"), "wb") as f:
        f.write(body_bytes)
    conf = os.path.join(prefix, "nginx.conf")
    user = "user root;\n" if os.geteuid() == 0 else ""
    with open(conf, "w") as f:
        f.write(f"""{user}worker_processes 2;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/tmp_body; proxy_temp_path {prefix}/tmp_proxy;
  fastcgi_temp_path {prefix}/tmp_fcgi; uwsgi_temp_path {prefix}/tmp_uwsgi; scgi_temp_path {prefix}/tmp_scgi;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port};
    root {prefix}/html;
    location / {{ default_type application/json; }}
  }}
}}
""")
    proc = subprocess.Popen(["nginx", "-p", prefix, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/result.json" % port, timeout=2) as resp:
                    assert resp.status == 200 and len(resp.read()) == len(body_bytes)
                break
            except OSError:
                time.sleep(0.1)
        out, cmd = run_wrk(a, "http://127.0.0.1:%d/result.json" % port)
        r = parse_wrk(out)
        r["raw"], r["cmd"] = out, cmd
        return r
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(prefix, ignore_errors=True)


def metrics_non200(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as resp:
        text = resp.read().decode("utf-8")
    ok = bad = 0
    for line in text.splitlines():
        m = re.match(r'stance_requests_total\{route="classify",status="([^"]+)"\} (\d+)', line)
        if m:
            if m.group(1) == "200":
                ok += int(m.group(2))
            else:
                bad += int(m.group(2))
    return ok, bad


def main():
    a = parse_args()
    for tool in ("wrk",) + (() if a.no_nginx else ("nginx",)):
        if not shutil.which(tool):
            sys.exit("%s is not installed (apt-get install %s)" % (tool, tool))
    if not os.path.isfile(a.seed):
        sys.exit("no seed article at %s" % a.seed)
    env = dict(os.environ, LOAD_BODY=os.path.abspath(a.seed))
    load_before = os.getloadavg()
    server = Server(a)
    url = "http://127.0.0.1:%d/classify" % server.port
    with open(a.seed, "rb") as f:
        seed = f.read()
    req = urllib.request.Request(url, data=seed, headers={"Content-Type": "text/plain; charset=utf-8"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200
        body = resp.read()
    n_quotes = len(json.loads(body)["quotes"])
    rss_idle = server.rss_kib()
    runs = []
    try:
        runs.append(("stance-serve, steady", server_run(a, server, url, env)))
        if not a.no_reload:
            runs.append(("stance-serve, SIGHUP every 1 s", server_run(a, server, url, env, reload_every=1.0)))
        ok200, non200 = metrics_non200(server.port)
    finally:
        code = server.stop()
    if not a.no_nginx:
        runs.append(("nginx, static file of the same size", nginx_run(a, body)))
    load_after = os.getloadavg()

    nginx = dict(runs)["nginx, static file of the same size"] if not a.no_nginx else None
    lines = ["| run | requests/s | p50 ms | p99 ms | requests | non-2xx | socket errors | server RSS peak MiB | RSS growth after 1st quarter KiB | reloads ok/sent | vs nginx | server CPU µs/request | server cores busy |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    failed = []
    for name, r in runs:
        is_ng = name.startswith("nginx")
        ratio = "%.3f" % (r["rps"] / nginx["rps"]) if nginx else "-"
        rss = "-" if is_ng else "%.1f" % (r["peak"] / 1024)
        growth = "-" if is_ng else "%+d" % r["growth"]
        rel = "%d/%d" % (r["reloads_ok"], r["reloads_sent"]) if "reloads_sent" in r else "-"
        lines.append("| %s | %.0f | %.2f | %.2f | %d | %d | %d | %s | %s | %s | %s | %s | %s |" % (
            name, r["rps"], r["p50"], r["p99"], r["requests"], r["non2xx"], r["socket_errors"], rss, growth, rel,
            ratio if not is_ng else "1", "-" if is_ng else "%.0f" % r["server_us"],
            "-" if is_ng else "%.2f" % r["server_cores"]))
        if r["non2xx"] or r["socket_errors"]:
            failed.append("%s: %d non-2xx, %s" % (name, r["non2xx"], r["socket_detail"]))
        if r.get("reloads_failed") or ("reloads_sent" in r and r["reloads_ok"] < r["reloads_sent"]):
            failed.append("%s: reloads %d ok of %d sent" % (name, r["reloads_ok"], r["reloads_sent"]))
    if non200:
        failed.append("/metrics counts %d classify answers other than 200" % non200)
    if code != 0:
        failed.append("stance-serve exited %s after SIGTERM" % code)
    table = "\n".join(lines)
    floor = "5,000 requests/s with p99 < 20 ms"
    verdicts = []
    for name, r in runs:
        if name.startswith("stance"):
            verdicts.append("%s: %s (%.0f req/s, p99 %.2f ms)" % (
                name, "meets" if r["rps"] >= 5000 and r["p99"] < 20 else "BELOW", r["rps"], r["p99"]))
    cpu = os.cpu_count()
    for name, r in runs:
        if name.startswith("stance"):
            verdicts.append("%s: server %.0f µs + wrk %.0f µs of CPU per request, so %.0f requests/s would fit "
                            "in %d cores without other jobs" % (name, r["server_us"], r["wrk_us"],
                                                               cpu * 1e6 / (r["server_us"] + r["wrk_us"]), cpu))
    md = ["# stance-serve load test", "",
          "Generated by `bench/load_test.sh` on %s (%d cores; load average before %.2f, after %.2f: other jobs "
          "share this machine)." % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), cpu, load_before[0],
                                    load_after[0]), "",
          "Seed article: %s (%d bytes, %d quotes, response %d bytes). Server: `%s` (%s worker threads, --quiet), "
          "models `%s`. wrk: %d threads, %d connections, %d s per run, 5 s timeout." % (
              os.path.basename(a.seed), len(seed), n_quotes, len(body), os.path.relpath(a.server, ROOT),
              server.threads, os.path.relpath(a.models, ROOT), a.threads, a.connections, a.duration), "",
          table, "",
          "RSS idle before the runs: %.1f MiB. /metrics after the stance-serve runs: %d classify answers 200, %d "
          "other. Exit code after SIGTERM: %s." % ((rss_idle or 0) / 1024, ok200, non200, code), "",
          "Floor (%s): %s." % (floor, "; ".join(verdicts)), ""]
    if failed:
        md += ["**Failures:** " + "; ".join(failed), ""]
    md += ["## Commands and raw wrk output", ""]
    for name, r in runs:
        md += ["### " + name, "", "```", r["cmd"], r["raw"].rstrip(), "```", ""]
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write("\n".join(md))
    print("\n".join(md[2:11]))
    print("wrote %s" % a.out)
    if failed:
        print("FAILED: " + "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
