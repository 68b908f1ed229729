"""Local (windowed) softmax attention: token i attends to tokens j with |i − j| ≤ radius.

`local_attention` splits the sequence into blocks of `radius` tokens; each block's queries see
its own block and the two neighbouring ones (3·radius keys) through
`scaled_dot_product_attention`, so GPUs use fused kernels, and a band mask keeps exactly the
|i − j| ≤ radius pairs. Cost O(N·radius). `local_attention_naive` is the twin: full N×N
attention with the band mask.

Shapes: q, k, v: (B, H, N, D); mask: (B, N) bool, True = real token. Padded queries get zeros.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _band(n: int, radius: int, device: torch.device) -> torch.Tensor:
    positions = torch.arange(n, device=device)
    return (positions[:, None] - positions[None, :]).abs() <= radius


def local_attention_naive(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None, radius: int
) -> torch.Tensor:
    """Twin: full attention restricted to |i − j| ≤ radius and to real keys."""
    n = q.shape[2]
    allowed = _band(n, radius, q.device)[None, None]  # (1, 1, N, N)
    if mask is not None:
        allowed = allowed & mask[:, None, None, :]
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
    out = torch.nan_to_num(out)  # queries whose every key is masked (padding rows)
    return out if mask is None else out * mask[:, None, :, None].to(out.dtype)


def local_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None, radius: int
) -> torch.Tensor:
    """Blocked form, O(N·radius); equal to `local_attention_naive`."""
    b, h, n, d = q.shape
    w = max(1, radius)
    blocks = -(-n // w)
    pad = blocks * w - n
    real = torch.ones(b, n, dtype=torch.bool, device=q.device) if mask is None else mask
    if pad:
        q, k, v = (F.pad(t, (0, 0, 0, pad)) for t in (q, k, v))
        real = F.pad(real, (0, pad), value=False)

    # keys/values of blocks b-1, b, b+1 for every block: pad one block on each side
    def neighbourhood(t: torch.Tensor) -> torch.Tensor:
        t = F.pad(t, (0, 0, w, w)).view(b, h, blocks + 2, w, -1)  # (B, H, nb+2, w, D)
        return torch.cat([t[:, :, :-2], t[:, :, 1:-1], t[:, :, 2:]], dim=3)  # (B, H, nb, 3w, D)

    qb = q.view(b, h, blocks, w, d)
    kb, vb = neighbourhood(k), neighbourhood(v)
    key_real = F.pad(real, (w, w), value=False).view(b, blocks + 2, w)
    key_real = torch.cat(
        [key_real[:, :-2], key_real[:, 1:-1], key_real[:, 2:]], dim=2
    )  # (B, nb, 3w)
    query_pos = torch.arange(w, device=q.device)[:, None]  # within block
    key_pos = torch.arange(3 * w, device=q.device)[None, :] - w  # relative to the block start
    band = (query_pos - key_pos).abs() <= radius  # (w, 3w)
    allowed = band[None, None] & key_real[:, :, None, :]  # (B, nb, w, 3w)
    out = F.scaled_dot_product_attention(qb, kb, vb, attn_mask=allowed[:, None])
    out = torch.nan_to_num(out).reshape(b, h, blocks * w, d)[:, :, :n]
    return out * real[:, None, :n, None].to(out.dtype)
