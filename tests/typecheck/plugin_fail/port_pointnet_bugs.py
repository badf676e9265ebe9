"""port_pointnet.py with three shape bugs, each after a ``# bug:`` comment."""

# rules: nn

from typing import Generic, TypeVar, assert_type
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import BatchNorm1d, Conv1d, Dropout, Linear, Module

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)  # points
K = TypeVar("K", bound=int)  # the transform's width
KC = TypeVar("KC", bound=int)  # classes
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class STNkd(Module, Generic[K]):
    """Predicts a k x k transform of its (B, k, N) input, initialised near the identity."""

    def __init__(self, k: K) -> None:
        super().__init__()
        self.conv1 = Conv1d(k, 16, 1, rng=rng)
        self.conv2 = Conv1d(16, 32, 1, rng=rng)
        self.conv3 = Conv1d(32, 64, 1, rng=rng)
        self.fc1 = Linear(64, 32, rng=rng)
        self.fc2 = Linear(32, 16, rng=rng)
        self.fc3 = Linear(16, k * k, rng=rng)
        self.bn1 = BatchNorm1d(16)
        self.bn2 = BatchNorm1d(32)
        self.bn3 = BatchNorm1d(64)
        self.bn4 = BatchNorm1d(32)
        self.bn5 = BatchNorm1d(16)
        self.k = k

    def forward(self, x: Tensor[B, K, N, T]) -> Tensor[B, K, K, T]:
        batchsize = x.shape[0]
        h = self.bn1(self.conv1(x)).relu()
        h = self.bn2(self.conv2(h)).relu()
        h = self.bn3(self.conv3(h)).relu()
        # bug: the T-Net's global max taken over the channels, not the points
        h = h.max(axis=1, keepdims=True)  # torch.max(x, 2, keepdim=True)[0]
        h = h.view(-1, 64)

        h = self.bn4(self.fc1(h)).relu()
        h = self.bn5(self.fc2(h)).relu()
        h = self.fc3(h)

        iden = dx.tensor(np.eye(self.k, dtype=np.float32)).view(1, self.k * self.k)
        h = h + iden
        return h.view(batchsize, self.k, self.k)


class PointNetfeat(Module):
    """The global feature of a cloud of points, and the two transforms it applied."""

    def __init__(self) -> None:
        super().__init__()
        self.stn: STNkd[L[3]] = STNkd(3)  # the annotation is for pyright
        self.conv1 = Conv1d(3, 16, 1, rng=rng)  # E: mypy[dfdx-shape "self.conv1 is built here; it"
        #     "s output reaches line 87: STNkd[64]: x takes Tensor[B, 64, N], got Tensor[B, 16, 3]"
        #     " (16 != 64)"]
        self.conv2 = Conv1d(16, 32, 1, rng=rng)
        self.conv3 = Conv1d(32, 64, 1, rng=rng)
        self.bn1 = BatchNorm1d(16)
        self.bn2 = BatchNorm1d(32)
        self.bn3 = BatchNorm1d(64)
        # bug: the feature transform built 64 wide, as in the paper, for 16 features
        self.fstn: STNkd[L[64]] = STNkd(64)  # E: mypy[dfdx-shape "self.fstn is built here; called"
        #     " at line 87: STNkd[64]: x takes Tensor[B, 64, N], got Tensor[B, 16, 3] (16 != 64)"]

    def forward(
        self, x: Tensor[B, L[3], N, T]
    ) -> tuple[Tensor[B, L[64], T], Tensor[B, L[3], L[3], T], Tensor[B, L[16], L[16], T]]:
        trans = self.stn(x)  # E: mypy[dfdx-shape "trans is assigned here; used at line 83: matmul"
        #     ": inner sizes differ: Tensor[B, 3, N] @ Tensor[B, 3, 3] (N != 3)"]
        # bug: the input transform applied to the (B, 3, N) points without transposing them
        pts = x @ trans  # torch.bmm(x, trans)  # E: mypy[dfdx-shape "matmul: inner sizes differ: T"
        #     "ensor[B, 3, N] @ Tensor[B, 3, 3] (N != 3)"]
        h = self.bn1(self.conv1(pts)).relu()

        trans_feat = self.fstn(h)  # E: mypy[dfdx-shape "STNkd[64]: x takes Tensor[B, 64, N], got T"
        #     "ensor[B, 16, 3] (16 != 64)"]
        f = h.transpose(2, 1)
        f = f @ trans_feat
        f = f.transpose(2, 1)  # (B, 16, N)

        g = self.bn2(self.conv2(f)).relu()
        g = self.bn3(self.conv3(g))
        g = g.max(axis=2, keepdims=True)
        g = g.view(-1, 64)
        return g, trans, trans_feat


class PointNetCls(Module, Generic[KC]):
    def __init__(self, k: KC) -> None:
        super().__init__()
        self.feat = PointNetfeat()
        self.fc1 = Linear(64, 32, rng=rng)
        self.fc2 = Linear(32, 16, rng=rng)
        self.fc3 = Linear(16, k, rng=rng)
        self.dropout = Dropout(p=0.3)
        self.bn1 = BatchNorm1d(32)
        self.bn2 = BatchNorm1d(16)

    def forward(
        self, x: Tensor[B, L[3], N, T]
    ) -> tuple[Tensor[B, KC, T], Tensor[B, L[3], L[3], T], Tensor[B, L[16], L[16], T]]:
        g, trans, trans_feat = self.feat(x)
        h = self.bn1(self.fc1(g)).relu()
        h = self.bn2(self.dropout(self.fc2(h))).relu()
        h = self.fc3(h)
        return h.log_softmax(axis=1), trans, trans_feat


def feature_transform_regularizer(trans: Tensor[B, K, K, T]) -> Tensor[T]:
    d = trans.shape[1]
    identity = dx.tensor(np.eye(d, dtype=np.float32)).view(1, d, d)
    diff = trans @ trans.transpose(2, 1) - identity  # A A^T - I
    return diff.square().sum(axis=(1, 2)).sqrt().mean()  # torch.norm(..., dim=(1, 2))


model: PointNetCls[L[5]] = PointNetCls(5)
assert_type(PointNetCls(5), PointNetCls[L[5]])
points: Tensor[L[4], L[3], L[10], NoneTape] = dx.randn(4, 3, 10, rng=rng)
log_probs, trans, trans_feat = model(points.trace())
assert_type(log_probs, Tensor[L[4], L[5], OwnedTape])
assert log_probs.shape == (4, 5) and trans.shape == (4, 3, 3) and trans_feat.shape == (4, 16, 16)
labels = dx.tensor(rng.integers(0, 5, 4))
loss = -(log_probs * dx.one_hot(labels, 5)).sum(axis=1).mean()
loss = loss + feature_transform_regularizer(trans_feat) * 0.001
grads = loss.backward()
assert grads[model.feat.fstn.fc3.weight].shape == (256, 16)
