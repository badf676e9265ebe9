"""``dx.nn`` mistakes the plugin reports where they are made: a Sequential whose layers do not
chain (at construction, naming both layers), an input of the wrong size (the classic: a
Linear after Flatten sized for another image), and a Residual whose module changes the shape.
Each message is the runtime's."""

# rules: nn

import dfdx as dx
from dfdx.nn import (
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    Flatten,
    LayerNorm,
    Linear,
    MaxPool2d,
    ReLU,
    Residual,
    Sequential,
)

bad = Sequential(Linear(784, 512), ReLU(), Linear(256, 10))  # E: mypy[dfdx-shape
#    "Sequential: layer 3 (Linear[256, 10]) takes 256 features, layer 1 gives 512"]
norm = Sequential(Linear(3, 4), LayerNorm(5))  # E: mypy[dfdx-shape
#    "Sequential: layer 2 (LayerNorm[5]) takes 5 features, layer 1 gives 4"]
conv = Sequential(Conv2d(1, 8, 3), ReLU(), BatchNorm2d(4))  # E: mypy[dfdx-shape
#    "Sequential: layer 3 (BatchNorm2d[4]) takes 4 channels, layer 1 gives 8"]
bn1d = Sequential(Linear(8, 4), BatchNorm1d(5))  # E: mypy[dfdx-shape
#    "Sequential: layer 2 (BatchNorm1d[5]) takes 5 features, layer 1 gives 4"]

mlp = Sequential(Linear(784, 512), ReLU(), Linear(512, 10))
x = dx.randn(32, 100)
y = mlp(x)  # E: mypy[dfdx-shape
#    "Linear[784, 512]: takes 784 features, got Tensor[32, 100] (100 != 784)"]
z = Linear(784, 10)(x)  # E: mypy[dfdx-shape
#    "Linear[784, 10]: takes 784 features, got Tensor[32, 100] (100 != 784)"]
r = Residual(Linear(100, 10))(x)  # E: mypy[dfdx-shape
#    "Residual: Linear maps Tensor[32, 100] to Tensor[32, 10]; the shapes must be equal"]
odd = Sequential(Linear(3, 4), 3)  # E: mypy[arg-type
#    "Sequential: layer 2 is a int, not a dx.nn.Module"]

cnn = Sequential(Conv2d(1, 8, 3), ReLU(), MaxPool2d(2), Flatten(), Linear(8 * 14 * 14, 10))
logits = cnn(dx.randn(4, 1, 28, 28))  # E: mypy[dfdx-shape
#    "Linear[1568, 10]: takes 1568 features, got Tensor[4, 1352] (1352 != 1568)"]
