#!/usr/bin/env python3
"""The ncps side of bench/training.ts: training throughput (sequences/s, Adam, eager, CPU) of the
same models at the same shapes on synthetic data, each the median of repeated runs:
  halfcheetah_cfc  CfC(17, 32, proj 17, backbone 1x64), batch 16 x 32 steps
  halfcheetah_ltc  LTC(17, FullyConnected(32, output_dim=17)), 6 unfolds, batch 16 x 32 steps
  paper_cfc        CfC(17, 64, proj 17, backbone 1x256 silu), batch 256 x 64 steps, per-step
                   elapsed times, gradient clipping (norm 1)
  paper_ltc        LTC(17, FullyConnected(64, output_dim=17)), 6 unfolds, batch 64 x 64 steps,
                   per-step elapsed times, clipping (at batch 256 torch's autograd graph holds
                   ~B*T*unfolds*H*H floats several times over: ~10 GB)
  demo_policy      the demo's policy: conv 8@5x5/2, 16@3x3/2, 16@3x3/2 (relu) on 24x64x3 frames,
                   Linear -> 16, + 1 IMU feature -> CfC(17, AutoNCP(16, 2), proj 2), batch 8 x 16 steps
Usage: ncps_train.py THREADS CASE... (THREADS: a number, or 0 for torch's default).
Prints JSON {"threads": n, "seq_per_s": {case: value}}.

Per-sample (B, T) timespans are fed one step at a time as (B, 1), as the package's README
advises: the ncps 1.0.1 wrapper mis-broadcasts (B, T) timespans for batch > 1."""
import json
import sys
import time

import torch
from ncps.torch import CfC, LTC
from ncps.wirings import AutoNCP, FullyConnected


class Stepped(torch.nn.Module):
    """An ncps wrapper's cell stepped over time with per-sample elapsed times, then its projection."""

    def __init__(self, seq):
        super().__init__()
        self.seq = seq

    def forward(self, x, ts):
        cell = self.seq.rnn_cell
        h = torch.zeros(x.shape[0], self.seq.state_size)
        outs = []
        for t in range(x.shape[1]):
            out, h = cell(x[:, t], h, ts[:, t : t + 1])
            outs.append(out)
        y = torch.stack(outs, 1)
        return self.seq.fc(y) if hasattr(self.seq, "fc") and isinstance(self.seq.fc, torch.nn.Linear) else y


class DemoPolicy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Sequential(
            torch.nn.Conv2d(3, 8, 5, 2), torch.nn.ReLU(),
            torch.nn.Conv2d(8, 16, 3, 2), torch.nn.ReLU(),
            torch.nn.Conv2d(16, 16, 3, 2), torch.nn.ReLU(),
            torch.nn.Flatten(),
        )
        flat = self.conv(torch.zeros(1, 3, 24, 64)).shape[1]
        self.head = torch.nn.Linear(flat, 16)
        self.rnn = CfC(17, AutoNCP(16, 2), proj_size=2, batch_first=True)

    def forward(self, frames, imu):
        b, t = imu.shape[:2]
        f = self.head(self.conv(frames.reshape(b * t, 3, 24, 64))).reshape(b, t, 16)
        out, _ = self.rnn(torch.cat([f, imu], 2))
        return out


def case(name):
    """(model, batch inputs builder, loss, clip) for a case."""
    if name == "halfcheetah_cfc":
        m = CfC(17, 32, proj_size=17, backbone_units=64, backbone_layers=1)
        return m, 16, lambda: (lambda x, y, ts: torch.mean((m(x, None, torch.ones(1, 32))[0] - y) ** 2)), (16, 32, 17, 17), None
    if name == "halfcheetah_ltc":
        m = LTC(17, FullyConnected(32, output_dim=17))
        return m, 16, lambda: (lambda x, y, ts: torch.mean((m(x, None, torch.ones(1, 32))[0] - y) ** 2)), (16, 32, 17, 17), None
    if name in ("paper_cfc", "paper_ltc"):
        cfc = name == "paper_cfc"
        seq = CfC(17, 64, proj_size=17, backbone_units=256, backbone_layers=1, activation="silu") if cfc else LTC(17, FullyConnected(64, output_dim=17))
        m = Stepped(seq)
        b = 256 if cfc else 64
        return m, b, lambda: (lambda x, y, ts: torch.mean((m(x, ts) - y) ** 2)), (b, 64, 17, 17), 1.0
    if name == "demo_policy":
        m = DemoPolicy()
        frames = torch.randn(8 * 16, 3, 24, 64)
        return m, 8, lambda: (lambda x, y, ts: torch.mean((m(frames, x) - y) ** 2)), (8, 16, 1, 2), None
    raise SystemExit(f"unknown case {name}")


def throughput(name, batches, warmup=2):
    torch.manual_seed(0)
    model, batch, make_loss, (b, t, i, o), clip = case(name)
    loss_fn = make_loss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.randn(b, t, i), torch.randn(b, t, o)
    ts = torch.rand(b, t) + 0.5
    for k in range(warmup + batches):
        if k == warmup:
            start = time.perf_counter()
        loss = loss_fn(x, y, ts)
        opt.zero_grad()
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
    return batches * batch / (time.perf_counter() - start)


# (timed batches, runs) per case: each run a few seconds at most on 2 cores.
PLAN = {"halfcheetah_cfc": (12, 5), "halfcheetah_ltc": (4, 3), "paper_cfc": (4, 3), "paper_ltc": (2, 3), "demo_policy": (10, 5)}

if __name__ == "__main__":
    threads = int(sys.argv[1])
    if threads > 0:
        torch.set_num_threads(threads)
    result = {}
    for name in sys.argv[2:]:
        batches, runs = PLAN[name]
        result[name] = sorted(throughput(name, batches) for _ in range(runs))[runs // 2]
    print(json.dumps({"threads": torch.get_num_threads(), "seq_per_s": result}))
