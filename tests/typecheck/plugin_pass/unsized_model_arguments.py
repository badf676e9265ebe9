"""The user's generic function given a model and tensors that bind the same size parameter:
a model built from sizes typed plain ``int`` (read from a config, computed) is a
``Critic[int, int]``, while the observations, made with literal sizes, bind the parameter to
``4``; or the model is built with literal sizes and a tensor's size is ``int`` (a module's
``forward`` declared ``-> Tensor[B, int, T]``). mypy alone holds ``int`` and ``Literal[4]``
to be two values of the parameter (``Cannot infer value of type parameter``), though the run
time checks the ``int``. The plugin takes the ``int`` as unknown, and the other argument
solves the parameter."""

# rules: nn, creation, reduce, binary

from typing import Generic, TypeVar, assert_type

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Linear, Module, ReLU, Sequential

B = TypeVar("B", bound=int)
F = TypeVar("F", bound=int)
A = TypeVar("A", bound=int)
E = TypeVar("E", bound=int)
T = TypeVar("T", NoneTape, OwnedTape)


class Critic(Module, Generic[F, A]):
    def __init__(self, features: F, actions: A, hidden: int = 32) -> None:
        super().__init__()
        self.body = Sequential(Linear(features, hidden), ReLU())
        self.q = Linear(hidden, actions)

    def forward(self, obs: Tensor[B, F, T]) -> Tensor[B, A, T]:
        return self.q(self.body(obs))


class Encoder(Module, Generic[E]):
    def __init__(self, inputs: int, features: E) -> None:
        super().__init__()
        self.proj = Linear(inputs, features)

    def forward(self, x: Tensor[B, int, T]) -> Tensor[B, int, T]:
        return self.proj(x)


def q_loss(
    critic: Critic[F, A], obs: Tensor[B, F, NoneTape], target: Tensor[B, A, NoneTape]
) -> Tensor[OwnedTape]:
    q = critic(obs.trace())
    return ((q - target) ** 2).mean()


def greedy(critic: Critic[F, A], obs: Tensor[B, F, NoneTape]) -> Tensor[B, NoneTape]:
    return critic(obs).argmax(axis=1)


def double_q_target(
    online: Critic[F, A], target: Critic[F, A], next_obs: Tensor[B, F, NoneTape]
) -> Tensor[B, NoneTape]:
    best = online(next_obs).argmax(axis=1)
    return dx.gather(target(next_obs), 1, best.unsqueeze(1)).squeeze(1)


def main() -> None:
    config = {"features": 4, "actions": 3}
    features, actions = config["features"], config["actions"]
    critic = Critic(features, actions)
    rng = np.random.default_rng(0)
    obs = dx.tensor(rng.standard_normal((8, 4)).astype(np.float32)).reshape(8, 4)
    target = dx.zeros(8, 3)
    loss = q_loss(critic, obs, target)
    assert_type(loss, Tensor[OwnedTape])
    loss.backward()

    sized = Critic(4, 3)
    encoder = Encoder(10, 4)
    for _ in range(2):
        h = encoder(dx.randn(8, 10))
        picked = greedy(sized, h)
        assert picked.shape == (8,)
        y = double_q_target(sized, critic, h)
        assert y.shape == (8,)


main()
