"""The two in-project baselines of the results benchmark, trained on exactly the same data.

* k-mer counts + logistic regression: overlapping 1..6-mers (every position), tf-idf, L2
  logistic regression with C chosen on the validation split.
* one-hot + logistic regression: the A/C/G/T at each position (a position weight matrix read
  out linearly; sequences padded to the longest training one), L2 logistic regression with C
  chosen on the validation split — the classic model for landmark-aligned windows (splice
  sites, TSS-centred promoters), meaningless where position carries no signal.
* A small CNN (the kind Genomic Benchmarks and most enhancer/promoter papers use): one-hot →
  conv(9) → ReLU → max-pool(3) → conv(9) → ReLU → global max → dropout → linear; AdamW, reverse-
  complement augmentation, class weights, early stopping on validation MCC, best epoch kept.

Both return test-set class probabilities (N, C) in `classes` order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CNN_WIDTH, CNN_KERNEL = 64, 9


def kmer_logistic_regression(
    train: tuple[Sequence[str], np.ndarray],
    val: tuple[Sequence[str], np.ndarray],
    test: Sequence[str],
    *,
    seed: int,
) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 6), lowercase=True, dtype=np.float32
    )
    x_train = vectorizer.fit_transform(train[0])
    x_val, x_test = vectorizer.transform(val[0]), vectorizer.transform(test)
    return _regression_chosen_on_validation(
        (x_train, train[1]), (x_val, val[1]), x_test, (0.1, 1.0, 10.0), seed
    )


def one_hot_logistic_regression(
    train: tuple[Sequence[str], np.ndarray],
    val: tuple[Sequence[str], np.ndarray],
    test: Sequence[str],
    *,
    seed: int,
) -> np.ndarray:
    length = max(len(s) for s in train[0])

    def features(sequences: Sequence[str]) -> np.ndarray:
        return _one_hot(sequences, length).reshape(len(sequences), -1)

    x_train, x_val, x_test = features(train[0]), features(val[0]), features(test)
    return _regression_chosen_on_validation(
        (x_train, train[1]), (x_val, val[1]), x_test, (0.01, 0.1, 1.0), seed
    )


def _regression_chosen_on_validation(train, val, x_test, strengths, seed: int) -> np.ndarray:
    """L2 logistic regression (balanced class weights) at each inverse strength C in
    `strengths`; the model with the best validation MCC gives test probabilities (N, C)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import matthews_corrcoef

    best, best_score = None, -np.inf
    for c in strengths:
        model = LogisticRegression(C=c, max_iter=3000, random_state=seed, class_weight="balanced")
        model.fit(*train)
        score = matthews_corrcoef(val[1], model.predict(val[0]))
        if score > best_score:
            best, best_score = model, score
    return best.predict_proba(x_test)


def _one_hot(sequences: Sequence[str], length: int) -> np.ndarray:
    """(N, 4, length) float32; N and other codes are all-zero; shorter sequences padded."""
    table = np.full(256, 4, dtype=np.int64)
    for i, base in enumerate("ACGT"):
        table[ord(base)] = table[ord(base.lower())] = i
    out = np.zeros((len(sequences), 5, length), dtype=np.float32)
    for n, seq in enumerate(sequences):
        codes = table[np.frombuffer(seq[:length].encode("ascii"), dtype=np.uint8)]
        out[n, codes, np.arange(len(codes))] = 1.0
    return out[:, :4]


def small_cnn(
    train: tuple[Sequence[str], np.ndarray],
    val: tuple[Sequence[str], np.ndarray],
    test: Sequence[str],
    *,
    n_classes: int,
    seed: int,
    epochs: int,
    batch_size: int = 64,
    patience: int = 4,
) -> np.ndarray:
    import torch
    from sklearn.metrics import matthews_corrcoef
    from torch import nn

    torch.manual_seed(seed)
    length = max(len(s) for s in (*train[0], *val[0], *test))
    x_train, x_val, x_test = (
        torch.from_numpy(_one_hot(s, length)) for s in (train[0], val[0], test)
    )
    y_train = torch.from_numpy(np.asarray(train[1], dtype=np.int64))
    model = nn.Sequential(
        nn.Conv1d(4, CNN_WIDTH, CNN_KERNEL, padding=CNN_KERNEL // 2),
        nn.ReLU(),
        nn.MaxPool1d(3),
        nn.Conv1d(CNN_WIDTH, CNN_WIDTH, CNN_KERNEL, padding=CNN_KERNEL // 2),
        nn.ReLU(),
        nn.AdaptiveMaxPool1d(1),
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(CNN_WIDTH, n_classes),
    )
    counts = np.bincount(train[1], minlength=n_classes)
    weights = torch.tensor(len(train[1]) / (n_classes * np.maximum(counts, 1)), dtype=torch.float32)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    rng = np.random.default_rng(seed)

    def probabilities(x: torch.Tensor) -> np.ndarray:
        model.eval()
        with torch.no_grad():
            return torch.cat(
                [torch.softmax(model(x[i : i + 512]), -1) for i in range(0, len(x), 512)]
            ).numpy()

    best_state, best_score, bad = None, -np.inf, 0
    for _ in range(epochs):
        model.train()
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), batch_size):
            idx = torch.from_numpy(order[start : start + batch_size])
            x = x_train[idx]
            flip = torch.from_numpy(rng.random(len(idx)) < 0.5)
            x = torch.where(flip[:, None, None], x.flip(1, 2), x)  # reverse complement: ACGT→TGCA
            loss = nn.functional.cross_entropy(model(x), y_train[idx], weight=weights)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        score = matthews_corrcoef(val[1], probabilities(x_val).argmax(1))
        if score > best_score:
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
            best_score, bad = score, 0
        else:
            bad += 1
            if bad >= patience:
                break
    model.load_state_dict(best_state)
    return probabilities(x_test)
