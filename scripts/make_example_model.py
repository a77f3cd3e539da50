#!/usr/bin/env python3
"""Trains the shipped example model with the real ncps, the way an ncps user would, and saves
it as an lnn_ros model directory: models/example_ncp_cfc/.

The task: a damped oscillator observed at irregular times (dt in [0.02, 0.3] s); the input is
the noisy position and the elapsed time since the previous sample, the target the clean
position and velocity. An NCP-wired CfC (AutoNCP, 16 neurons, 2 motor) learns it in a few
hundred Adam steps on a CPU. Also writes example_input.json (three held-out sequences with their
timespans) and example_expected.json (ncps's outputs on it) for `lnn-ros predict`.

Needs torch, ncps, safetensors, pyyaml; rerun from the repository root:
    /tmp/ncps/bin/python scripts/make_example_model.py
"""
import json
import os

import torch
import yaml
from ncps.torch import CfC
from ncps.wirings import AutoNCP
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "models", "example_ncp_cfc")
CONFIG = {
    "format": "ncps",
    "class": "CfC",
    "input_size": 2,
    "units": {"wiring": "AutoNCP", "units": 16, "output_size": 2, "sparsity_level": 0.5, "seed": 22222},
    "mode": "default",
    "return_sequences": True,
    "batch_first": True,
}


def oscillator(gen, batch, steps, shared_times=False):
    """Positions and velocities of x'' = -w^2 x - 2 z w x' sampled at random times."""
    dt = 0.02 + 0.28 * torch.rand(1 if shared_times else batch, steps, generator=gen)
    dt = dt.expand(batch, steps)
    t = torch.cumsum(dt, 1)
    w = 2.0 + 2.0 * torch.rand(batch, 1, generator=gen)
    zeta = 0.05 + 0.2 * torch.rand(batch, 1, generator=gen)
    phase = 6.283 * torch.rand(batch, 1, generator=gen)
    wd = w * torch.sqrt(1 - zeta**2)
    envelope = torch.exp(-zeta * w * t)
    pos = envelope * torch.cos(wd * t + phase)
    vel = envelope * (-zeta * w * torch.cos(wd * t + phase) - wd * torch.sin(wd * t + phase)) / w
    noisy = pos + 0.05 * torch.randn(pos.shape, generator=gen)
    x = torch.stack([noisy, dt], -1)
    y = torch.stack([pos, vel], -1)
    return x, y, dt


def main():
    torch.manual_seed(7)
    gen = torch.Generator().manual_seed(7)
    wiring = AutoNCP(**{k: v for k, v in CONFIG["units"].items() if k != "wiring"})
    model = CfC(CONFIG["input_size"], wiring, mode="default", batch_first=True)
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    for step in range(600):
        # One timespan row shared by the batch: ncps 1.0.1 mis-broadcasts per-sample (B, T) ones.
        x, y, dt = oscillator(gen, 32, 40, shared_times=True)
        out, _ = model(x, None, dt[:1])
        loss = torch.mean((out - y) ** 2)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % 100 == 0:
            print(f"step {step} mse {loss.item():.4f}")
    model.eval()
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "config.yaml"), "w") as f:
        yaml.safe_dump(CONFIG, f, sort_keys=False)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(OUT, "weights.safetensors"))
    x, y, dt = oscillator(torch.Generator().manual_seed(99), 3, 50)
    with torch.no_grad():
        rows = [model(x[b : b + 1], None, dt[b : b + 1]) for b in range(3)]
    out = torch.cat([r[0] for r in rows], 0)
    state = torch.cat([r[1] for r in rows], 0)
    print(f"held-out mse {torch.mean((out - y) ** 2).item():.4f}")
    with open(os.path.join(OUT, "example_input.json"), "w") as f:
        json.dump({"x": x.tolist(), "timespans": dt.tolist()}, f)
    with open(os.path.join(OUT, "example_expected.json"), "w") as f:
        json.dump({"output": out.tolist(), "final_state": state.tolist(), "target": y.tolist()}, f)


if __name__ == "__main__":
    main()
