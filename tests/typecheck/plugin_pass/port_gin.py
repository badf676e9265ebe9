"""A graph isomorphism network (Xu et al. 2019) on dense batched graphs, ported from the usual
PyTorch code that keeps each graph as a padded ``(B, N, N)`` adjacency: a GIN layer
``mlp((1 + eps) * x + adj @ x)`` with a learned ``eps``, the MLP a ``Sequential`` built in a
loop, a residual joined through a projection that is ``None`` where the widths agree, the
nodes of each layer kept in a list and read out by a masked sum (the jumping-knowledge
concatenation), a GCN-style normalised adjacency computed with ``einsum``, and a graph
classifier; the graphs come from NumPy."""

# rules: nn

from typing import Any, Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm1d, Dropout, Linear, Module, ModuleList, ReLU, Sequential

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)  # nodes per graph (padded)
DI = TypeVar("DI", bound=int)
DO = TypeVar("DO", bound=int)
H = TypeVar("H", bound=int)
KC = TypeVar("KC", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


def normalized_adjacency(adj: Tensor[B, N, N, NoneTape]) -> Tensor[B, N, N, NoneTape]:
    """D^-1/2 (A + I) D^-1/2, as GCN uses it."""
    n = adj.shape[1]
    a_hat = adj + dx.eye(n)
    deg = a_hat.sum(axis=-1)
    d_inv_sqrt = deg.rsqrt()
    return dx.einsum("bi,bij,bj->bij", d_inv_sqrt, a_hat, d_inv_sqrt)


class GINLayer(Module, Generic[DI, DO]):
    def __init__(self, in_dim: DI, out_dim: DO, num_mlp_layers: int = 2) -> None:
        super().__init__()
        self.eps: Tensor[L[1], NoneTape] = dx.zeros(1)
        layers: list[Module] = [Linear(in_dim, out_dim, rng=rng)]
        for _ in range(num_mlp_layers - 1):
            layers.append(ReLU())
            layers.append(Linear(out_dim, out_dim, rng=rng))
        self.mlp = Sequential(*layers)
        self.norm = BatchNorm1d(out_dim)
        self.proj: Linear[DI, DO] | None = None
        if in_dim != out_dim:
            self.proj = Linear(in_dim, out_dim, bias=False, rng=rng)

    def forward(self, x: Tensor[B, N, DI, T], adj: Any) -> Tensor[B, N, DO, T]:
        B_, N_, _ = x.shape
        shortcut = x if self.proj is None else self.proj(x)
        x = (1 + self.eps) * x + adj @ x
        h = self.mlp(x)
        h = self.norm(h.view(B_ * N_, -1)).view(B_, N_, -1)
        out = h.relu() + shortcut
        return out


class GIN(Module, Generic[DI, H, KC]):
    def __init__(self, in_dim: DI, hidden: H, num_classes: KC, num_layers: int) -> None:
        super().__init__()
        self.embed = Linear(in_dim, hidden, rng=rng)
        self.layers = ModuleList([GINLayer(hidden, hidden) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.readout = Sequential(
            Linear(hidden * (num_layers + 1), hidden, rng=rng),
            ReLU(),
            Dropout(0.5),
            Linear(hidden, num_classes, rng=rng),
        )

    def forward(
        self, x: Tensor[B, N, DI, T], adj: Tensor[B, N, N, NoneTape], mask: Tensor[B, N, NoneTape]
    ) -> Tensor[B, KC, T]:
        adj = normalized_adjacency(adj)
        h = self.embed(x)
        hidden_rep = [h]
        for layer in self.layers:
            h = layer(h, adj)
            hidden_rep.append(h)
        pooled = [(rep * mask.unsqueeze(-1)).sum(axis=1) for rep in hidden_rep]
        graph = dx.cat(pooled, axis=-1)
        return self.readout(graph)


num_graphs, max_nodes, feat_dim = 4, 6, 5
edges = rng.random((num_graphs, max_nodes, max_nodes)) < 0.3
sym = np.logical_or(edges, edges.transpose(0, 2, 1)).astype(np.float32)
node_counts = np.array([6, 4, 5, 3])
node_mask = (np.arange(max_nodes)[None, :] < node_counts[:, None]).astype(np.float32)
sym = sym * node_mask[:, :, None] * node_mask[:, None, :]

adj: Tensor[L[4], L[6], L[6], NoneTape] = dx.tensor(sym).view(4, 6, 6)
mask: Tensor[L[4], L[6], NoneTape] = dx.tensor(node_mask).view(4, 6)
feats: Tensor[L[4], L[6], L[5], NoneTape] = dx.randn(4, 6, 5, rng=rng)

model: GIN[L[5], L[8], L[3]] = GIN(5, 8, 3, num_layers=2)
assert_type(normalized_adjacency(adj), Tensor[L[4], L[6], L[6], NoneTape])
logits = model(feats.trace(), adj, mask)
assert_type(logits, Tensor[L[4], L[3], OwnedTape])
labels = dx.tensor(rng.integers(0, 3, num_graphs))
loss = dx.losses.cross_entropy_with_logits_loss(logits, labels)
grads = loss.backward()
assert logits.shape == (4, 3)
assert grads[model.embed.weight].shape == (8, 5)
