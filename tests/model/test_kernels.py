"""Attention kernels equal their naive twins: outputs and gradients, padding excluded."""

from __future__ import annotations

import pytest
import torch

from mxdna.model.linear_attention import (
    elu_feature_map,
    favor_feature_map,
    linear_attention,
    linear_attention_naive,
    orthogonal_gaussian,
)
from mxdna.model.local_attention import local_attention, local_attention_naive

SHAPES = [  # (batch, heads, length, width)
    (1, 1, 1, 4),
    (2, 3, 17, 8),
    (3, 2, 64, 16),
    (2, 4, 129, 32),
]


def inputs(b, h, n, d, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(b, h, n, d, generator=g, dtype=dtype, requires_grad=True) for _ in "qkv")
    lengths = torch.randint(1, n + 1, (b,), generator=g)
    lengths[0] = n  # one full row
    mask = torch.arange(n)[None, :] < lengths[:, None]
    return q, k, v, mask


def assert_same(fast_fn, slow_fn, q, k, v, mask, atol):
    fast = fast_fn(q, k, v, mask)
    slow = slow_fn(q, k, v, mask)
    real = mask[:, None, :, None]
    torch.testing.assert_close(fast * real, slow * real, atol=atol, rtol=0)
    weights = torch.randn_like(fast)
    grads_fast = torch.autograd.grad((fast * real * weights).sum(), (q, k, v))
    grads_slow = torch.autograd.grad((slow * real * weights).sum(), (q, k, v))
    for a, b in zip(grads_fast, grads_slow, strict=True):
        torch.testing.assert_close(a, b, atol=atol, rtol=0)


@pytest.mark.parametrize(("b", "h", "n", "d"), SHAPES)
@pytest.mark.parametrize("radius", [1, 4, 7, 32])
def test_local_attention_equals_naive(b, h, n, d, radius):
    q, k, v, mask = inputs(b, h, n, d)
    assert_same(
        lambda *a: local_attention(*a, radius=radius),
        lambda *a: local_attention_naive(*a, radius=radius),
        q, k, v, mask, atol=1e-10,
    )  # fmt: skip


@pytest.mark.parametrize(("b", "h", "n", "d"), SHAPES)
@pytest.mark.parametrize("feature", ["elu", "favor"])
def test_linear_attention_equals_naive(b, h, n, d, feature):
    q, k, v, mask = inputs(b, h, n, d)
    projection = orthogonal_gaussian(2 * d, d, torch.Generator().manual_seed(1)).double()

    def phi(x, is_query):
        return (
            elu_feature_map(x)
            if feature == "elu"
            else favor_feature_map(x, projection, is_query=is_query)
        )

    assert_same(
        lambda q_, k_, v_, m: linear_attention(phi(q_, True), phi(k_, False), v_, m),
        lambda q_, k_, v_, m: linear_attention_naive(phi(q_, True), phi(k_, False), v_, m),
        q, k, v, mask, atol=1e-10,
    )  # fmt: skip


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_low_precision_stays_close_to_float64(dtype):
    q, k, v, mask = inputs(2, 2, 40, 16)
    ref = local_attention(q, k, v, mask, 5)
    low = local_attention(*(t.detach().to(dtype) for t in (q, k, v)), mask, 5).double()
    tol = 1e-5 if dtype == torch.float32 else 5e-2
    torch.testing.assert_close(low, ref.detach(), atol=tol, rtol=tol)


def test_padding_does_not_change_real_outputs():
    q, k, v, mask = inputs(2, 2, 30, 8)
    full = mask.clone()
    extra = [torch.cat([t, torch.randn(2, 2, 10, 8, dtype=t.dtype)], dim=2) for t in (q, k, v)]
    padded_mask = torch.cat([full, torch.zeros(2, 10, dtype=torch.bool)], dim=1)
    for fn in (
        lambda *a: local_attention(*a, 6),
        lambda q_, k_, v_, m: linear_attention(elu_feature_map(q_), elu_feature_map(k_), v_, m),
    ):
        short = fn(q, k, v, full)
        long = fn(*extra, padded_mask)[:, :, :30]
        torch.testing.assert_close(long * full[:, None, :, None], short * full[:, None, :, None])


def test_favor_approximates_softmax_attention():
    """FAVOR+ is an unbiased softmax-kernel estimator: with many features it gets close."""
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(1, 1, 50, 8, generator=g, dtype=torch.float64) * 0.5 for _ in "qkv")
    exact = torch.softmax(q @ k.transpose(-1, -2) / 8**0.5, dim=-1) @ v
    projection = orthogonal_gaussian(4096, 8, g).double()
    approx = linear_attention(
        favor_feature_map(q, projection, is_query=True),
        favor_feature_map(k, projection, is_query=False),
        v,
        None,
    )
    assert (approx - exact).abs().max() < 0.05
