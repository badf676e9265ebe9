"""Positional encodings: a ``d_model`` below 1 where one is built, and an input whose feature
size is not ``d_model`` (or that has no sequence axis) where it is called. The messages are the
runtime's (tests/test_attention.py)."""

# rules: attention

import dfdx as dx

bad = dx.nn.SinusoidalPositionalEncoding(0)  # E: mypy[dfdx-shape ""
#     "SinusoidalPositionalEncoding: d_model must be an int > 0, got 0"]
worse = dx.nn.LearnedPositionalEmbedding(10, -4)  # E: mypy[dfdx-shape ""
#     "LearnedPositionalEmbedding: d_model must be an int > 0, got -4"]

pe = dx.nn.SinusoidalPositionalEncoding(16)
a = pe(dx.zeros(2, 5, 8))  # E: mypy[dfdx-shape "SinusoidalPositionalEncoding[16]: takes 16 "
#                                                 "features, got Tensor[2, 5, 8] (8 != 16)"]
b = pe(dx.zeros(16))  # E: mypy[dfdx-shape "SinusoidalPositionalEncoding[16]: needs (..., "
#                                            "sequence, 16), got Tensor[16]"]
