"""The README's "Train at scale elsewhere, run here" path, small enough to run on a laptop's CPU.

PyTorch with DistributedDataParallel (gloo on CPU here; nccl and one process per GPU on a cluster):
    torchrun --nproc_per_node=2 scripts/train_at_scale.py torch /tmp/scale
Keras with a distribution strategy (MirroredStrategy over the visible devices):
    python scripts/train_at_scale.py keras /tmp/scale
Then:
    convlstm-convert --in /tmp/scale/convlstm.safetensors --out /tmp/scale/web/model.json
    convlstm-convert --in /tmp/scale/convlstm.keras --out /tmp/scale/keras-web/model.json

The task is a toy (predict the next frame of a square moving one pixel right); what matters is
that the weights trained by the big engines come out in files this project reads.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

T, H, W = 6, 12, 10


def moving_squares(n, rng):
    x = np.zeros((n, T + 1, H, W, 1), np.float32)
    for i in range(n):
        r, c = rng.integers(0, H - 3), rng.integers(0, W - 3 - T)
        for t in range(T + 1):
            x[i, t, r : r + 3, c + t : c + t + 3, 0] = 1
    return x[:, :-1], x[:, 1:]


def torch_ddp(out):
    import torch
    import torch.distributed as dist
    from safetensors.torch import save_file
    from torch import nn
    from torch.nn.parallel import DistributedDataParallel as DDP

    from convlstm_torch import ConvLSTM

    dist.init_process_group("gloo")  # "nccl" with one process per GPU
    rank = dist.get_rank()
    torch.manual_seed(0)
    model = DDP(ConvLSTM(1, [8, 1], [(3, 3), (3, 3)]))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    rng = np.random.default_rng(rank)  # each rank its own shard of the data
    for step in range(60):
        x, y = moving_squares(8, rng)
        xt = torch.tensor(x).permute(0, 1, 4, 2, 3)  # [B, T, C, H, W]
        yt = torch.tensor(y).permute(0, 1, 4, 2, 3)
        out_seq, _ = model(xt)
        loss = nn.functional.binary_cross_entropy_with_logits(out_seq * 6, yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    if rank == 0:
        os.makedirs(out, exist_ok=True)
        # The unwrapped module: keys cell_list.{l}.conv.* (the DDP wrapper's would start with module.).
        save_file(model.module.state_dict(), os.path.join(out, "convlstm.safetensors"))
        print(f"rank 0: loss {loss.item():.4f}, wrote {out}/convlstm.safetensors")
    dist.destroy_process_group()


def keras_strategy(out):
    import keras
    import tensorflow as tf

    strategy = tf.distribute.MirroredStrategy()  # every visible GPU; the CPU here
    with strategy.scope():
        model = keras.Sequential(
            [
                keras.Input((T, H, W, 1)),
                keras.layers.ConvLSTM2D(8, 3, padding="same", return_sequences=True),
                keras.layers.ConvLSTM2D(1, 3, padding="same", return_sequences=True),
            ]
        )
        model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    x, y = moving_squares(256, np.random.default_rng(0))
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    os.makedirs(out, exist_ok=True)
    model.save(os.path.join(out, "convlstm.keras"))
    print(f"replicas {strategy.num_replicas_in_sync}, wrote {out}/convlstm.keras")


if __name__ == "__main__":
    {"torch": torch_ddp, "keras": keras_strategy}[sys.argv[1]](sys.argv[2])
