"""Non-causal linear attention, φ(Q)(φ(K)ᵀV), with padding excluded from the sums.

out_i = φ(q_i)ᵀ (Σ_j m_j φ(k_j) v_jᵀ) / (φ(q_i)ᵀ Σ_j m_j φ(k_j) + eps)

Cost is O(N·F·D) time and O(F·D) state per head instead of softmax attention's O(N²).
`linear_attention` is the fast form; `linear_attention_naive` builds the N×N weight matrix
explicitly — the obviously correct twin that tests compare against (outputs and gradients).

Shapes: q, k: (B, H, N, Dk); v: (B, H, N, Dv); mask: (B, N) bool, True = real token.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

EPS = 1e-6


def elu_feature_map(x: torch.Tensor) -> torch.Tensor:
    """φ(x) = elu(x) + 1 (Katharopoulos et al., 2020): positive, cheap, F = Dk."""
    return F.elu(x) + 1.0


def favor_feature_map(x: torch.Tensor, projection: torch.Tensor, *, is_query: bool) -> torch.Tensor:
    """Positive random features (FAVOR+, Choromanski et al., 2021): φ(q)·φ(k) is an unbiased
    estimate of the softmax kernel exp(q·k/√d).
    x: (B, H, N, Dk); projection: (F, Dk) -> (B, H, N, F).

    For numerical range a maximum is subtracted inside the exponential: per query row (it
    cancels between numerator and normaliser of that query), and one shared value over all keys
    of a head (a per-key value would re-weight the keys, so it must be shared).
    """
    d = x.shape[-1]
    x = x / d**0.25
    projected = x @ projection.T  # (B, H, N, F)
    squared = (x * x).sum(dim=-1, keepdim=True) / 2
    if is_query:
        stabiliser = projected.amax(dim=-1, keepdim=True)
    else:
        stabiliser = projected.amax(dim=(-2, -1), keepdim=True)
    stabiliser = stabiliser.detach()
    return torch.exp(projected - squared - stabiliser) / math.sqrt(projection.shape[0]) + EPS


def orthogonal_gaussian(n_features: int, dim: int, generator: torch.Generator) -> torch.Tensor:
    """(F, Dk) random projection with orthogonal blocks and chi-distributed row norms."""
    blocks = []
    for _ in range(math.ceil(n_features / dim)):
        q, _ = torch.linalg.qr(torch.randn(dim, dim, generator=generator))
        blocks.append(q.T)
    rows = torch.cat(blocks)[:n_features]
    norms = torch.randn(n_features, dim, generator=generator).norm(dim=1, keepdim=True)
    return rows * norms


def linear_attention(
    q_features: torch.Tensor, k_features: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None
) -> torch.Tensor:
    """Fast form. φ(q), φ(k): (B, H, N, F); v: (B, H, N, Dv) -> (B, H, N, Dv)."""
    if mask is not None:
        keep = mask[:, None, :, None].to(k_features.dtype)  # (B, 1, N, 1)
        k_features = k_features * keep
    kv = torch.einsum("bhnf,bhnd->bhfd", k_features, v)  # (B, H, F, Dv)
    k_sum = k_features.sum(dim=2)  # (B, H, F)
    numerator = torch.einsum("bhnf,bhfd->bhnd", q_features, kv)
    denominator = torch.einsum("bhnf,bhf->bhn", q_features, k_sum).unsqueeze(-1)
    return numerator / (denominator + EPS)


def linear_attention_naive(
    q_features: torch.Tensor, k_features: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None
) -> torch.Tensor:
    """Twin of `linear_attention`: explicit (B, H, N, N) weights φ(q_i)·φ(k_j), normalised."""
    weights = q_features @ k_features.transpose(-1, -2)  # (B, H, N, N)
    if mask is not None:
        weights = weights * mask[:, None, None, :].to(weights.dtype)
    return (weights @ v) / (weights.sum(dim=-1, keepdim=True) + EPS)
