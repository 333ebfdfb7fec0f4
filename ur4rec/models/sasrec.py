"""SASRec: self-attentive sequential recommendation (Kang and McAuley, ICDM 2018)."""

from __future__ import annotations

import torch
from torch import nn

from ur4rec.config import SASRecConfig


class SASRec(nn.Module):
    """Causal self-attention over a left-padded item sequence.

    NOTE: positions count real items from the start of the sequence (padding gets position 0),
    instead of the paper's absolute slot index, so the amount of left padding never changes the
    output at a real position.
    """

    def __init__(self, num_items: int, max_len: int, config: SASRecConfig) -> None:
        super().__init__()
        dim = config.hidden_dim
        self.num_items = num_items
        self.max_len = max_len
        self.item_emb = nn.Embedding(num_items + 1, dim, padding_idx=0)
        # The paper scales input item embeddings by sqrt(dim). Without the scale, the output at a
        # position resembles its own input item less, so already-seen items score lower.
        self.embedding_scale = dim**0.5 if config.scale_embeddings else 1.0
        self.pos_emb = nn.Embedding(max_len + 1, dim, padding_idx=0)
        self.emb_dropout = nn.Dropout(config.dropout)
        layer = nn.TransformerEncoderLayer(
            d_model=dim, nhead=config.num_heads, dim_feedforward=dim, dropout=config.dropout,
            activation="gelu", batch_first=True, norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(layer, num_layers=config.num_blocks, enable_nested_tensor=False)
        self.final_norm = nn.LayerNorm(dim)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)
            if module.padding_idx is not None:
                nn.init.zeros_(module.weight[module.padding_idx])

    def forward(self, item_seq: torch.Tensor) -> torch.Tensor:
        """Encode sequences; returns seq_output (B, L, D), zero at padded positions."""
        is_item = item_seq > 0  # (B, L)
        positions = torch.cumsum(is_item.long(), dim=1) * is_item  # (B, L), 0 on padding
        hidden = self.item_emb(item_seq) * self.embedding_scale
        hidden = self.emb_dropout(hidden + self.pos_emb(positions.clamp(max=self.max_len)))
        hidden = hidden * is_item.unsqueeze(-1)

        # A position may attend to itself and to earlier real items; padding keys are masked.
        # Attending to itself keeps rows of an all-padding (empty) sequence finite.
        length = item_seq.size(1)
        causal = torch.ones(length, length, dtype=torch.bool, device=item_seq.device).triu(1)
        blocked = causal.unsqueeze(0) | ~is_item.unsqueeze(1)  # (B, L, L)
        blocked = blocked & ~torch.eye(length, dtype=torch.bool, device=item_seq.device)
        mask = torch.zeros(blocked.shape, dtype=hidden.dtype, device=hidden.device)
        mask = mask.masked_fill(blocked, float("-inf"))
        mask = mask.repeat_interleave(self.encoder.layers[0].self_attn.num_heads, dim=0)
        hidden = self.encoder(hidden, mask=mask)
        return self.final_norm(hidden) * is_item.unsqueeze(-1)  # (B, L, D)

    def sequence_representation(self, item_seq: torch.Tensor) -> torch.Tensor:
        """Return the output at the last position (B, D): the user's state after the latest item."""
        return self.forward(item_seq)[:, -1, :]

    def item_embeddings(self) -> torch.Tensor:
        """Return the item embedding table used as the output layer (N+1, D)."""
        return self.item_emb.weight
