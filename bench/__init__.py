"""Benchmark suite of issue 7: engine overhead, step cost against history, inbox latency, claim race,
throughput and memory. Run ``bench/run`` (or ``python -m bench``); see docs/benchmarks.md."""
