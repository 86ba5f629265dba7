"""Load generator for (e) and (d): a separate process sending HTTP over loopback from a thread pool.

    python -m bench.loadgen starts   --servers URL[,URL] --token T --count N --concurrency C --out F
    python -m bench.loadgen complete --servers URL[,URL] --tasks FILE --concurrency C --out F

``starts`` POSTs N case starts (/api/instances); ``complete`` POSTs the completion of every task listed in
FILE (JSON list of [task_id, token]). Requests are spread round-robin over the servers. The result (JSON)
holds the count of successes, the errors by status, the elapsed time, the rate and latency percentiles.
"""
from __future__ import annotations

import argparse
import http.client
import json
import queue
import sys
import threading
import time
import urllib.parse

ACCEPT = {"data": {"accepted": True, "acceptance_opinion": "材料齐全，符合受理条件"}}


def _percentile(values, p):
    if not values:
        return None
    data = sorted(values)
    k = (len(data) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


class Client:
    """One keep-alive connection per (thread, server); reconnects when the server closed it."""

    def __init__(self, base: str):
        parsed = urllib.parse.urlparse(base)
        self.host, self.port = parsed.hostname, parsed.port
        self.conn = None

    def request(self, method: str, path: str, token: str, body: dict | None) -> tuple[int, bytes]:
        payload = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close" or response.will_close:
                    self.conn.close()
                    self.conn = None
                return response.status, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise RuntimeError("unreachable")


def run(jobs: list[tuple[str, str, str, dict | None]], servers: list[str], concurrency: int) -> dict:
    """``jobs``: (method, path, token, body). Returns counts, rate and latencies."""
    work: queue.Queue = queue.Queue()
    for n, job in enumerate(jobs):
        work.put((n, job))
    latencies: list[float] = []
    errors: dict[str, int] = {}
    samples: list[str] = []
    lock = threading.Lock()
    ok = [0]

    def worker(index: int):
        clients = [Client(s) for s in servers]
        while True:
            try:
                n, (method, path, token, body) = work.get_nowait()
            except queue.Empty:
                return
            client = clients[n % len(clients)]
            t0 = time.perf_counter()
            try:
                status, data = client.request(method, path, token, body)
            except Exception as exc:  # connection problems count as errors
                status, data = -1, str(exc).encode()
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                if 200 <= status < 300:
                    ok[0] += 1
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1
                    if len(samples) < 5:
                        samples.append(f"{status}: {data[:300].decode(errors='replace')}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    ms = [x * 1000 for x in latencies]
    return {"requests": len(jobs), "ok": ok[0], "errors": errors, "error_samples": samples,
            "elapsed_s": round(elapsed, 3), "rate_per_s": round(ok[0] / elapsed, 2) if elapsed else None,
            "latency_ms": {"p50": round(_percentile(ms, 50), 2) if ms else None,
                           "p95": round(_percentile(ms, 95), 2) if ms else None,
                           "max": round(max(ms), 2) if ms else None},
            "concurrency": concurrency, "servers": len(servers)}


def start_jobs(token: str, count: int, prefix: str) -> list:
    jobs = []
    for n in range(count):
        body = {"process_key": "bench_acceptance", "business_key": f"{prefix}{n:07d}", "jurisdiction": "zz-jinshui",
                "employer_name": "郑州某建筑工程有限公司", "summary": "吞吐基准案件",
                "variables": {"received_at": "2026-11-20T09:00:00+08:00", "employer_name": "郑州某建筑工程有限公司",
                              "urgent": n % 10 == 0, "workers_affected": 1 + n % 40}}
        jobs.append(("POST", "/api/instances", token, body))
    return jobs


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.loadgen")
    p.add_argument("mode", choices=["starts", "complete"])
    p.add_argument("--servers", required=True)
    p.add_argument("--token")
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--prefix", default="TP")
    p.add_argument("--tasks")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    servers = [s for s in args.servers.split(",") if s]
    if args.mode == "starts":
        jobs = start_jobs(args.token, args.count, args.prefix)
    else:
        with open(args.tasks) as f:
            jobs = [("POST", f"/api/tasks/{task_id}/complete", token, ACCEPT) for task_id, token in json.load(f)]
    result = run(jobs, servers, args.concurrency)
    with open(args.out, "w") as f:
        json.dump(result, f, ensure_ascii=False, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
