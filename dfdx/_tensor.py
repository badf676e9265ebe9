"""``Tensor[*Dims, Tape]``: a NumPy array, its shape in the type, and an optional gradient tape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeAlias, TypeVar, TypeVarTuple, overload

from dfdx import _autodiff
from dfdx._backend import Array, xp
from dfdx._dtypes import DType, canonical
from dfdx._gradients import Gradients
from dfdx._typing import AnyTensor, Dyn
from dfdx.ops import binary, checks, indexing, linalg, movement, reduce, selection, unary
from dfdx_mypy_plugin import shapes


class NoneTape:
    """Tape kind of a tensor that records nothing: inference pays no autodiff cost."""


class OwnedTape:
    """Tape kind of a traced tensor: ops on it record their backward steps."""


Dims = TypeVarTuple("Dims")
Tape = TypeVar("Tape", NoneTape, OwnedTape)

_new_id = _autodiff.new_id

_SEEDS: dict[DType, Array] = {}
"""A 0-d one per dtype: backward's seed is a copy of it (``ones`` costs ~2 us more)."""

_S = TypeVarTuple("_S")
_A = TypeVar("_A")
_B = TypeVar("_B")
_C = TypeVar("_C")
_T = TypeVar("_T", NoneTape, OwnedTape)


class _Transposed:
    """``x.T``: a 2-d tensor's axes swapped (PyTorch's ``Tensor.T``, whose use on other ranks
    PyTorch deprecates: a ShapeError here). A descriptor, so that the plain signatures give the
    exact type of a 2-d tensor's ``.T`` (a property cannot be overloaded); a tensor of another
    or unknown rank gets ``Any`` (the plugin reports a known rank other than 2)."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> _Transposed: ...
    @overload
    def __get__(self, obj: Tensor[_A, _B, _T], owner: type[Any]) -> Tensor[_B, _A, _T]: ...
    # The other ranks one by one, not as one ``Tensor[*_S, _T]``: mypy (2.4) infers a
    # descriptor's type arguments from the type context first, so in ``a + b.T`` (``a``
    # ``(N, 1)``, ``b.T`` ``(1, N)``) a catch-all overload made ``b.T`` ``Any`` and the sum
    # ``Tensor[N, 1]``, a wrong type; with no catch-all, mypy retries without the context.
    @overload
    def __get__(self, obj: Tensor[_T], owner: type[Any]) -> Any: ...
    @overload
    def __get__(self, obj: Tensor[_A, _T], owner: type[Any]) -> Any: ...
    @overload
    def __get__(self, obj: Tensor[_A, _B, _C, *_S, _T], owner: type[Any]) -> Any: ...
    def __get__(self, obj: Any, owner: type[Any]) -> Any:
        if obj is None:
            return self
        shapes.matrix_transpose(obj.shape)
        return movement.transpose(obj, 0, 1)


class Tensor(Generic[*Dims, Tape]):
    """An n-d array whose sizes are type parameters; the last parameter is the tape kind.

    Make one with :func:`dfdx.tensor`, :func:`dfdx.zeros` and friends. Tensors are immutable:
    every op returns a new tensor.
    """

    __slots__ = ("_data", "_id", "_origin", "_tape")
    __array_ufunc__ = None  # `array + tensor` defers to Tensor.__radd__ instead of NumPy

    _data: Array
    _tape: _autodiff.Tape | None
    _id: int
    _origin: _autodiff.Origin | None  # untraced result of an op: where a gradient goes on

    def __init__(self, data: Array, *, _tape: _autodiff.Tape | None = None) -> None:
        """Wrap ``data`` without copying it (prefer :func:`dfdx.tensor`, which copies)."""
        canonical(data.dtype)
        self._data = data
        self._tape = _tape
        self._id = _new_id()
        self._origin = None

    def _new(self, data: Array, tape: _autodiff.Tape | None) -> AnyTensor:
        """A result tensor of an op (internal: no checks, no copy)."""
        out: AnyTensor = _object_new(Tensor)
        out._data = data
        out._tape = tape
        out._id = _new_id()
        out._origin = None
        return out

    # ---- facts -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[*Dims]:
        """The sizes of the axes, as ints, typed as the tensor's sizes: ``B, T, C = x.shape``
        gives the sizes its type states (a ``Literal``, a size TypeVar, ``Dyn``); use
        :meth:`size` where ``tuple[int, ...]`` is wanted (a function generic over ``*S``)."""
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> DType:
        return self._data.dtype

    @property
    def mT(self: Tensor[*_S, _A, _B, _T]) -> Tensor[*_S, _B, _A, _T]:
        """The last two axes swapped (``transpose(-2, -1)``): PyTorch's ``Tensor.mT``. A
        view; typed exactly without the plugin for a tensor of rank 2 or more."""
        return movement.transpose(self, -2, -1)

    @property
    def is_traced(self) -> bool:
        """Whether this tensor carries a tape (``OwnedTape``)."""
        return self._tape is not None

    def numpy(self) -> Array:
        """A copy of the values: writing to it never changes the tensor."""
        return self._data.copy()

    def item(self) -> float:
        """The value of a tensor with one element, as a Python number."""
        if self._data.size != 1:
            raise shapes.ShapeError(f"item: needs one element, got {shapes.fmt(self.size())}")
        return self._data.item()  # type: ignore[no-any-return]

    @overload
    def size(self, /) -> tuple[int, ...]: ...
    @overload
    def size(self, axis: int, /) -> int: ...
    def size(self, axis: int | None = None, /) -> tuple[int, ...] | int:
        """The sizes of the axes (``shape``), or the size of axis ``axis`` (PyTorch's
        ``Tensor.size``); the plugin types literal sizes as ``Literal``."""
        if axis is None:
            return self._data.shape
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"size: axis must be an int, got {axis!r}")
        return int(self._data.shape[shapes.normalize_axis("size", self._data.shape, axis)])

    def dim(self) -> int:
        """The number of axes (``ndim``, PyTorch's ``Tensor.dim``)."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    def __len__(self) -> int:
        if not self._data.ndim:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __repr__(self) -> str:
        tape = "OwnedTape" if self._tape is not None else "NoneTape"
        body = xp.array2string(self._data, separator=", ", prefix="  ")
        return f"{shapes.fmt(self.size())}({self.dtype}, {tape})\n  {body}"

    def __bool__(self) -> bool:
        raise TypeError("the truth value of a tensor is ambiguous; use .item() for a 0-d one")

    # ---- tapes -------------------------------------------------------------------------
    def trace(self) -> Tensor[*Dims, OwnedTape]:
        """The same values on a fresh tape: ops on the result record their backward steps,
        and ``grads[x]`` reads this tensor's gradient (for the original or the traced one)."""
        out: Tensor[*Dims, OwnedTape] = _object_new(Tensor)
        out._data = self._data
        out._tape = _autodiff.Tape()
        out._id = self._id
        out._origin = self._origin
        return out

    def detach(self) -> Tensor[*Dims, NoneTape]:
        """The same values without a tape, as a new tensor: nothing computed from it is
        recorded, and where it meets a traced tensor it is a constant (a fresh identity, so
        no gradient reaches this tensor through it: ``y * y.detach()``)."""
        out: Tensor[*Dims, NoneTape] = _object_new(Tensor)
        out._data = self._data
        out._tape = None
        out._id = _new_id()
        out._origin = None
        return out

    def backward(self: Tensor[OwnedTape]) -> Gradients:
        """Run the tape in reverse from this 0-d loss; returns the gradient of every tensor
        that took part. The tape is consumed: a second call raises."""
        if self._tape is None:
            raise RuntimeError(shapes.TAPE_NEEDED)
        data = self._data
        if data.shape:
            shapes.scalar_for_backward(data.shape)
        one = _SEEDS.get(data.dtype)
        if one is None:
            one = _SEEDS[data.dtype] = xp.ones((), dtype=data.dtype)
        seed = one.copy()
        tape = self._tape.root()
        return Gradients(_autodiff.run_backward(tape, self._id, seed))

    # ---- ops: each is defined once, as a function in dfdx.ops, and bound here ----------
    __neg__ = unary.neg
    neg = unary.neg
    exp = unary.exp
    log = unary.log
    sqrt = unary.sqrt
    square = unary.square
    abs = unary.abs
    __abs__ = unary.abs
    sin = unary.sin
    cos = unary.cos
    tanh = unary.tanh
    sigmoid = unary.sigmoid
    relu = unary.relu
    relu6 = unary.relu6  # no Tensor method in PyTorch, but what ports write for F.relu6
    gelu = unary.gelu
    leaky_relu = unary.leaky_relu
    softplus = unary.softplus
    pow = unary.pow
    __pow__ = unary.pow
    clamp = unary.clamp
    silu = unary.silu
    rsqrt = unary.rsqrt
    erf = unary.erf
    log1p = unary.log1p
    __rpow__ = unary.rpow
    to = unary.to
    ensure_shape = checks.ensure_shape

    __add__ = binary.add
    __radd__ = binary.radd
    __sub__ = binary.sub
    __rsub__ = binary.rsub
    __mul__ = binary.mul
    __rmul__ = binary.rmul
    __truediv__ = binary.div
    __rtruediv__ = binary.rdiv
    add = binary.add
    sub = binary.sub
    mul = binary.mul
    div = binary.div
    maximum = binary.maximum
    minimum = binary.minimum

    __matmul__ = linalg.matmul
    matmul = linalg.matmul

    sum = reduce.sum
    mean = reduce.mean
    max = reduce.max
    min = reduce.min
    var = reduce.var
    logsumexp = reduce.logsumexp
    softmax = reduce.softmax
    log_softmax = reduce.log_softmax
    norm = reduce.norm
    cumsum = reduce.cumsum

    # ---- movement and shape ----
    reshape = movement.reshape
    flatten = movement.flatten
    permute = movement.permute
    transpose = movement.transpose
    swapaxes = movement.transpose
    """PyTorch's alias of :meth:`transpose`."""
    T = _Transposed()
    unsqueeze = movement.unsqueeze
    squeeze = movement.squeeze
    broadcast_to = movement.broadcast_to
    expand = movement.broadcast_to
    """PyTorch's name of :meth:`broadcast_to` (``-1`` keeps a size)."""
    repeat = movement.repeat
    repeat_interleave = movement.repeat_interleave
    view = movement.view
    split = movement.split
    chunk = movement.chunk
    slice_scatter = movement.slice_scatter

    # ---- sorting and sampling ----
    sort = selection.sort
    argsort = selection.argsort
    topk = selection.topk
    multinomial = selection.multinomial

    # ---- indexing and selection ----
    __getitem__ = indexing.getitem
    index_select = indexing.index_select
    gather = indexing.gather
    masked_fill = indexing.masked_fill
    tril = indexing.tril
    triu = indexing.triu
    argmax = indexing.argmax
    argmin = indexing.argmin

    # ``==``/``!=`` are methods, not bound functions: pyright types an assignment to a name
    # that ``object`` declares (``__eq__ = ...``) with object's ``-> bool``. Comparisons give
    # bool tensors, so Tensor keeps identity hashing (defining __eq__ would otherwise make it
    # unhashable): tensors stay usable as dict keys and in sets.
    @overload
    def __eq__(self, other: Tensor[*Dims, Any] | float, /) -> Tensor[*Dims, NoneTape]: ...
    @overload
    def __eq__(self, other: object, /) -> Any: ...
    def __eq__(self, other: object, /) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        """``self == other`` elementwise (:func:`dfdx.eq`); False for a non-number."""
        return indexing.eq_operator(self, other)

    @overload
    def __ne__(self, other: Tensor[*Dims, Any] | float, /) -> Tensor[*Dims, NoneTape]: ...
    @overload
    def __ne__(self, other: object, /) -> Any: ...
    def __ne__(self, other: object, /) -> Any:  # pyright: ignore[reportIncompatibleMethodOverride]
        """``self != other`` elementwise (:func:`dfdx.ne`); True for a non-number."""
        return indexing.ne_operator(self, other)

    __lt__ = indexing.lt
    __le__ = indexing.le
    __gt__ = indexing.gt
    __ge__ = indexing.ge
    __hash__ = object.__hash__
    eq = indexing.eq
    ne = indexing.ne
    lt = indexing.lt
    le = indexing.le
    gt = indexing.gt
    ge = indexing.ge

    def __iter__(self) -> Iterator[Any]:
        """The slices ``self[0], self[1], ...`` along the first axis."""
        return (indexing.getitem(self, i) for i in range(len(self)))

    # ---- convolution and pooling ----
    # none: PyTorch's Tensor has no conv/pool methods either; use dx.conv2d, dx.max_pool2d, ...


DynTensor: TypeAlias = Tensor[*tuple[Dyn, ...], Tape]
"""A tensor of any rank with tape ``Tape``: ``DynTensor[NoneTape]``. A real alias, not a
string: user annotations are evaluated at run time (without ``from __future__ import
annotations``), where ``DynTensor[T]`` must subscript."""

_object_new = object.__new__
