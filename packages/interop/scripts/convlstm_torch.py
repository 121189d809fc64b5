"""The PyTorch ConvLSTM the fixture scripts share: the seed notebook's module in the
ConvLSTM_pytorch layout (`cell_list.{l}.conv.*`), its bugs fixed, with the paper's peepholes
as an option. Eq. 3 of Shi et al. (2015) is written once, in `cell_update`; both cells call it.

make_fixtures.py writes the interop fixtures with it, check_exports.py loads this package's
exports into it, train_at_scale.py trains it with DistributedDataParallel.
"""

import torch
from torch import nn


def cell_update(z_i, z_f, z_o, z_g, c, w_ci=None, w_cf=None, w_co=None):
    """Eq. 3 past the convolutions: the gates i, f, o and the candidate g from their
    pre-activations `z_*` [B, C, H, W] and the previous cell state `c`, with the peepholes
    `w_ci`, `w_cf`, `w_co` (broadcastable to `c`) where given. Returns `(h', c')`."""
    i = torch.sigmoid(z_i if w_ci is None else z_i + w_ci * c)
    f = torch.sigmoid(z_f if w_cf is None else z_f + w_cf * c)
    c = f * c + i * torch.tanh(z_g)
    o = torch.sigmoid(z_o if w_co is None else z_o + w_co * c)
    return o * torch.tanh(c), c


class ConvLSTMCell(nn.Module):
    def __init__(self, input_dim, hidden_dim, kernel_size, bias):
        super().__init__()
        self.hidden_dim = hidden_dim
        padding = (kernel_size[0] // 2, kernel_size[1] // 2)
        self.conv = nn.Conv2d(input_dim + hidden_dim, 4 * hidden_dim, kernel_size, padding=padding, bias=bias)

    def gates(self, x, h):
        """The pre-activations of i, f, o, g: one convolution of `[x, h]` (the layout's order)."""
        return torch.split(self.conv(torch.cat([x, h], dim=1)), self.hidden_dim, dim=1)

    def forward(self, x, state):
        h, c = state
        return cell_update(*self.gates(x, h), c)


class PeepholeConvLSTMCell(ConvLSTMCell):
    """The paper's peepholes `w_ci, w_cf` on c and `w_co` on the new c, one weight per channel,
    under the keys @convlstm/interop documents (`cell_list.{l}.w_ci`, ...)."""

    def __init__(self, input_dim, hidden_dim, kernel_size, bias):
        super().__init__(input_dim, hidden_dim, kernel_size, bias)
        self.w_ci = nn.Parameter(torch.zeros(hidden_dim))
        self.w_cf = nn.Parameter(torch.zeros(hidden_dim))
        self.w_co = nn.Parameter(torch.zeros(hidden_dim))

    def forward(self, x, state):
        h, c = state
        peep = lambda w: w.view(1, -1, 1, 1)  # noqa: E731
        return cell_update(*self.gates(x, h), c, peep(self.w_ci), peep(self.w_cf), peep(self.w_co))


class ConvLSTM(nn.Module):
    def __init__(self, input_dim, hidden_dim, kernel_size, bias=True, peephole=False):
        super().__init__()
        dims = [input_dim] + hidden_dim
        cell = PeepholeConvLSTMCell if peephole else ConvLSTMCell
        self.cell_list = nn.ModuleList(
            cell(dims[l], hidden_dim[l], kernel_size[l], bias) for l in range(len(hidden_dim))
        )

    def forward(self, x):  # x [B, T, C, H, W] (batch_first)
        b, t, _, h, w = x.shape
        states = []
        for cell in self.cell_list:
            hh = torch.zeros(b, cell.hidden_dim, h, w)
            cc = torch.zeros(b, cell.hidden_dim, h, w)
            outs = []
            for s in range(t):
                hh, cc = cell(x[:, s], (hh, cc))
                outs.append(hh)
            x = torch.stack(outs, dim=1)
            states.append((hh, cc))
        return x, states
