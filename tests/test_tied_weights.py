"""Gradients through ops on untraced tensors alone (a transpose, a slice, a reshape of a
parameter): they reach the tensor the op read, as in PyTorch (docs/design.md §8)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _helpers import numeric_grads

import dfdx as dx
from dfdx import nn, optim
from dfdx._autodiff import PARAMETER

RNG = np.random.default_rng(0)


def _randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


class Holder(nn.Module):
    """A module holding one tensor, which makes it a parameter."""

    def __init__(self, w: np.ndarray) -> None:
        super().__init__()
        self.w = dx.tensor(w)


Op = Callable[[Any, Any], Any]


def check_param_grads(op: Op, x: np.ndarray, w: np.ndarray, eps: float = 1e-6) -> None:
    """backward() through ``op(x.trace(), w)`` for a parameter ``w`` (untraced, held by a
    module) against finite differences in float64, for ``x`` and ``w``."""
    w_out = RNG.uniform(0.5, 1.5, op(dx.tensor(x), dx.tensor(w)).shape)
    want_x, want_w = numeric_grads(op, [x, w], w_out, eps)
    param = Holder(w).w
    xt = dx.tensor(x).trace()
    grads = (op(xt, param) * dx.tensor(w_out)).sum().backward()
    np.testing.assert_allclose(grads[xt].numpy(), want_x, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grads[param].numpy(), want_w, rtol=1e-5, atol=1e-6)


def test_matmul_with_transposed_parameter() -> None:
    check_param_grads(lambda x, w: x @ w.transpose(0, 1), _randn(4, 3), _randn(5, 3))


def test_slice_of_parameter() -> None:
    check_param_grads(lambda h, w: h + w[:3], _randn(3, 4), _randn(6, 4))


def test_chain_of_movement_ops() -> None:
    check_param_grads(
        lambda x, w: x * w.transpose(0, 1).reshape(2, 6)[1:], _randn(1, 6), _randn(3, 4)
    )


def test_value_ops_on_parameter() -> None:
    check_param_grads(lambda x, w: x * (w * 2.0).exp(), _randn(2, 3), _randn(2, 3))


def test_parameter_used_directly_and_transposed() -> None:
    check_param_grads(lambda x, w: x @ w + x @ w.transpose(0, 1), _randn(2, 3), _randn(3, 3))


def test_parameters_combined_before_meeting_the_batch() -> None:
    def op(x: Any, w: Any) -> Any:
        other = Holder(np.arange(6.0).reshape(2, 3)).w
        return x * (w[:2] + other * w[1:])  # both sides are parameters: remembered

    check_param_grads(op, _randn(2, 3), _randn(3, 3))


def test_derived_tensor_keeps_its_own_gradient() -> None:
    w = Holder(_randn(3, 2)).w
    x = dx.tensor(_randn(4, 2)).trace()
    wt = w.transpose(0, 1)
    grads = (x @ wt).sum().backward()
    np.testing.assert_allclose(grads[wt].numpy(), np.repeat(x.numpy().sum(0)[:, None], 3, 1))
    np.testing.assert_allclose(grads[w].numpy(), grads[wt].numpy().T)


def test_detach_passes_no_gradient_back() -> None:
    w = Holder(_randn(3, 2)).w
    x = dx.tensor(_randn(4, 2)).trace()
    d = w.detach()
    grads = (x @ d.transpose(0, 1)).sum().backward()
    assert w not in grads and d not in grads  # d is a plain tensor: d.T keeps the gradient
    wt = w.transpose(0, 1).detach()
    grads = (x.trace() @ wt).sum().backward()
    assert wt in grads and w not in grads


def test_plain_tensor_needs_trace_to_get_gradients_through_ops() -> None:
    w = dx.tensor(_randn(3, 2))  # not held by a module: not a parameter
    x = dx.tensor(_randn(4, 2))
    grads = (x.trace() @ w.transpose(0, 1)).sum().backward()
    assert w not in grads
    grads = (x.trace() @ w.trace().transpose(0, 1)).sum().backward()
    np.testing.assert_allclose(grads[w].numpy(), np.repeat(x.numpy().sum(0)[None], 3, 0))


def test_parameter_with_a_plain_constant_keeps_the_gradient_at_the_result() -> None:
    w = Holder(_randn(2, 3)).w
    mask = dx.tensor(np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]))
    x = dx.tensor(_randn(2, 3))
    grads = (x.trace() * (w * mask)).sum().backward()
    assert w not in grads  # documented: trace the parameter there
    grads = (x.trace() * (w.trace() * mask)).sum().backward()
    np.testing.assert_allclose(grads[w].numpy(), x.numpy() * mask.numpy())


def test_inference_remembers_nothing() -> None:
    w, x = _randn(3, 2), _randn(4, 2)
    param = Holder(w).w
    y = (dx.tensor(x) @ param.transpose(0, 1)).relu()
    assert not y.is_traced and y._origin is None  # the batch is no parameter
    np.testing.assert_allclose(y.numpy(), np.maximum(x @ w.T, 0))
    assert param.transpose(0, 1)._origin is not None


def test_inference_from_plain_indices_or_masks_remembers_nothing() -> None:
    """Token ids, gather indices and masks are read without a gradient: a plain one (no
    buffer, untraced) makes the result plain, so a GPT's inference keeps no activations."""
    emb = nn.Embedding(10, 4)
    ids = dx.tensor(np.array([[1, 2, 3]]))
    h = emb(ids)
    assert not h.is_traced and h._origin is None
    assert (h @ emb.weight.transpose(0, 1))._origin is None
    w = emb.weight
    assert dx.gather(w, 0, dx.tensor(np.array([[1, 2, 0, 3]])))._origin is None
    mask = dx.tensor(np.ones((10, 4), dtype=bool))
    assert dx.masked_fill(w, mask, 0.0)._origin is None
    assert dx.where(mask, w, 0.0)._origin is None
    # a buffer is held by a module: what it selects still remembers its table
    holder = Holder(w.numpy())
    holder.register_buffer("rows", dx.tensor(np.array([0, 2])))
    picked = dx.index_select(holder.w, 0, holder.rows)
    assert picked._origin is not None
    x = dx.tensor(_randn(2, 4).astype(np.float32)).trace()
    grads = (x * picked).sum().backward()
    want = np.zeros((10, 4))
    want[[0, 2]] = x.numpy()
    np.testing.assert_allclose(grads[holder.w].numpy(), want, rtol=1e-6)


def test_module_tensor_forgets_how_it_was_computed() -> None:
    class Scaled(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = Holder(_randn(3, 2)).w * 0.5

    m = Scaled()
    assert m.weight._origin is PARAMETER  # a leaf: the init temporaries are not kept alive
    x = dx.tensor(_randn(4, 2)).trace()
    grads = (x @ m.weight.transpose(0, 1)).sum().backward()
    assert m.weight in grads
    assert copy.deepcopy(m).weight._origin is PARAMETER


class TiedLM(nn.Module):
    """nanoGPT's pattern: the read-out is the embedding's weight, transposed; positions are
    a slice of a second table."""

    def __init__(self, vocab: int, dim: int, block: int, seed: int) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self.wte = nn.Embedding(vocab, dim, rng=rng, dtype=dx.float64)
        self.wpe = nn.Embedding(block, dim, rng=rng, dtype=dx.float64)

    def forward(self, idx: Any) -> Any:
        s = idx.shape[1]
        h = self.wte(idx) + self.wpe.weight[:s]
        return h @ self.wte.weight.transpose(0, 1)


def _tied_loss_np(wte: np.ndarray, wpe: np.ndarray, idx: np.ndarray, c: np.ndarray) -> float:
    h = wte[idx] + wpe[: idx.shape[1]]
    return float(((h @ wte.T) * c).sum())


def _numeric(f: Any, a: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + eps
        up = f()
        a[i] = old - eps
        down = f()
        a[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


def test_tied_embedding_and_head_get_both_gradients() -> None:
    model = TiedLM(vocab=5, dim=3, block=4, seed=1)
    idx = np.array([[0, 3, 3], [4, 1, 0]])
    c = _randn(2, 3, 5)
    logits = model(dx.tensor(idx).trace())
    grads = (logits * dx.tensor(c)).sum().backward()
    wte, wpe = model.wte.weight.numpy(), model.wpe.weight.numpy()
    want_wte = _numeric(lambda: _tied_loss_np(wte, wpe, idx, c), wte)
    want_wpe = _numeric(lambda: _tied_loss_np(wte, wpe, idx, c), wpe)
    np.testing.assert_allclose(grads[model.wte.weight].numpy(), want_wte, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(grads[model.wpe.weight].numpy(), want_wpe, rtol=1e-6, atol=1e-7)
    assert not np.any(want_wpe[3:])  # the unused position rows get zeros


def _tied_step(model: TiedLM, opt: Any, idx: np.ndarray, c: np.ndarray) -> None:
    grads = (model(dx.tensor(idx).trace()) * dx.tensor(c)).sum().backward()
    opt.update(model, grads)


def test_gradient_accumulation_and_clipping_see_the_full_gradient() -> None:
    idx = np.array([[0, 3, 3], [4, 1, 0]])
    c = _randn(2, 3, 5)
    model = TiedLM(vocab=5, dim=3, block=4, seed=2)
    acc = optim.GradAccumulator(model)
    grads = (model(dx.tensor(idx).trace()) * dx.tensor(c)).sum().backward()
    full = grads[model.wte.weight].numpy()
    acc.add(grads, scale=0.5)
    acc.add((model(dx.tensor(idx).trace()) * dx.tensor(c)).sum().backward(), scale=0.5)
    summed = acc.gradients()
    np.testing.assert_allclose(summed[model.wte.weight].numpy(), full, rtol=1e-12)
    norm = optim.clip_grad_norm(model, summed, max_norm=1e-3)
    assert norm > 1e-3
    np.testing.assert_allclose(
        np.sqrt(sum((summed[p].numpy() ** 2).sum() for _, p in model.named_parameters())),
        1e-3,
        rtol=1e-6,
    )


def test_backward_after_the_source_was_updated_raises() -> None:
    idx = np.array([[0, 3, 3]])
    c = _randn(1, 3, 5)
    model = TiedLM(vocab=5, dim=3, block=4, seed=3)
    stale = model.wte.weight.transpose(0, 1)  # computed before the update
    _tied_step(model, optim.SGD(model, lr=0.1), idx, c)
    h = model.wte(dx.tensor(idx).trace())
    with pytest.raises(RuntimeError, match="updated in place afterwards"):
        (h @ stale).sum().backward()


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_tied_optimizer_step_matches_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    idx = np.array([[0, 3, 3, 1], [4, 1, 0, 2]])
    c = _randn(2, 4, 5)
    model = TiedLM(vocab=5, dim=3, block=6, seed=4)
    wte0, wpe0 = model.wte.weight.numpy(), model.wpe.weight.numpy()
    opt = optim.SGD(model, lr=0.1) if name == "SGD" else optim.Adam(model, lr=0.01)
    for _ in range(2):
        _tied_step(model, opt, idx, c)

    twte = torch.tensor(wte0, requires_grad=True)
    twpe = torch.tensor(wpe0, requires_grad=True)
    params = [twte, twpe]
    topt = torch.optim.SGD(params, lr=0.1) if name == "SGD" else torch.optim.Adam(params, lr=0.01)
    tidx, tc = torch.tensor(idx), torch.tensor(c)
    for _ in range(2):
        topt.zero_grad()
        h = twte[tidx] + twpe[: idx.shape[1]]
        ((h @ twte.T) * tc).sum().backward()
        topt.step()
    np.testing.assert_allclose(model.wte.weight.numpy(), twte.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(model.wpe.weight.numpy(), twpe.detach().numpy(), rtol=1e-10)


def test_tied_gradients_match_torch() -> None:
    torch = pytest.importorskip("torch")
    idx = np.array([[0, 3, 3, 1], [4, 1, 0, 2]])
    c = _randn(2, 4, 5)
    model = TiedLM(vocab=5, dim=3, block=6, seed=5)
    grads = (model(dx.tensor(idx).trace()) * dx.tensor(c)).sum().backward()
    twte = torch.tensor(model.wte.weight.numpy(), requires_grad=True)
    twpe = torch.tensor(model.wpe.weight.numpy(), requires_grad=True)
    h = twte[torch.tensor(idx)] + twpe[: idx.shape[1]]
    ((h @ twte.T) * torch.tensor(c)).sum().backward()
    np.testing.assert_allclose(
        grads[model.wte.weight].numpy(), twte.grad.numpy(), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(
        grads[model.wpe.weight].numpy(), twpe.grad.numpy(), rtol=1e-12, atol=1e-12
    )
