"""Benchmarks: how build time, memory, query latency and HTTP throughput grow with the corpus.

Run ``python -m benchmarks.run --sizes 10k,100k,1M``; results go to ``benchmarks/README.md``.
"""
