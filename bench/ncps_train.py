#!/usr/bin/env python3
"""The ncps side of bench/training.ts: Half-Cheetah-shaped training throughput (batch 16,
32 steps, 17 features, 32 units) of ncps CfC (backbone 1x64, proj 17) and LTC
(FullyConnected(32, output_dim=17), 6 unfolds) with Adam on CPU, eager. Prints JSON
{"cfc": seq_per_s, "ltc": seq_per_s, "threads": n}, each the median of repeated runs."""
import json
import time

import torch
from ncps.torch import CfC, LTC
from ncps.wirings import FullyConnected


def throughput(model, batches=12, warmup=3):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(16, 32, 17)
    y = torch.randn(16, 32, 17)
    ts = torch.ones(1, 32)
    for i in range(warmup + batches):
        if i == warmup:
            start = time.perf_counter()
        out, _ = model(x, None, ts)
        loss = torch.mean((out - y) ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return batches * 16 / (time.perf_counter() - start)


def median_of(runs, measure):
    """Short timed runs are noisy on a shared 2-core machine: the median of several."""
    return sorted(measure() for _ in range(runs))[runs // 2]


if __name__ == "__main__":
    torch.manual_seed(0)
    cfc = CfC(17, 32, proj_size=17, backbone_units=64, backbone_layers=1)
    ltc = LTC(17, FullyConnected(32, output_dim=17))
    print(json.dumps({
        "cfc": median_of(5, lambda: throughput(cfc)),
        "ltc": median_of(3, lambda: throughput(ltc, batches=4, warmup=1)),
        "threads": torch.get_num_threads(),
    }))
