"""The user's generic function given a model and tensors that bind the same size parameter:
a model's size typed plain ``int`` is taken as unknown, but two sizes both known still
clash: a model built for 4 features given observations of 6 (mypy's own error), and, with a
model built from ``int`` sizes, a batch of 8 observations against 6 targets (reported at the
call, naming both arguments)."""

# rules: nn, creation, reduce, binary

from typing import Generic, TypeVar

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
F = TypeVar("F", bound=int)
A = TypeVar("A", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Critic(Module, Generic[F, A]):
    def __init__(self, features: F, actions: A, hidden: int = 32) -> None:
        super().__init__()
        self.body = Sequential(Linear(features, hidden), ReLU())
        self.q = Linear(hidden, actions)

    def forward(self, obs: Tensor[B, F, T]) -> Tensor[B, A, T]:
        return self.q(self.body(obs))


def q_loss(
    critic: Critic[F, A], obs: Tensor[B, F, NoneTape], target: Tensor[B, A, NoneTape]
) -> Tensor[OwnedTape]:
    q = critic(obs.trace())
    return ((q - target) ** 2).mean()


def main() -> None:
    sized = Critic(4, 3)
    obs = dx.randn(8, 6)
    q_loss(sized, obs, dx.zeros(8, 3))  # E: mypy[misc "Cannot infer value of type parameter \"F\""]

    config = {"features": 4, "actions": 3}
    critic = Critic(config["features"], config["actions"])
    batch = dx.randn(8, 4)  # E: mypy[
    #     dfdx-shape "batch is assigned here; used at line 48: q_loss: obs and target give B two"
    #     " sizes: obs is Tensor[8, 4] (axis 0: 8), target is Tensor[6, 3] (axis 0: 6) (8 != 6)"]
    q_loss(critic, batch, dx.zeros(6, 3))  # E: mypy[
    #     dfdx-shape "q_loss: obs and target give B two sizes: obs is Tensor[8, 4] (axis 0: 8), "
    #     "target is Tensor[6, 3] (axis 0: 6) (8 != 6)"]


main()
