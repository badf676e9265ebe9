"""Three shape bugs injected into the clip port (plugin_pass/port_clip.py), written without looking
at the plugin: a positional embedding without the class token's row, the end-of-text token found
over the batch axis, the text features not transposed in the logits; each after a `# bug:`
comment, each raising dx.ShapeError at run time."""

# rules: nn

from typing import Generic, TypeVar
from typing import Literal as L

import numpy as np

import dfdx as dx
from dfdx import NoneTape, OwnedTape, Tensor
from dfdx.nn import Conv2d, Embedding, LayerNorm, Linear, Module, ModuleList, MultiHeadAttention

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=int)
D = TypeVar("D", bound=int)  # a transformer's width
H = TypeVar("H", bound=int)  # heads
E = TypeVar("E", bound=int)  # shared embedding width
R = TypeVar("R", bound=int)  # image resolution
P = TypeVar("P", bound=int)  # patch size
V = TypeVar("V", bound=int)  # vocabulary
C = TypeVar("C", bound=int)  # context length
DV = TypeVar("DV", bound=int)  # vision width
DT = TypeVar("DT", bound=int)  # text width
T = TypeVar("T", NoneTape, OwnedTape)

rng = np.random.default_rng(0)


class ResidualAttentionBlock(Module, Generic[D, H]):
    def __init__(self, d_model: D, n_head: H) -> None:
        super().__init__()
        self.attn = MultiHeadAttention(d_model, n_head)
        self.ln_1 = LayerNorm(d_model)
        self.c_fc = Linear(d_model, d_model * 4)
        self.c_proj = Linear(d_model * 4, d_model)
        self.ln_2 = LayerNorm(d_model)

    def forward(self, x: Tensor[B, S, D, T], causal: bool = False) -> Tensor[B, S, D, T]:
        x = x + self.attn(self.ln_1(x), is_causal=causal)
        h = self.c_fc(self.ln_2(x))
        h = h * (1.702 * h).sigmoid()  # QuickGELU
        x = x + self.c_proj(h)
        return x


class VisionTransformer(Module, Generic[R, P, D, H, E]):
    def __init__(
        self, input_resolution: R, patch_size: P, width: D, layers: int, heads: H, output_dim: E
    ) -> None:
        super().__init__()
        scale = width**-0.5
        self.conv1 = Conv2d(3, width, patch_size, stride=patch_size, bias=False)
        self.class_embedding = scale * dx.randn(width)
        grid = input_resolution // patch_size
        # bug: the positional embedding has no row for the class token
        self.positional_embedding = scale * dx.randn(grid**2, width)  # E: mypy[dfdx-shape "self.po"
        #     "sitional_embedding is created here; it reaches line 77: add: shapes do not broadcast"
        #     ": Tensor[B, (R//P)*(R//P)+1, D] and Tensor[(R//P)*(R//P), D] (axis -2: (R//P)*(R//P)"
        #     "+1 != (R//P)*(R//P))"]
        self.ln_pre = LayerNorm(width)
        self.blocks = ModuleList([ResidualAttentionBlock(width, heads) for _ in range(layers)])
        self.ln_post = LayerNorm(width)
        self.proj = scale * dx.randn(width, output_dim)

    def forward(self, x: Tensor[B, L[3], R, R, T]) -> Tensor[B, E, T]:
        x = self.conv1(x)  # shape = [*, width, grid, grid]
        x = x.reshape(x.shape[0], x.shape[1], -1)  # shape = [*, width, grid ** 2]
        x = x.permute(0, 2, 1)  # shape = [*, grid ** 2, width]
        cls = self.class_embedding + dx.zeros(x.shape[0], 1, x.shape[-1])
        x = dx.cat([cls, x], axis=1)  # shape = [*, grid ** 2 + 1, width]  # E: mypy[dfdx-shape "x "
        #     "is assigned here; used at line 77: add: shapes do not broadcast: Tensor[B, (R//P)*(R"
        #     "//P)+1, D] and Tensor[(R//P)*(R//P), D] (axis -2: (R//P)*(R//P)+1 != (R//P)*(R//P))"]
        x = x + self.positional_embedding  # E: mypy[dfdx-shape "add: shapes do not broadcast: Tens"
        #     "or[B, (R//P)*(R//P)+1, D] and Tensor[(R//P)*(R//P), D] (axis -2: (R//P)*(R//P)+1 != "
        #     "(R//P)*(R//P))"]
        x = self.ln_pre(x)
        for block in self.blocks:
            # pyright holds the argument `x` to the image's type (reportAssignmentType,
            # reportArgumentType); docs/plugin.md: name the new value where pyright must pass
            x = block(x)  # pyright: ignore
        x = self.ln_post(x[:, 0, :])
        return x @ self.proj


class TextTransformer(Module, Generic[V, C, D, H, E]):
    def __init__(
        self, vocab_size: V, context_length: C, width: D, layers: int, heads: H, embed_dim: E
    ) -> None:
        super().__init__()
        self.token_embedding = Embedding(vocab_size, width)
        self.positional_embedding = 0.01 * dx.randn(context_length, width)
        self.blocks = ModuleList([ResidualAttentionBlock(width, heads) for _ in range(layers)])
        self.ln_final = LayerNorm(width)
        self.text_projection = width**-0.5 * dx.randn(width, embed_dim)

    def forward(self, text: Tensor[B, C, T]) -> Tensor[B, E, T]:
        x = self.token_embedding(text)  # [batch_size, n_ctx, d_model]
        x = x + self.positional_embedding
        for block in self.blocks:
            x = block(x, causal=True)
        x = self.ln_final(x)
        b, _, d = x.shape
        # x.shape = [batch_size, n_ctx, transformer.width]
        # take features from the eot embedding (eot_token is the highest number in each sequence)
        # bug: the end-of-text position taken over the batch axis, not the sequence
        eot = text.argmax(axis=0)  # E: mypy[dfdx-shape "eot is assigned here; used at line 113: "
        #     "reshape: cannot reshape Tensor[C] (C elements) to Tensor[B, 1, 1] (B elements: "
        #     "equal only where C == B)"]
        index = eot.reshape(b, 1, 1).broadcast_to(b, 1, d)  # E: mypy[dfdx-shape "reshape: canno"
        #     "t reshape Tensor[C] (C elements) to Tensor[B, 1, 1] (B elements: equal only where C"
        #     " == B)"]
        x = x.gather(1, index)[:, 0]
        return x @ self.text_projection


class CLIP(Module, Generic[E, R, P, DV, V, C, DT, H]):
    def __init__(
        self,
        embed_dim: E,
        image_resolution: R,
        vision_patch_size: P,
        vision_width: DV,
        vision_layers: int,
        vocab_size: V,
        context_length: C,
        transformer_width: DT,
        transformer_heads: H,
        transformer_layers: int,
    ) -> None:
        super().__init__()
        self.visual = VisionTransformer(
            image_resolution, vision_patch_size, vision_width, vision_layers, transformer_heads,
            embed_dim,
        )  # fmt: skip
        self.transformer = TextTransformer(
            vocab_size, context_length, transformer_width, transformer_layers, transformer_heads,
            embed_dim,
        )  # fmt: skip
        self.logit_scale = dx.tensor(np.array(np.log(1 / 0.07), dtype=np.float32))

    def forward(
        self, image: Tensor[B, L[3], R, R, T], text: Tensor[B, C, T]
    ) -> tuple[Tensor[B, B, T], Tensor[B, B, T]]:
        image_features = self.visual(image)
        text_features = self.transformer(text)

        # normalized features
        image_features = image_features / image_features.square().sum(axis=1, keepdims=True).sqrt()
        text_norm = text_features.square().sum(axis=1, keepdims=True).sqrt()
        text_features = text_features / text_norm  # E: mypy[dfdx-shape "text_features is assigned "
        #     "here; used at line 161: matmul: inner sizes differ: Tensor[B, E] @ Tensor[B, E] (E !"
        #     "= B)"]

        # cosine similarity as logits
        logit_scale = self.logit_scale.exp()
        # bug: the text features not transposed
        logits_per_image = logit_scale * image_features @ text_features  # E: mypy[dfdx-shape "matm"
        #     "ul: inner sizes differ: Tensor[B, E] @ Tensor[B, E] (E != B)"]
        logits_per_text = logits_per_image.T
        return logits_per_image, logits_per_text


model: CLIP[L[12], L[16], L[4], L[16], L[11], L[6], L[8], L[4]] = CLIP(
    12, 16, 4, 16, 2, 11, 6, 8, 4, 2
)
images = dx.randn(3, 3, 16, 16)
ids = rng.integers(1, 10, size=(3, 6))
ids[np.arange(3), [5, 3, 4]] = 10  # the end-of-text token
text = dx.tensor(ids)
logits_per_image, logits_per_text = model(images.trace(), text.trace())
labels = dx.arange(3, dtype=dx.int64)
loss_i = dx.losses.cross_entropy(logits_per_image, labels)
loss_t = dx.losses.cross_entropy(logits_per_text, labels)
loss = (loss_i + loss_t) / 2
grads = loss.backward()
assert logits_per_image.shape == (3, 3)
assert grads[model.visual.proj].shape == (16, 12)
assert grads[model.transformer.text_projection].shape == (8, 12)
