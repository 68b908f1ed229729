"""Classification metrics from scikit-learn: accuracy, MCC, macro-F1, AUROC and AUPRC.

Binary tasks score the positive class (the second of the sorted class names); multi-class tasks
report one-vs-rest macro averages. A metric that is undefined on the given labels (e.g. AUROC
when only one class is present) is reported as None rather than guessed.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score,
    matthews_corrcoef,
    roc_auc_score,
)

METRIC_NAMES = ("accuracy", "mcc", "macro_f1", "auroc", "auprc")


def classification_metrics(
    y_true: np.ndarray, probabilities: np.ndarray
) -> dict[str, float | None]:
    """y_true: int (N,) class indices; probabilities: float (N, C) rows summing to 1."""
    y_true = np.asarray(y_true)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    n_classes = probabilities.shape[1]
    y_pred = probabilities.argmax(axis=1)
    result: dict[str, float | None] = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "mcc": float(matthews_corrcoef(y_true, y_pred)),
        "macro_f1": float(
            f1_score(y_true, y_pred, average="macro", labels=np.arange(n_classes), zero_division=0)
        ),
        "auroc": None,
        "auprc": None,
    }
    present = np.unique(y_true)
    if len(present) < 2:
        return result
    if n_classes == 2:
        result["auroc"] = float(roc_auc_score(y_true, probabilities[:, 1]))
        result["auprc"] = float(average_precision_score(y_true, probabilities[:, 1]))
    else:
        one_hot = np.eye(n_classes)[y_true][:, present]
        scores = probabilities[:, present]
        result["auroc"] = float(roc_auc_score(one_hot, scores, average="macro"))
        result["auprc"] = float(average_precision_score(one_hot, scores, average="macro"))
    return result
