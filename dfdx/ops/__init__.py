"""The ops, one module per family. Each op is a function whose forward and backward sit side
by side: the forward computes with ``xp`` (NumPy), and hands :func:`dfdx.ops._op.result` one
function per input that maps the output's gradient to that input's gradient.

The typed signature of an op lives on its function; ``Tensor`` binds the same function as a
method, and ``dfdx`` re-exports it, so the signature is written once.

An op whose inputs' gradients share work records it with :func:`dfdx.ops._op.result_shared`
(the shared part once per backward pass). Modules (``dfdx.nn``) hold parameters and call ops;
they compute nothing themselves.

Where a new op goes: unary (one tensor in, same shape out), binary (two tensors, NumPy
broadcasting), linalg (matmul, linear, the fused feed-forward), reduce (ops over ``axis=``),
movement (the same elements in another shape or order, tensors joined along an axis and cut
into pieces), selection (sorting and sampling: sort, topk, multinomial), indexing, norm, conv
(convolution and pooling), attention.
"""
