"""Writes the interop test fixtures (small files, committed) and PyTorch's / Keras' outputs on them.

Run from packages/interop (Python 3.11, CPU wheels from the pip index):
    python3 -m venv /tmp/venv-interop
    /tmp/venv-interop/bin/pip install torch tensorflow-cpu keras h5py safetensors
    /tmp/venv-interop/bin/python scripts/make_fixtures.py

The tests read only the files this writes; they never run Python.
"""

import io
import json
import os
import pickle
import sys
import zipfile

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convlstm_torch import ConvLSTM  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
B, T, H, W, CIN = 2, 3, 7, 5, 2  # non-square, odd frames
HIDDEN = [4, 3]
KERNELS = [(3, 3), (5, 3)]  # different kernel sizes, one of them non-square


class Nested(nn.Module):
    """A bigger model holding the ConvLSTM as `encoder` (keys `encoder.cell_list.*`), with a
    BatchNorm whose `num_batches_tracked` is an int64 tensor (a LongStorage in the pickle)."""

    def __init__(self, core):
        super().__init__()
        self.encoder = core
        self.head = nn.Sequential(nn.Conv2d(HIDDEN[-1], 1, 1), nn.BatchNorm2d(1))


def flat(a):
    return [float(f"{v:.9g}") for v in np.asarray(a, dtype=np.float32).reshape(-1)]


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def torch_fixtures(reference):
    torch.manual_seed(0)
    model = ConvLSTM(CIN, HIDDEN, KERNELS)
    with torch.no_grad():
        for p in model.parameters():  # larger than the default init, so every gate matters
            p.copy_(torch.randn_like(p) * 0.4)
    x = torch.randn(B, T, CIN, H, W)
    with torch.no_grad():
        out, states = model(x)
    torch.save(model.state_dict(), os.path.join(OUT, "torch.pt"))
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(OUT, "torch.safetensors"))
    torch.save(Nested(model).state_dict(), os.path.join(OUT, "torch-nested.pt"))

    half = ConvLSTM(CIN, HIDDEN, KERNELS)
    bf16 = ConvLSTM(CIN, HIDDEN, KERNELS)
    half.load_state_dict({k: v.half().float() for k, v in model.state_dict().items()})
    bf16.load_state_dict({k: v.bfloat16().float() for k, v in model.state_dict().items()})
    torch.save({k: v.half() for k, v in model.state_dict().items()}, os.path.join(OUT, "torch-f16.pt"))
    torch.save({k: v.bfloat16() for k, v in model.state_dict().items()}, os.path.join(OUT, "torch-bf16.pt"))
    save_file({k: v.half() for k, v in model.state_dict().items()}, os.path.join(OUT, "torch-f16.safetensors"))
    save_file({k: v.bfloat16() for k, v in model.state_dict().items()}, os.path.join(OUT, "torch-bf16.safetensors"))
    with torch.no_grad():
        out_half, _ = half(x)
        out_bf16, _ = bf16(x)

    # The paper's peepholes under the documented extra keys, no bias (the other option of the layout).
    peephole = ConvLSTM(CIN, HIDDEN, KERNELS, bias=False, peephole=True)
    with torch.no_grad():
        for p in peephole.parameters():
            p.copy_(torch.randn_like(p) * 0.4)
        out_peephole, _ = peephole(x)
    save_file(peephole.state_dict(), os.path.join(OUT, "torch-peephole.safetensors"))

    # A non-contiguous (transposed) tensor: storage strides differ from the shape's.
    torch.save({"t": torch.arange(6, dtype=torch.float32).reshape(2, 3).t(), "s": torch.arange(8.0)[2:5]},
               os.path.join(OUT, "torch-strided.pt"))

    reference["torch"] = {
        "inputShape": list(x.shape),  # [B, T, C, H, W]
        "input": flat(x),
        "outputShape": list(out.shape),
        "output": flat(out),
        "h": [flat(h) for h, _ in states],
        "c": [flat(c) for _, c in states],
        "outputF16": flat(out_half),
        "outputBF16": flat(out_bf16),
        "outputPeephole": flat(out_peephole),
    }


class Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/convlstm-interop-pwned",))


def malicious_fixture():
    # A torch.save zip whose pickle calls os.system when torch.load(weights_only=False) reads it.
    buf = io.BytesIO()
    torch.save({"x": torch.zeros(1)}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("data.pkl"):
                data = pickle.dumps({"x": Evil()}, protocol=2)
            z.writestr(info.filename, data)
    write("malicious.pt", out.getvalue())


def keras_fixtures(reference):
    import keras

    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.Input((T, H, W, CIN)),
            keras.layers.ConvLSTM2D(HIDDEN[0], KERNELS[0], padding="same", return_sequences=True),
            keras.layers.ConvLSTM2D(HIDDEN[1], KERNELS[1], padding="same", return_sequences=True),
        ]
    )
    rng = np.random.default_rng(2)
    model.set_weights([rng.normal(0, 0.4, w.shape).astype(np.float32) for w in model.get_weights()])
    x = rng.normal(0, 1, (B, T, H, W, CIN)).astype(np.float32)
    y = model.predict(x, verbose=0)
    model.save(os.path.join(OUT, "keras.keras"))
    model.save_weights(os.path.join(OUT, "keras.weights.h5"))
    model.save(os.path.join(OUT, "keras-legacy.h5"))
    reference["keras"] = {
        "kerasVersion": keras.__version__,
        "inputShape": list(x.shape),  # [B, T, H, W, C]
        "input": flat(x),
        "outputShape": list(y.shape),
        "output": flat(y),
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    reference = {"generatedBy": "scripts/make_fixtures.py", "torchVersion": torch.__version__}
    torch_fixtures(reference)
    malicious_fixture()
    keras_fixtures(reference)
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(reference, f)


if __name__ == "__main__":
    main()
