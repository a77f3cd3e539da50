#!/usr/bin/env python3
"""torch's float32 matrix product (MKL/oneDNN here) at the size bench/peak.ts times ours:
C (n x n) = A (n x n) @ B^T. Usage: torch_gemm.py N THREADS (0: torch's default).
Prints JSON {"gflops": best of 5 timings of repeated products, "threads": n}."""
import json
import sys
import time

import torch

n, threads = int(sys.argv[1]), int(sys.argv[2])
if threads > 0:
    torch.set_num_threads(threads)
a, b = torch.randn(n, n), torch.randn(n, n)
reps = max(3, int(2e9 / n**3))
best = 0.0
for _ in range(5):
    start = time.perf_counter()
    for _ in range(reps):
        torch.mm(a, b.t())
    best = max(best, 2 * n**3 * reps / (time.perf_counter() - start) / 1e9)
print(json.dumps({"gflops": best, "threads": torch.get_num_threads()}))
