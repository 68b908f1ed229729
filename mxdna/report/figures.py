"""The report's charts of a run: training curves, confusion matrix, ROC and precision–recall.

Each function takes plain arrays and returns an inline image URI (see `mxdna.report.canvas`).
The only arithmetic here is what plotting needs: curve points from `sklearn.metrics`, counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.metrics import auc, confusion_matrix, precision_recall_curve, roc_curve

from mxdna.report.canvas import new_figure, report_style, svg_uri


def training_curves(
    epochs: np.ndarray,
    rounds: np.ndarray,
    loss: np.ndarray,
    learning_rate: np.ndarray | None,
    validation: Mapping[str, np.ndarray],
    best_epoch: int | None = None,
) -> str:
    """Loss, validation metrics and learning rate per epoch; dotted lines mark tokenizer refits."""
    panels = 3 if learning_rate is not None else 2
    with report_style():
        figure = new_figure(3.6 * panels, 2.8)
        axes = figure.subplots(1, panels)
        axes[0].plot(epochs, loss, marker="o", ms=3, label="train loss")
        axes[0].set(title="Training loss", xlabel="epoch", ylabel="cross-entropy")
        for name, values in validation.items():
            axes[1].plot(epochs, values, marker="o", ms=3, label=name)
        axes[1].set(title="Validation metrics", xlabel="epoch", ylabel="score")
        if validation:
            axes[1].legend(loc="best")
        if learning_rate is not None:
            axes[2].plot(epochs, learning_rate, marker="o", ms=3)
            axes[2].set(title="Learning rate", xlabel="epoch", ylabel="learning rate")
            axes[2].ticklabel_format(axis="y", style="sci", scilimits=(-2, 2))
        refits = [epochs[i] - 0.5 for i in range(1, len(rounds)) if rounds[i] != rounds[i - 1]]
        for ax in axes:
            for x in refits:
                ax.axvline(x, color="#777777", ls=":", lw=1)
            if best_epoch is not None:
                ax.axvline(best_epoch, color="#009E73", ls="--", lw=1)
            ax.xaxis.get_major_locator().set_params(integer=True)
        if refits or best_epoch is not None:
            figure.suptitle(_curve_legend(bool(refits), best_epoch), fontsize=8, color="#444444")
    return svg_uri(figure)


def _curve_legend(refits: bool, best_epoch: int | None) -> str:
    parts = []
    if refits:
        parts.append("dotted grey: tokenizer refit (new training round)")
    if best_epoch is not None:
        parts.append(f"dashed green: best epoch ({best_epoch}, weights kept)")
    return "; ".join(parts)


def confusion(y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str]) -> str:
    """Counts of true (rows) against predicted (columns) classes, shaded by row share."""
    counts = confusion_matrix(y_true, y_pred, labels=np.arange(len(classes)))
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    size = 1.2 + 0.75 * len(classes)
    with report_style():
        figure = new_figure(size + 1.2, size)
        ax = figure.add_subplot()
        image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        for (i, j), n in np.ndenumerate(counts):
            color = "white" if share[i, j] > 0.6 else "black"
            ax.text(j, i, f"{n}\n{share[i, j]:.0%}", ha="center", va="center", color=color)
        ax.set_xticks(range(len(classes)), classes, rotation=30, ha="right")
        ax.set_yticks(range(len(classes)), classes)
        ax.set(xlabel="predicted class", ylabel="true class", title="Confusion matrix (test)")
        ax.spines[:].set_visible(False)
        figure.colorbar(image, ax=ax, label="share of the true class", shrink=0.8)
    return svg_uri(figure)


def roc_pr(y_true: np.ndarray, probabilities: np.ndarray, classes: Sequence[str]) -> str:
    """ROC and precision–recall curves: the positive class for two classes, else one-vs-rest."""
    scored = [1] if len(classes) == 2 else list(range(len(classes)))
    with report_style():
        figure = new_figure(8.0, 3.4)
        roc_ax, pr_ax = figure.subplots(1, 2)
        for k in scored:
            positive = y_true == k
            if positive.all() or not positive.any():
                continue  # a curve needs both positives and negatives
            fpr, tpr, _ = roc_curve(positive, probabilities[:, k])
            precision, recall, _ = precision_recall_curve(positive, probabilities[:, k])
            name = classes[k] if len(classes) > 2 else f"{classes[k]} vs {classes[0]}"
            roc_ax.plot(fpr, tpr, lw=1.5, label=f"{name} (AUC {auc(fpr, tpr):.3f})")
            pr_ax.plot(
                recall,
                precision,
                lw=1.5,
                drawstyle="steps-post",
                label=f"{name} (AP {_average_precision(precision, recall):.3f})",
            )
            pr_ax.axhline(positive.mean(), lw=0.8, ls=":", color=roc_ax.lines[-1].get_color())
        roc_ax.plot([0, 1], [0, 1], color="#999999", lw=0.8, ls="--", label="chance")
        roc_ax.set(title="ROC", xlabel="false positive rate", ylabel="true positive rate")
        pr_ax.set(
            title="Precision–recall (dotted: class share)",
            xlabel="recall",
            ylabel="precision",
            ylim=(0, 1.02),
        )
        if not pr_ax.lines:  # a test set of one class (e.g. promoters only) has no PR curve
            pr_ax.text(0.5, 0.5, "needs both classes in the test set", ha="center")
        for ax in (roc_ax, pr_ax):
            ax.set_xlim(0, 1)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(loc="lower right" if ax is roc_ax else "lower left")
            ax.set_aspect("equal" if ax is roc_ax else "auto")
    return svg_uri(figure)


def _average_precision(precision: np.ndarray, recall: np.ndarray) -> float:
    """Step-wise area under the PR curve (what `average_precision_score` reports)."""
    return float(-np.sum(np.diff(recall) * precision[:-1]))


def bar_chart(
    labels: Sequence[str],
    values: np.ndarray,
    *,
    title: str,
    xlabel: str,
    horizontal: bool = True,
    ylabel: str = "",
) -> str:
    """A labelled bar chart (horizontal: labels read top to bottom in the given order)."""
    height = max(2.2, 0.22 * len(labels) + 0.9) if horizontal else 2.8
    with report_style():
        figure = new_figure(4.6, height)
        ax = figure.add_subplot()
        if horizontal:
            positions = np.arange(len(labels))[::-1]
            ax.barh(positions, values, color="#0072B2")
            ax.set_yticks(positions, labels, family="DejaVu Sans Mono", fontsize=8)
            ax.set(title=title, xlabel=xlabel)
        else:
            ax.bar(np.arange(len(labels)), values, color="#0072B2")
            ax.set_xticks(np.arange(len(labels)), labels)
            ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return svg_uri(figure)


def churn_chart(
    rounds: Sequence[int],
    round_churn: Sequence[float],
    iterations: Sequence[int],
    iteration_churn: Sequence[float],
) -> str:
    """Vocabulary churn: share of new tokens per training round and per EM iteration."""
    with report_style():
        figure = new_figure(8.0, 2.8)
        left, right = figure.subplots(1, 2)
        left.bar([str(r) for r in rounds], round_churn, color="#D55E00")
        left.set(title="Per training round (refit)", xlabel="round", ylabel="share of new tokens")
        left.set_ylim(0, max(1e-3, *round_churn) * 1.15 if round_churn else 1)
        for x, y in enumerate(round_churn):
            left.text(x, y, f"{y:.0%}", ha="center", va="bottom", fontsize=8)
        if iterations:
            right.plot(iterations, iteration_churn, marker="o", ms=3, color="#0072B2")
            right.xaxis.get_major_locator().set_params(integer=True)
        else:
            right.text(0.5, 0.5, "no EM history", ha="center", va="center")
        right.set(
            title="Per EM iteration (all fits)", xlabel="EM iteration", ylabel="share of new tokens"
        )
    return svg_uri(figure)


def length_histogram(lengths: np.ndarray, weights: np.ndarray, *, title: str) -> str:
    """Share of token occurrences by token length in bases, with the weighted mean marked."""
    lengths = np.asarray(lengths, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float64)
    total = weights.sum()
    top = int(lengths.max()) if len(lengths) else 1
    share = np.bincount(lengths, weights=weights, minlength=top + 1)[1:] / max(total, 1e-12)
    mean = float((lengths * weights).sum() / total) if total > 0 else float("nan")
    with report_style():
        figure = new_figure(4.6, 2.8)
        ax = figure.add_subplot()
        ax.bar(np.arange(1, top + 1), share, color="#009E73")
        ax.axvline(mean, color="#000000", ls="--", lw=1, label=f"mean {mean:.2f} bases")
        ax.set(title=title, xlabel="bases per token", ylabel="share of tokens")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(loc="upper right")
    return svg_uri(figure)


def position_ticks(length: int) -> list[int]:
    """1-based tick positions for an axis of `length` positions: 1, then every few bases."""
    step = next((s for s in (1, 5, 10, 20, 25, 50, 100, 200, 500) if length / s <= 15), 1000)
    return [1, *range(step, length + 1, step)] if step > 1 else list(range(1, length + 1))


def position_heatmap(weights: np.ndarray, row_titles: Sequence[str]) -> str:
    """(R, P, 4) weights over A, C, G, T as R heatmaps (positions 1..P across, bases down), on
    one diverging colour scale centred at 0 (red: positive, blue: negative)."""
    rows, length = weights.shape[:2]
    limit = float(np.max(np.abs(weights))) if weights.size else 0.0
    limit = limit if limit > 0 else 1.0
    with report_style():
        figure = new_figure(10.0, 0.5 + 0.95 * rows)
        axes = figure.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
        for ax, values, title in zip(axes, weights, row_titles, strict=True):
            image = ax.imshow(
                values.T,  # (4, P): bases down, positions across
                cmap="RdBu_r",
                vmin=-limit,
                vmax=limit,
                aspect="auto",
                interpolation="nearest",
                extent=(0.5, length + 0.5, 3.5, -0.5),
            )
            ax.set_yticks(range(4), list("ACGT"), family="DejaVu Sans Mono")
            ax.set_title(title, loc="left")
            ax.spines[:].set_visible(False)
        axes[-1].set_xticks(position_ticks(length))
        axes[-1].set_xlabel("position in the window (base 1 = first base)")
        figure.colorbar(image, ax=list(axes), label="centred weight", shrink=0.9, aspect=30)
    return svg_uri(figure)


def position_profile(signed: Mapping[str, np.ndarray], absolute: np.ndarray) -> str:
    """Per-position means, positions 1..L: (L,) signed attribution per line label (top panel)
    and (L,) mean |attribution| over all sequences (bottom panel)."""
    positions = np.arange(1, len(absolute) + 1)
    with report_style():
        figure = new_figure(10.0, 4.2)
        top, bottom = figure.subplots(2, 1, sharex=True)
        for label, values in signed.items():
            top.plot(positions, values, lw=1.2, marker="o", ms=2, label=label)
        top.axhline(0, color="#444444", lw=0.6)
        top.set(title="Mean signed attribution", ylabel="attribution")
        top.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        bottom.plot(positions, absolute, lw=1.2, marker="o", ms=2, color="#000000")
        bottom.set(
            title="Mean |attribution| (all sequences)",
            ylabel="|attribution|",
            xlabel="position in the window (base 1 = first base)",
            ylim=(0, None),
        )
        bottom.set_xticks(position_ticks(len(absolute)))
        bottom.set_xlim(0.5, len(absolute) + 0.5)
    return svg_uri(figure)
