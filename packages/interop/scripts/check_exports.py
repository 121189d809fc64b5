"""Loads files written by convlstm-convert into PyTorch and Keras and checks their outputs.

    node dist/cli.js --in fixtures/keras.keras --out /tmp/cvt/from-keras.safetensors
    node dist/cli.js --in fixtures/torch.pt --out /tmp/cvt/from-torch.weights.h5
    /tmp/venv-interop/bin/python scripts/check_exports.py /tmp/cvt

Keras' weights (written as PyTorch layout) must give Keras' reference output in the PyTorch
module, and PyTorch's weights (written as a Keras .weights.h5) PyTorch's reference in Keras.
"""

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from convlstm_torch import ConvLSTM  # noqa: E402
from make_fixtures import CIN, HIDDEN, KERNELS, OUT  # noqa: E402


def main(folder):
    import keras
    from safetensors.torch import load_file

    ref = json.load(open(os.path.join(OUT, "reference.json")))
    model = ConvLSTM(CIN, HIDDEN, KERNELS)
    model.load_state_dict(load_file(os.path.join(folder, "from-keras.safetensors")))
    xk = torch.tensor(np.array(ref["keras"]["input"], np.float32).reshape(ref["keras"]["inputShape"]))
    with torch.no_grad():
        out, _ = model(xk.permute(0, 1, 4, 2, 3))
    diff = np.abs(out.permute(0, 1, 3, 4, 2).numpy().reshape(-1) - np.array(ref["keras"]["output"])).max()
    print(f"Keras weights via .safetensors in the PyTorch module: max |diff| vs Keras {diff:.2e}")

    t = ref["torch"]["inputShape"]
    seq = keras.Sequential(
        [
            keras.Input((t[1], t[3], t[4], CIN)),
            keras.layers.ConvLSTM2D(HIDDEN[0], KERNELS[0], padding="same", return_sequences=True),
            keras.layers.ConvLSTM2D(HIDDEN[1], KERNELS[1], padding="same", return_sequences=True),
        ]
    )
    seq.load_weights(os.path.join(folder, "from-torch.weights.h5"))
    x = np.array(ref["torch"]["input"], np.float32).reshape(t).transpose(0, 1, 3, 4, 2)
    y = seq.predict(x, verbose=0).transpose(0, 1, 4, 2, 3).reshape(-1)
    diff = np.abs(y - np.array(ref["torch"]["output"])).max()
    print(f"PyTorch weights via .weights.h5 in Keras: max |diff| vs PyTorch {diff:.2e}")


if __name__ == "__main__":
    main(sys.argv[1])
