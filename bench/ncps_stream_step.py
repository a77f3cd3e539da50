"""Streaming step latency of the reference ncps (torch, CPU, eager) at batch 1, for bench/stream_step.ts.

Builds the models of STREAM_MODELS there (CfC 32 -> backbone 1x64 -> 32 units; the lane-keeping
NCP with 32 inputs as LTC with 6 unfolds and as CfC) and times one observation per call:
"wrapper" is model(x[1,1,I], hx, timespans[1,1]) under torch.inference_mode(), what an ncps user
streams with; "cell" is rnn_cell(x[1,I], h, ts) alone, the floor of what torch can do. Each is
timed with torch.set_num_threads(1) and with torch's default thread count. Prints JSON:
{model: {call: {threads: {"median": us, "p99": us}}}}. Installs nothing.
"""
import json
import time

import torch
from ncps.torch import CfC, LTC
from ncps.wirings import NCP

STEPS = 3000
WARMUP = 300


def lane_keeping_ncp():
    return NCP(inter_neurons=12, command_neurons=6, motor_neurons=1, sensory_fanout=6,
               inter_fanout=4, recurrent_command_synapses=6, motor_fanin=6)


def models():
    return {
        "cfc": CfC(32, 32, backbone_units=64, backbone_layers=1),
        "ncp19_ltc": LTC(32, lane_keeping_ncp(), ode_unfolds=6),
        "ncp19_cfc": CfC(32, lane_keeping_ncp()),
    }


def latency(step):
    for _ in range(WARMUP):
        step()
    samples = []
    for _ in range(STEPS):
        t0 = time.perf_counter_ns()
        step()
        samples.append((time.perf_counter_ns() - t0) / 1000)
    samples.sort()
    return {"median": samples[STEPS // 2], "p99": samples[int(STEPS * 0.99)]}


def calls(model):
    """The two ways to advance one step; each keeps its state across calls like a robot would."""
    state_size = model.state_size
    x = torch.randn(1, 1, 32)
    ts = torch.full((1, 1), 0.05)
    hx = [torch.zeros(1, state_size)]
    h = [torch.zeros(1, state_size)]

    def wrapper():
        _, hx[0] = model(x, hx[0], ts)

    def cell():
        _, h[0] = model.rnn_cell(x[:, 0], h[0], 0.05)

    return {"wrapper": wrapper, "cell": cell}


def main():
    default_threads = torch.get_num_threads()
    result = {}
    with torch.inference_mode():
        for name, model in models().items():
            model.eval()
            result[name] = {}
            for call, step in calls(model).items():
                result[name][call] = {}
                for threads in sorted({1, default_threads}):
                    torch.set_num_threads(threads)
                    label = f"{threads} thread{'s' if threads > 1 else ''}"
                    result[name][call][label] = latency(step)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
