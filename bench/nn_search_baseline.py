"""Baseline for bench/nn-search.ts and tests/privacy/faiss.test.ts: faiss-cpu IndexFlatIP (exact
inner-product search, BLAS) over the same float32 vectors and queries as ours.

Reads REFS and QUERIES (raw little-endian float32, DIM per row), builds the index once, then answers
commands on stdin, one JSON line each, so the caller can interleave its own timings with ours:
  time SECONDS  -> {"msPerQuery": ...}   repeated searches of all queries for at least SECONDS
  answers       -> {"index": [...], "score": [...]}   the top-1 row and inner product per query
Prints {"faiss": version, "threads": n} first.

Run: python3 bench/nn_search_baseline.py REFS QUERIES DIM   (pip install faiss-cpu numpy)
"""
from __future__ import annotations

import json
import sys
import time

import faiss
import numpy as np


def main() -> None:
    refs_path, queries_path, dim = sys.argv[1], sys.argv[2], int(sys.argv[3])
    refs = np.fromfile(refs_path, dtype="<f4").reshape(-1, dim)
    queries = np.fromfile(queries_path, dtype="<f4").reshape(-1, dim)
    index = faiss.IndexFlatIP(dim)
    index.add(refs)
    print(json.dumps({"faiss": faiss.__version__, "threads": faiss.omp_get_max_threads()}), flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if cmd[0] == "time":
            index.search(queries, 1)  # warm-up
            runs, t0 = 0, time.perf_counter()
            while runs < 3 or time.perf_counter() - t0 < float(cmd[1]):
                index.search(queries, 1)
                runs += 1
            print(json.dumps({"msPerQuery": (time.perf_counter() - t0) * 1e3 / runs / len(queries)}), flush=True)
        elif cmd[0] == "answers":
            score, row = index.search(queries, 1)
            print(json.dumps({"index": row[:, 0].tolist(), "score": score[:, 0].tolist()}), flush=True)


if __name__ == "__main__":
    main()
