"""A progress bar on stderr for `mxdna train` (the library reports, the CLI draws).

On a terminal the bar redraws in place; otherwise (logs, Snakemake) one line per epoch, so log
files stay short.
"""

from __future__ import annotations

import sys
import time


class EpochProgress:
    """Callable as `on_batch(epoch, done, total, loss)`."""

    def __init__(self, epochs: int, stream=None) -> None:
        self.epochs = epochs
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self.loss_sum = 0.0

    def __call__(self, epoch: int, done: int, total: int, loss: float) -> None:
        if done == 1:
            self.started, self.loss_sum = time.monotonic(), 0.0
        self.loss_sum += loss
        mean = self.loss_sum / done
        elapsed = time.monotonic() - self.started
        if self.tty:
            width = 30
            filled = width * done // max(total, 1)
            bar = "#" * filled + "-" * (width - filled)
            eta = elapsed / done * (total - done)
            line = (
                f"\repoch {epoch + 1}/{self.epochs} [{bar}] {done}/{total} "
                f"loss {mean:.4f} {elapsed:.0f}s<{eta:.0f}s"
            )
            self.stream.write(line + ("\n" if done == total else ""))
        elif done == total:
            self.stream.write(
                f"epoch {epoch + 1}/{self.epochs}: {total} batches, loss {mean:.4f}, "
                f"{elapsed:.1f}s\n"
            )
        self.stream.flush()
