"""Run by tests/test_distributed.py as ``mpiexec -n 2 python tests/_distributed_worker.py OUT``:
every scenario of data-parallel training in one MPI job (one start-up for all). Rank 0 writes
``OUT/results.npz`` (arrays) and ``OUT/results.json`` (facts); the tests assert on them.

Equivalence: each rank also runs the single-process reference itself (the whole batch, the
same initial weights as rank 0), so both sides are computed by the same code on one machine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

import dfdx as dx
from dfdx import distributed as dist
from dfdx.distributed import _reduce, _world

STEPS = 5
BATCH = 32  # global: each of the 2 ranks takes 16 rows


def mlp(dtype: Any, seed: int) -> dx.nn.Module:
    rng = np.random.default_rng(seed)
    return dx.nn.Sequential(
        dx.nn.Linear(64, 64, rng=rng, dtype=dtype),
        dx.nn.ReLU(),
        dx.nn.Linear(64, 32, rng=rng, dtype=dtype),
        dx.nn.ReLU(),
        dx.nn.Linear(32, 10, rng=rng, dtype=dtype),
    )


def mlp_batch(step: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1000 + step)
    return rng.standard_normal((BATCH, 64)).astype(dtype), rng.integers(0, 10, BATCH)


def mlp_loss(model: dx.nn.Module, x: np.ndarray, y: np.ndarray) -> Any:
    logits = model(dx.tensor(x).trace())
    return dx.losses.cross_entropy_with_logits_loss(logits, dx.tensor(y, dtype=dx.int64))


class Encoder(dx.nn.Module):
    """A post-norm transformer encoder layer and a linear head (no dropout)."""

    def __init__(self, dtype: Any, seed: int) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self.layer = dx.nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, rng=rng, dtype=dtype)
        self.head = dx.nn.Linear(16, 1, rng=rng, dtype=dtype)

    def forward(self, x: Any) -> Any:
        return self.head(self.layer(x))


def encoder_batch(step: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2000 + step)
    x = rng.standard_normal((8, 6, 16)).astype(dtype)
    return x, rng.standard_normal((8, 6, 1)).astype(dtype)


def encoder_loss(model: dx.nn.Module, x: np.ndarray, y: np.ndarray) -> Any:
    return dx.losses.mse_loss(model(dx.tensor(x).trace()), dx.tensor(y))


# The slots of each optimizer's per-parameter state that hold state (the others are scratch
# buffers, uninitialized memory until used): dfdx/optim/_sgd.py and _adam.py.
STATE_SLOTS = {"SGD": (1, 3), "Adam": (0, 1, 2), "AdamW": (0, 1, 2)}


def digest(model: dx.nn.Module, opt: dx.optim.Optimizer | None) -> str:
    """A hash of every parameter and every optimizer state value, bit for bit."""
    h = hashlib.sha256()
    for name, t in model.named_parameters():
        h.update(name.encode() + t.numpy().tobytes())
    if opt is None:
        return h.hexdigest()
    assert len(opt._state) == len(list(model.parameters()))
    for key, state in sorted(opt._state.items()):
        h.update(key.encode())
        for i in STATE_SLOTS[opt.name]:
            s = state[i]
            h.update(s.tobytes() if isinstance(s, np.ndarray) else repr(s).encode())
    return h.hexdigest()


SHARDED = (("sharded", None), ("sharded-mpi", None))
"""dist.ShardedOptimizer's runs: the ranks' shared memory, and MPI's collectives."""


def same_state(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two optimizer state_dicts hold the same options and values, bit for bit."""
    if a["kind"] != b["kind"] or a["param_groups"] != b["param_groups"]:
        return False
    if a["state"].keys() != b["state"].keys():
        return False
    for key, entry in a["state"].items():
        other = b["state"][key]
        if entry.keys() != other.keys():
            return False
        for name, value in entry.items():
            if isinstance(value, np.ndarray):
                if not (value.dtype == other[name].dtype and np.array_equal(value, other[name])):
                    return False
            elif value != other[name]:
                return False
    return True


def held(sharded: dist.ShardedOptimizer) -> int:
    """How many elements of optimizer state arrays this rank holds."""
    opt = sharded.optimizer
    return sum(
        a.size
        for flat in sharded._flats
        for run in flat.runs
        for member in run.members
        if opt._started(member)
        for name, a in opt._export(member).items()
        if name in opt._array_names
    )


Case = tuple[
    Callable[[Any, int], dx.nn.Module],
    Callable[[int, Any], tuple[np.ndarray, np.ndarray]],
    Callable[[dx.nn.Module, np.ndarray, np.ndarray], Any],
]
CASES: dict[str, Case] = {
    "mlp": (mlp, mlp_batch, mlp_loss),
    "encoder": (lambda dtype, seed: Encoder(dtype, seed), encoder_batch, encoder_loss),
}
OPTIMIZERS: dict[str, Callable[[dx.nn.Module], dx.optim.Optimizer]] = {
    "sgd": lambda m: dx.optim.SGD(m, lr=0.1, momentum=0.9),
    "adam": lambda m: dx.optim.Adam(m, lr=1e-2),
}


def equivalence(
    case: str, dtype: Any, opt_name: str, arrays: dict[str, np.ndarray], facts: dict[str, Any]
) -> None:
    """The single-process run on whole batches and the data-parallel run on halves."""
    world = dist.init()
    build, batch, loss_of = CASES[case]
    prefix = f"{case}/{np.dtype(dtype).name}/{opt_name}"
    # reference: rank 0's initial weights, the whole batch
    ref = build(dtype, 0)
    opt_ref = OPTIMIZERS[opt_name](ref)
    ref_losses = []
    for step in range(STEPS):
        x, y = batch(step, dtype)
        loss = loss_of(ref, x, y)
        ref_losses.append(loss.item())
        opt_ref.update(ref, loss.backward())
    # data parallel: each rank starts from its own weights; the broadcast makes them rank 0's
    runs = (("fused", None), ("fused-mpi", None), ("buckets", 0.004), ("overlap", 0.004))
    runs += SHARDED
    fused: tuple[list[np.ndarray], dict[str, Any]] = ([], {})
    for tag, bucket_cap_mb in runs:
        model = build(dtype, 17 * world.rank)
        dist.broadcast_parameters(model)
        opt = OPTIMIZERS[opt_name](model)
        sharded = (
            dist.ShardedOptimizer(opt, shared_memory=tag == "sharded")
            if tag.startswith("sharded")
            else None
        )
        losses = []
        for step in range(STEPS):
            x, y = batch(step, dtype)
            half = len(x) // world.size
            rows = slice(world.rank * half, (world.rank + 1) * half)
            loss = loss_of(model, x[rows], y[rows])
            if sharded is not None:  # this rank's gradients: reduced by the update
                sharded.update(model, loss.backward())
            elif tag == "overlap":  # reduced during the backward pass
                opt.update(model, dist.backward(loss, model, bucket_cap_mb=bucket_cap_mb))
            else:  # "fused" sums through shared memory, "fused-mpi" with MPI_Allreduce
                grads = dist.all_reduce_gradients(
                    loss.backward(),
                    model,
                    bucket_cap_mb=bucket_cap_mb,
                    shared_memory=tag != "fused-mpi",
                )
                opt.update(model, grads)
            losses.append(dist.all_reduce(loss.item()))
        if sharded is None:
            digests = world.allgather(digest(model, opt))
        else:  # the state lives sharded: what must be the same everywhere is the parameters
            digests = world.allgather(digest(model, None))
            params = [t.numpy() for _, t in model.named_parameters()]
            state = sharded.state_dict()
            facts[f"{prefix}/{tag}/equals_fused_bitwise"] = world.allgather(
                all(np.array_equal(a, b) for a, b in zip(params, fused[0], strict=True))
                and same_state(state, fused[1])
            )
            facts[f"{prefix}/{tag}/state_held"] = world.allgather(held(sharded))
            facts[f"{prefix}/{tag}/state_total"] = sum(
                p.numpy().size for p in model.parameters()
            ) * len(opt._array_names)
            sharded.close()
        if tag == "fused":
            fused = ([t.numpy().copy() for _, t in model.named_parameters()], opt.state_dict())
        facts[f"{prefix}/{tag}/same_on_every_rank"] = len(set(digests)) == 1
        arrays[f"{prefix}/{tag}/losses"] = np.array(losses)
        for name, t in model.named_parameters():
            arrays[f"{prefix}/{tag}/param/{name}"] = t.numpy().copy()
    arrays[f"{prefix}/ref/losses"] = np.array(ref_losses)
    for name, t in ref.named_parameters():
        arrays[f"{prefix}/ref/param/{name}"] = t.numpy().copy()


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def char_gpt() -> ModuleType:
    """``examples/06_char_gpt.py`` (its name starts with a digit: loaded from its path)."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))  # for its `from _data import ...`
    spec = importlib.util.spec_from_file_location("char_gpt", EXAMPLES / "06_char_gpt.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GPT_BATCH, GPT_BLOCK = 8, 8  # global: each of the 2 ranks takes 4 windows of 8 characters
GPT_MAX_NORM = 0.5  # below every step's gradient norm: the clipping scales every step


def gpt_batch(step: int) -> tuple[np.ndarray, np.ndarray]:
    ids = np.random.default_rng(3000 + step).integers(0, 128, (GPT_BATCH, GPT_BLOCK + 1))
    return ids[:, :-1], ids[:, 1:]


def gpt_equivalence(dtype: Any, arrays: dict[str, np.ndarray], facts: dict[str, Any]) -> None:
    """The char GPT as its example trains it (AdamW with nanoGPT's parameter groups, the
    warmup-cosine schedule, clip_grad_norm), without dropout: each rank draws its own dropout
    masks, by design, so with dropout the runs would differ. The data-parallel runs clip the
    all-reduced gradients (all_reduce -> clip -> update); in float64 a run that clips each
    rank's own gradients before the reduction (the wrong order) is recorded too."""
    world = dist.init()
    gpt = char_gpt()
    prefix = f"gpt/{np.dtype(dtype).name}/adamw"

    def build(seed: int) -> tuple[dx.nn.Module, dx.optim.Optimizer, Any]:
        # the example's build(), with the model converted to dtype before the optimizer sees it
        model = gpt.GPT(0.0, np.random.default_rng(seed)).to(dtype)
        matrices = (dx.nn.Linear, dx.nn.Embedding, dx.nn.LearnedPositionalEmbedding)
        groups = dx.optim.weight_decay_groups(model, 0.1, decay_modules=matrices)
        opt = dx.optim.AdamW(model, lr=1e-2, betas=(0.9, 0.99), param_groups=groups)
        sched = dx.optim.lr_scheduler.LambdaLR(opt, gpt.warmup_cosine(2, STEPS))
        return model, opt, sched

    def loss_of(model: dx.nn.Module, x: np.ndarray, y: np.ndarray) -> Any:
        logits = model(dx.tensor(x, dtype=dx.int64).trace())
        return dx.losses.cross_entropy(logits, dx.tensor(y, dtype=dx.int64))

    ref, opt_ref, sched_ref = build(0)
    ref_losses, ref_norms = [], []
    for step in range(STEPS):
        x, y = gpt_batch(step)
        loss = loss_of(ref, x, y)
        grads = loss.backward()
        ref_norms.append(dx.optim.clip_grad_norm(ref, grads, max_norm=GPT_MAX_NORM))
        opt_ref.update(ref, grads)
        sched_ref.step()
        ref_losses.append(loss.item())
    arrays[f"{prefix}/ref/losses"] = np.array(ref_losses)
    arrays[f"{prefix}/ref/norms"] = np.array(ref_norms)
    for name, t in ref.named_parameters():
        arrays[f"{prefix}/ref/param/{name}"] = t.numpy().copy()
    runs: list[tuple[str, float | None]] = [
        ("fused", None),
        ("buckets", 0.004),
        ("overlap", 0.004),
    ]
    runs += SHARDED
    if dtype == np.float64:
        runs.append(("clip_first", None))
    for tag, bucket_cap_mb in runs:
        model, opt, sched = build(17 * world.rank)
        dist.broadcast_parameters(model)
        sharded = (
            dist.ShardedOptimizer(opt, shared_memory=tag == "sharded")
            if tag.startswith("sharded")
            else None
        )
        losses, norms = [], []
        for step in range(STEPS):
            x, y = gpt_batch(step)
            half = len(x) // world.size
            rows = slice(world.rank * half, (world.rank + 1) * half)
            loss = loss_of(model, x[rows], y[rows])
            if sharded is not None:  # reduced, clipped by the global norm and applied
                norm = sharded.update(model, loss.backward(), max_norm=GPT_MAX_NORM)
                sched.step()
                losses.append(dist.all_reduce(loss.item()))
                norms.append(norm)
                continue
            if tag == "overlap":
                grads = dist.backward(loss, model, bucket_cap_mb=bucket_cap_mb)
                norm = dx.optim.clip_grad_norm(model, grads, max_norm=GPT_MAX_NORM)
            elif tag == "clip_first":
                grads = loss.backward()
                norm = dx.optim.clip_grad_norm(model, grads, max_norm=GPT_MAX_NORM)
                dist.all_reduce_gradients(grads, model)
            else:
                grads = dist.all_reduce_gradients(
                    loss.backward(), model, bucket_cap_mb=bucket_cap_mb
                )
                norm = dx.optim.clip_grad_norm(model, grads, max_norm=GPT_MAX_NORM)
            opt.update(model, grads)
            sched.step()
            losses.append(dist.all_reduce(loss.item()))
            norms.append(norm)
        digests = world.allgather(digest(model, None if sharded else opt))
        if sharded is not None:
            sharded.close()
        facts[f"{prefix}/{tag}/same_on_every_rank"] = len(set(digests)) == 1
        arrays[f"{prefix}/{tag}/losses"] = np.array(losses)
        arrays[f"{prefix}/{tag}/norms"] = np.array(world.allgather(norms))  # (ranks, steps)
        for name, t in model.named_parameters():
            arrays[f"{prefix}/{tag}/param/{name}"] = t.numpy().copy()


class TwoHeads(dx.nn.Module):
    """``head_b`` is used on rank 0 only; ``unused`` on no rank."""

    def __init__(self) -> None:
        super().__init__()
        rng = np.random.default_rng(0)
        self.head_a = dx.nn.Linear(4, 1, rng=rng)
        self.head_b = dx.nn.Linear(4, 1, rng=rng)
        self.unused = dx.nn.Linear(4, 1, rng=rng)


def partial_gradients(arrays: dict[str, np.ndarray], facts: dict[str, Any]) -> None:
    world = dist.init()
    model = TwoHeads()
    x = dx.tensor(np.full((2, 4), world.rank + 1.0, np.float32)).trace()
    out = model.head_a(x).sum()
    if world.rank == 0:
        out = out + model.head_b(x).sum()
    grads = dist.all_reduce_gradients(out.backward(), model)
    facts["partial/has"] = world.allgather(
        {name: p in grads for name, p in model.named_parameters()}
    )
    got = {name: grads[p].numpy() for name, p in model.named_parameters() if p in grads}
    gathered = world.allgather(got)
    for rank, g in enumerate(gathered):
        for name, value in g.items():
            arrays[f"partial/{rank}/{name}"] = value
    x = dx.tensor(np.full((2, 4), world.rank + 1.0, np.float32)).trace()
    out = model.head_a(x).sum()
    if world.rank == 0:
        out = out + model.head_b(x).sum()
    overlapped = dist.backward(out, model, bucket_cap_mb=1e-6)  # a bucket per parameter
    facts["partial/overlap_equal"] = world.allgather(
        all(
            (p in overlapped) == (p in grads)
            and (p not in grads or np.array_equal(overlapped.array(p), grads.array(p)))
            for p in model.parameters()
        )
    )
    x = dx.tensor(np.full((2, 4), world.rank + 1.0, np.float32)).trace()
    summed = dist.all_reduce_gradients(model.head_a(x).sum().backward(), model, op="sum")
    for rank, g in enumerate(world.allgather(summed[model.head_a.weight].numpy())):
        arrays[f"sum/{rank}/head_a.weight"] = g


class Viewed(dx.nn.Module):
    """``first.weight`` is also read through an untraced transpose: that part of its gradient
    arrives after the reverse loop (docs/design.md §7), so its bucket starts last."""

    def __init__(self) -> None:
        super().__init__()
        rng = np.random.default_rng(0)
        self.first = dx.nn.Linear(4, 4, rng=rng)
        self.second = dx.nn.Linear(4, 4, rng=rng)
        self.third = dx.nn.Linear(4, 4, rng=rng)

    def loss(self, rank: int) -> Any:
        x = dx.tensor(np.random.default_rng(rank).standard_normal((3, 4)).astype(np.float32))
        h = self.first(x.trace()) @ self.first.weight.mT
        return self.third(self.second(h).relu()).square().sum()


def overlap_through_views(facts: dict[str, Any]) -> None:
    """dist.backward, each parameter its own bucket, gives the same bits as reducing after
    loss.backward(), with a parameter read through a view and buckets started mid-pass."""
    world = dist.init()
    model = Viewed()
    after = dist.all_reduce_gradients(model.loss(world.rank).backward(), model)
    during = dist.backward(model.loss(world.rank), model, bucket_cap_mb=1e-6)
    facts["views/overlap_equal"] = world.allgather(
        all(np.array_equal(during.array(p), after.array(p)) for p in model.parameters())
    )
    alone = model.loss(world.rank).backward()  # this rank's own gradient differs from the mean
    facts["views/reduced"] = world.allgather(
        not np.array_equal(alone.array(model.first.weight), after.array(model.first.weight))
    )


class Tied(dx.nn.Module):
    """A BatchNorm (buffers: running statistics) and one weight used by two layers."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self.norm = dx.nn.BatchNorm1d(3)
        self.a = dx.nn.Linear(3, 3, rng=rng)
        self.b = dx.nn.Linear(3, 3, rng=rng)
        self.b.weight = self.a.weight


def buffers_and_tied_weights(facts: dict[str, Any]) -> None:
    """broadcast_parameters sends buffers too (rank 1's running statistics become rank 0's),
    and a tied weight once: the two layers still share one tensor afterwards."""
    world = dist.init()
    model = Tied(world.rank)
    model.norm(dx.tensor(np.random.default_rng(world.rank).standard_normal((8, 3))).to(dx.float32))
    dist.broadcast_parameters(model)
    state = {k: v.tolist() for k, v in model.state_dict().items()}
    facts["buffers/same_state"] = world.allgather(state) == [state] * world.size
    facts["buffers/still_tied"] = model.b.weight is model.a.weight
    facts["buffers/running_mean_changed_by_training"] = bool(
        np.any(model.norm.running_mean.numpy() != 0)
    )
    x = dx.tensor(np.ones((2, 3), np.float32)).trace()
    loss = model.b(model.a(x)).sum()
    grads = dist.all_reduce_gradients(loss.backward(), model)
    overlapped = dist.backward(
        model.b(model.a(x.detach().trace())).sum(), model, bucket_cap_mb=1e-6
    )
    facts["tied/overlap_equal"] = all(
        (p in overlapped) == (p in grads)
        and (p not in grads or np.array_equal(overlapped.array(p), grads.array(p)))
        for p in model.parameters()
    )
    opt = dx.optim.SGD(model, lr=0.1)
    opt.update(model, grads)
    facts["tied/same_after_step"] = len(set(world.allgather(model.a.weight.numpy().tobytes()))) == 1


def adamw_two_groups(model: dx.nn.Module) -> dx.optim.Optimizer:
    """AdamW, the biases in a group of their own (no weight decay, another lr)."""
    biases = [name for name, _ in model.named_parameters() if name.endswith("bias")]
    return dx.optim.AdamW(
        model,
        lr=1e-2,
        weight_decay=0.1,
        param_groups=[{"params": biases, "weight_decay": 0.0, "lr": 2e-2}],
    )


def sharded_checkpoints(facts: dict[str, Any]) -> None:
    """A state_dict moves between the sharded and the unsharded optimizer: 3 steps with
    one, its state loaded into the other (built anew on the same model), 2 more steps with
    that: the same bits as 5 unsharded steps (AdamW, two parameter groups)."""
    world = dist.init()

    def step(model: dx.nn.Module, opt: Any, step: int) -> None:
        x, y = mlp_batch(step, np.float32)
        half = len(x) // world.size
        rows = slice(world.rank * half, (world.rank + 1) * half)
        loss = mlp_loss(model, x[rows], y[rows])
        if isinstance(opt, dist.ShardedOptimizer):
            opt.update(model, loss.backward())
        else:
            opt.update(model, dist.all_reduce_gradients(loss.backward(), model))

    def start() -> dx.nn.Module:
        model = mlp(np.float32, 17 * world.rank)
        dist.broadcast_parameters(model)
        return model

    ref = start()
    ref_opt = adamw_two_groups(ref)
    for i in range(STEPS):
        step(ref, ref_opt, i)
    expected = [t.numpy() for t in ref.parameters()]

    def same_as_ref(model: dx.nn.Module, state: dict[str, Any]) -> bool:
        params = [t.numpy() for t in model.parameters()]
        return all(np.array_equal(a, b) for a, b in zip(params, expected, strict=True)) and (
            same_state(state, ref_opt.state_dict())
        )

    for shared_memory in (True, False):
        model = start()
        sharded = dist.ShardedOptimizer(adamw_two_groups(model), shared_memory=shared_memory)
        for i in range(3):
            step(model, sharded, i)
        plain = adamw_two_groups(model)
        plain.load_state_dict(sharded.state_dict())
        # the parameters leave the memory the ranks share: each rank's plain optimizer then
        # updates its own copy (in shared memory, both would update the same one)
        sharded.close()
        for i in range(3, STEPS):
            step(model, plain, i)
        facts[f"shard/{shared_memory}/to_plain"] = world.allgather(
            same_as_ref(model, plain.state_dict())
        )
        model = start()
        plain = adamw_two_groups(model)
        for i in range(3):
            step(model, plain, i)
        sharded = dist.ShardedOptimizer(adamw_two_groups(model), shared_memory=shared_memory)
        sharded.load_state_dict(plain.state_dict())
        for i in range(3, STEPS):
            step(model, sharded, i)
        facts[f"shard/{shared_memory}/from_plain"] = world.allgather(
            same_as_ref(model, sharded.state_dict())
        )


def sharded_partial_gradients(facts: dict[str, Any]) -> None:
    """``head_b`` has a gradient on rank 0 only, ``unused`` on no rank: the sharded update
    makes the unsharded one's steps, bit for bit (``unused`` untouched, without state)."""
    world = dist.init()
    results = {}
    for tag in ("plain", "sharded", "sharded-mpi"):
        model = TwoHeads()
        opt = dx.optim.Adam(model, lr=0.1)
        sharded = (
            None if tag == "plain" else dist.ShardedOptimizer(opt, shared_memory=tag == "sharded")
        )
        for step in range(3):
            x = dx.tensor(np.full((2, 4), world.rank + step + 1.0, np.float32)).trace()
            out = model.head_a(x).sum()
            if world.rank == 0:
                out = out + model.head_b(x).sum()
            if sharded is None:
                opt.update(model, dist.all_reduce_gradients(out.backward(), model))
            else:
                sharded.update(model, out.backward())
        state = opt.state_dict() if sharded is None else sharded.state_dict()
        results[tag] = ([t.numpy() for t in model.parameters()], state)
    params, state = results["plain"]
    assert sorted(state["state"]) == [
        "head_a.bias",
        "head_a.weight",
        "head_b.bias",
        "head_b.weight",
    ]
    for tag in ("sharded", "sharded-mpi"):
        theirs, their_state = results[tag]
        facts[f"shard/partial/{tag}"] = world.allgather(
            all(np.array_equal(a, b) for a, b in zip(theirs, params, strict=True))
            and same_state(their_state, state)
        )


def zero_copy(facts: dict[str, Any]) -> None:
    """On one machine, no gradient of the MLP is copied on its way to the reduction: the
    backward pass's products write them into the shared slots (``_reduce._copy`` is called
    with no gradient), for the sharded update and for all_reduce_gradients; the sharded
    optimizer's parameters are views of the memory the ranks share."""
    world = dist.init()
    copied: list[int] = []
    copy = _reduce._copy

    def counting(out: np.ndarray, g: np.ndarray | None, scale: float) -> int:
        if g is not None:
            copied.append(g.size)
        return copy(out, g, scale)

    _reduce._copy = counting
    try:
        for tag in ("sharded", "fused"):
            copied.clear()
            model = mlp(np.float32, 0)
            opt = dx.optim.Adam(model, lr=1e-3)
            x, y = mlp_batch(world.rank, np.float32)
            sharded = dist.ShardedOptimizer(opt) if tag == "sharded" else None
            for _ in range(2):
                loss = mlp_loss(model, x, y)
                if sharded is not None:
                    sharded.update(model, loss.backward())
                else:
                    opt.update(model, dist.all_reduce_gradients(loss.backward(), model))
            if sharded is not None:
                flat = sharded._flats[0]
                facts["zero_copy/params_in_shared_memory"] = world.allgather(
                    flat.shared is not None
                    and all(np.shares_memory(t._data, flat.params) for t in model.parameters())
                )
                sharded.close()
            facts[f"zero_copy/{tag}/copied"] = world.allgather(len(copied))
    finally:
        _reduce._copy = copy


def sharded_clipping_and_closing(facts: dict[str, Any]) -> None:
    """A closed ShardedOptimizer frees its shared memory: the model's parameters get arrays
    of their own (still equal on every rank, trainable by a plain optimizer), update raises,
    and 3 rounds of building, stepping and closing one (in a with block) leave no window
    behind; all_reduce_gradients keeps the shared memory of at most SHARED_SUMS_KEPT
    layouts."""
    world = dist.init()
    baseline = _world.live_windows()
    x, y = mlp_batch(0, np.float32)
    model = mlp(np.float32, 0)
    for _ in range(3):
        with dist.ShardedOptimizer(dx.optim.SGD(model, lr=0.1)) as sharded:
            sharded.update(model, mlp_loss(model, x, y).backward())
            inside = _world.live_windows()
    facts["windows/inside"] = world.allgather(inside - baseline)
    facts["windows/after"] = world.allgather(_world.live_windows() - baseline)
    flat = sharded._flats[0]
    facts["windows/own_arrays"] = world.allgather(
        not any(np.shares_memory(t._data, flat.params) for t in model.parameters())
        and flat.shared is not None
        and flat.shared.memory is None
    )
    try:
        sharded.update(model, mlp_loss(model, x, y).backward())
        facts["windows/update_after_close"] = "no error"
    except RuntimeError as e:
        facts["windows/update_after_close"] = str(e)
    plain = dx.optim.SGD(model, lr=0.1)
    plain.update(model, dist.all_reduce_gradients(mlp_loss(model, x, y).backward(), model))
    facts["windows/same_after_plain_step"] = len(set(world.allgather(digest(model, None)))) == 1
    # all_reduce_gradients: a new layout beyond the kept ones frees the oldest's memory
    before = (_world.live_windows(), len(_reduce._SHARED_SUMS))
    for width in range(3, 3 + _reduce.SHARED_SUMS_KEPT + 3):
        m = dx.nn.Linear(width, 2, rng=np.random.default_rng(0))
        g = m(dx.ones(2, width).trace()).sum().backward()
        dist.all_reduce_gradients(g, m)
    facts["windows/shared_sums"] = world.allgather(
        [*before, _world.live_windows(), len(_reduce._SHARED_SUMS)]
    )


def sharded_checkpoint_files(out: Path, facts: dict[str, Any]) -> None:
    """dist.save_checkpoint with a ShardedOptimizer: 3 sharded steps saved (the state
    gathered to rank 0, which writes the file), then a new model and ShardedOptimizer
    resumed from the file with dx.load_checkpoint on every rank, 2 more steps: the bits of
    5 sharded steps in one go, parameters and gathered state; an unsharded AdamW resumes
    from the same file to the same bits."""
    world = dist.init()
    path = out / "sharded.npz"

    def start(seed: int) -> dx.nn.Module:
        model = mlp(np.float32, seed)
        dist.broadcast_parameters(model)
        return model

    def step(model: dx.nn.Module, opt: Any, i: int) -> None:
        x, y = mlp_batch(i, np.float32)
        half = len(x) // world.size
        rows = slice(world.rank * half, (world.rank + 1) * half)
        loss = mlp_loss(model, x[rows], y[rows])
        if isinstance(opt, dist.ShardedOptimizer):
            opt.update(model, loss.backward(), max_norm=0.5)
        else:
            grads = dist.all_reduce_gradients(loss.backward(), model)
            dx.optim.clip_grad_norm(model, grads, max_norm=0.5)
            opt.update(model, grads)

    model = start(17 * world.rank)
    with dist.ShardedOptimizer(adamw_two_groups(model)) as sharded:
        for i in range(STEPS):
            step(model, sharded, i)
        expected = [t.numpy().copy() for t in model.parameters()]
        expected_state = sharded.state_dict()

    model = start(17 * world.rank)
    with dist.ShardedOptimizer(adamw_two_groups(model)) as sharded:
        for i in range(3):
            step(model, sharded, i)
        dist.save_checkpoint(path, model=model, optimizer=sharded, extra={"step": 3})
    results = []
    for kind in ("sharded", "plain"):
        model = mlp(np.float32, 99 + world.rank)  # other weights: the file's must replace them
        opt = adamw_two_groups(model)
        resumed: Any = dist.ShardedOptimizer(opt) if kind == "sharded" else opt
        extra = dx.load_checkpoint(path, model=model, optimizer=resumed)
        for i in range(extra["step"], STEPS):
            step(model, resumed, i)
        params = [t.numpy() for t in model.parameters()]
        # an unsharded run clips by clip_grad_norm's norm: the same up to round-off only
        exact = kind == "sharded"
        close = all(
            np.array_equal(a, b) if exact else np.allclose(a, b, rtol=0, atol=1e-5)
            for a, b in zip(params, expected, strict=True)
        )
        state = resumed.state_dict()
        results.append(close and (not exact or same_state(state, expected_state)))
        if kind == "sharded":
            resumed.close()
    facts["checkpoint/resumed"] = world.allgather(results)
    facts["checkpoint/extra"] = world.allgather(extra)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def save(self, path: Any) -> None:
        self.calls.append(str(path))


def sampler_and_saving(out: Path, arrays: dict[str, np.ndarray], facts: dict[str, Any]) -> None:
    world = dist.init()
    for epoch in (0, 1):
        sampler = dist.DistributedSampler(11, seed=3)
        sampler.set_epoch(epoch)
        gathered = world.allgather(list(sampler))
        for rank, indices in enumerate(gathered):
            arrays[f"sampler/{epoch}/{rank}"] = np.array(indices)
    recorder = Recorder()
    dist.save(recorder, out / "x.npz")
    facts["save/calls"] = world.allgather(len(recorder.calls))
    model = mlp(np.float32, 5 + world.rank)
    dist.save(model, out / "model.npz")
    # every rank sees the finished file once save() returns
    loaded = mlp(np.float32, 99)
    loaded.load(out / "model.npz")
    facts["save/loaded_equals_rank0"] = world.allgather(
        all(
            np.array_equal(a.numpy(), b.numpy())
            for a, b in zip(loaded.parameters(), mlp(np.float32, 5).parameters(), strict=True)
        )
    )
    facts["all_reduce"] = {
        op: dist.all_reduce(float(world.rank + 1), op) for op in ("mean", "sum", "max", "min")
    }
    arrays["all_reduce/array_sum"] = dist.all_reduce(np.arange(3) * (world.rank + 1), "sum")
    facts["world"] = [world.rank, world.size, world.backend, dist.is_main()]
    dist.barrier()


def main() -> None:
    out = Path(sys.argv[1])
    world = dist.init()
    arrays: dict[str, np.ndarray] = {}
    facts: dict[str, Any] = {}
    for dtype in (np.float32, np.float64):
        for opt_name in OPTIMIZERS:
            equivalence("mlp", dtype, opt_name, arrays, facts)
    for dtype in (np.float32, np.float64):
        # SGD only: Adam divides each gradient by its running magnitude, and the gradient of
        # the attention keys' bias is zero in exact arithmetic, so Adam turns its round-off
        # into steps of size lr (docs/distributed.md, "The equivalence guarantee").
        equivalence("encoder", dtype, "sgd", arrays, facts)
        gpt_equivalence(dtype, arrays, facts)
    partial_gradients(arrays, facts)
    sharded_checkpoints(facts)
    sharded_partial_gradients(facts)
    # the ranks are on one machine: the shared-memory paths were taken, not MPI's
    facts["shared_memory/all_reduce"] = world.allgather(
        sorted(k for k, v in _reduce._SHARED_SUMS.items() if v.memory is not None)
    )
    sharded = dist.ShardedOptimizer(dx.optim.SGD(mlp(np.float32, 0), lr=0.1))
    facts["shared_memory/sharded"] = world.allgather(sharded._flats[0].shared is not None)
    sharded.close()
    zero_copy(facts)
    sharded_clipping_and_closing(facts)
    sharded_checkpoint_files(out, facts)
    overlap_through_views(facts)
    buffers_and_tied_weights(facts)
    sampler_and_saving(out, arrays, facts)
    if world.rank == 0:
        np.savez(out / "results.npz", **arrays)
        (out / "results.json").write_text(json.dumps(facts))


if __name__ == "__main__":
    main()
