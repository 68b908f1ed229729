"""Several processes (torchrun): DistributedDataParallel over NCCL on GPUs, gloo on CPUs.

`mxdna train` started under `torchrun --nproc_per_node=N` finds RANK/WORLD_SIZE in its
environment; every rank trains on every N-th batch, all ranks validate (so they take identical
early-stopping and tokenizer decisions), and only rank 0 writes files.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class Distributed:
    rank: int
    world_size: int
    wrap: Callable[[nn.Module], nn.Module] | None

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @classmethod
    def single(cls) -> Distributed:
        return cls(rank=0, world_size=1, wrap=None)

    @classmethod
    def from_environment(cls, device: torch.device) -> Distributed:
        """Join the process group torchrun describes, or run alone without one."""
        world_size = int(os.environ.get("WORLD_SIZE", "1"))
        if world_size <= 1:
            return cls.single()
        if not dist.is_initialized():
            dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
        rank = dist.get_rank()
        if device.type == "cuda":
            local = int(os.environ.get("LOCAL_RANK", "0"))
            torch.cuda.set_device(local)
            return cls(rank, world_size, lambda m: nn.parallel.DistributedDataParallel(m, [local]))
        return cls(rank, world_size, lambda m: nn.parallel.DistributedDataParallel(m))

    def close(self) -> None:
        if self.world_size > 1 and dist.is_initialized():
            dist.destroy_process_group()


def set_torch_threads(threads: int | None) -> None:
    """Intra-op threads for torch: `threads`, or every CPU this process may use."""
    from mxdna.tokenizer.lattice import available_threads

    torch.set_num_threads(threads if threads else available_threads())
