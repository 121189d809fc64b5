"""PyTorch beside @convlstm/bench: the same workloads, timed the same way, in PyTorch on this CPU.

The bench (apps/bench/src/torch-peer.ts) starts this script with a JSON spec on stdin and reads
one JSON report from stdout. Workloads:
- every bench shape: the usual cat+conv ConvLSTM with the paper's peepholes (the interop
  package's `convlstm_torch.ConvLSTM`, where eq. 3 is written once for Python), forward with
  the output read back, and a training step (the gradients of sum(output) w.r.t. every weight,
  read back);
- the main job's training step: a port of @convlstm/train's EncoderForecaster (patches, encoder
  and input-free forecaster ConvLSTMs with separate input and state kernels and peepholes, the
  1x1 output convolution) with BCE + L1 on sigmoid, global-norm clipping and one Adam update.

Never needed by the tests or CI: the bench skips it, saying why, where torch does not import.
"""

import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "packages", "interop", "scripts"))
from convlstm_torch import ConvLSTM, cell_update  # noqa: E402


def timed(fn, warmups, reps, budget_s):
    """Median/min/max milliseconds of `fn` after `warmups` runs, at most `reps` within `budget_s`."""
    for _ in range(warmups):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < reps and (not times or time.perf_counter() - start < budget_s):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return {"medianMs": statistics.median(times), "minMs": min(times), "maxMs": max(times), "runs": len(times)}


def shape_workloads(shape, warmups, reps, budget_s):
    torch.manual_seed(0)
    k = shape["kernel"]
    model = ConvLSTM(shape["inChannels"], list(shape["hidden"]), [(k, k)] * len(shape["hidden"]), peephole=True)
    x = torch.randn(shape["batch"], shape["steps"], shape["inChannels"], shape["height"], shape["width"])
    params = list(model.parameters())

    def forward():
        with torch.no_grad():
            out, _ = model(x)
            out.numpy()

    def train():
        out, _ = model(x)
        grads = torch.autograd.grad(out.sum(), params)
        for g in grads:
            g.numpy()

    result = {"id": shape["id"], "params": sum(p.numel() for p in params)}
    if not shape.get("memoryOnly"):
        result["forward"] = timed(forward, warmups, reps, budget_s)
    result["train"] = timed(train, warmups, reps, budget_s)
    return result


class Cell(nn.Module):
    """One encoder-forecaster layer: an input kernel (absent for the input-free forecaster's first
    layer, which has the bias instead), a state kernel and the per-channel peepholes."""

    def __init__(self, cin, ch, k_in, k_state):
        super().__init__()
        self.ch = ch
        self.input = nn.Conv2d(cin, 4 * ch, k_in, padding=k_in // 2) if cin > 0 else None
        self.state = nn.Conv2d(ch, 4 * ch, k_state, padding=k_state // 2, bias=cin == 0)
        self.peep = nn.Parameter(torch.zeros(3, 1, ch, 1, 1))

    def step(self, zx, h, c):
        z = self.state(h) if zx is None else self.state(h) + zx
        z_i, z_f, z_g, z_o = torch.split(z, self.ch, dim=1)
        return cell_update(z_i, z_f, z_o, z_g, c, self.peep[0], self.peep[1], self.peep[2])


class EncoderForecaster(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        p = cfg["patchSize"]
        self.p = p
        cin = p * p * cfg["channels"]
        layers = cfg["layers"]
        k = cfg["inputKernelSize"]
        self.encoder = nn.ModuleList()
        self.forecaster = nn.ModuleList()
        for i, layer in enumerate(layers):
            ch, ks = layer["hiddenChannels"], layer["recurrentKernelSize"]
            prev = cin if i == 0 else layers[i - 1]["hiddenChannels"]
            self.encoder.append(Cell(prev, ch, k, ks))
            self.forecaster.append(Cell(0 if i == 0 else prev, ch, k, ks))
        self.output = nn.Conv2d(sum(l["hiddenChannels"] for l in layers), p * p, 1)

    def forward(self, x, tout):
        n, tin, cin, hh, ww = x.shape
        frames = F.pixel_unshuffle(x.reshape(n * tin, cin, hh, ww), self.p)
        seq = frames.reshape(n, tin, *frames.shape[1:])
        states = []
        for cell in self.encoder:
            zx = cell.input(seq.flatten(0, 1)).reshape(n, tin, 4 * cell.ch, *seq.shape[3:])
            h = torch.zeros(n, cell.ch, *seq.shape[3:])
            c = torch.zeros_like(h)
            outs = []
            for t in range(tin):
                h, c = cell.step(zx[:, t], h, c)
                outs.append(h)
            seq = torch.stack(outs, 1)
            states.append((h, c))
        hidden = [[] for _ in self.forecaster]
        for t in range(tout):
            below = None
            for l, cell in enumerate(self.forecaster):
                h, c = states[l]
                zx = None if below is None else cell.input(below)
                h, c = cell.step(zx, h, c)
                states[l] = (h, c)
                hidden[l].append(h)
                below = h
        cat = torch.cat([torch.stack(hs, 1) for hs in hidden], 2)
        out = self.output(cat.flatten(0, 1))
        return F.pixel_shuffle(out, self.p).reshape(n, tout, 1, hh, ww)


def main_job(spec, warmups, reps, budget_s):
    torch.manual_seed(0)
    cfg = spec["model"]
    model = EncoderForecaster(cfg)
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=spec["learningRate"])
    n, tin, tout = spec["batchSize"], cfg["inputFrames"], cfg["outputFrames"]
    size = cfg["frameSize"]
    x = (torch.rand(n, tin, 1, size, size) > 0.9).float()
    y = (torch.rand(n, tout, 1, size, size) > 0.9).float()

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model(x, tout)
        loss = F.binary_cross_entropy_with_logits(logits, y) + spec["l1Weight"] * (torch.sigmoid(logits) - y).abs().mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, spec["clipNorm"])
        opt.step()
        loss.item()

    return {"params": sum(p.numel() for p in params), "train": timed(step, warmups, reps, budget_s)}


def main():
    spec = json.load(sys.stdin)
    threads = spec.get("threads") or os.cpu_count()
    torch.set_num_threads(threads)
    warmups, reps, budget_s = spec["warmups"], spec["reps"], spec["budgetSeconds"]
    report = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "shapes": [shape_workloads(s, warmups, reps, budget_s) for s in spec["shapes"]],
    }
    if spec.get("mainJob"):
        report["mainJob"] = main_job(spec["mainJob"], warmups, reps, budget_s)
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
