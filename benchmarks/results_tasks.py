"""The published classification tasks of `../shared/data/`, as the results benchmark runs them.

Each task names its FASTA files, how labels are regrouped (`mxdna train --merge-labels /
--keep-classes`), which metric the literature reports, and the best published numbers from the
dataset's SOURCE.md (with and without pretraining), so the table can sit next to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass(frozen=True)
class Task:
    name: str
    train: str  # relative to SHARED
    test: str
    val: str | None = None  # None: mxdna's deterministic split of the training data
    merge: tuple[str, ...] = ()
    keep: str | None = None
    metric: str = "mcc"  # the metric the published numbers use
    scale: float = 1.0  # published numbers are metric x scale (GUE reports MCC x 100)
    published_no_pretraining: tuple[str, float] | None = None  # (method, value), SOURCE.md
    published_best: tuple[str, float] | None = None
    leak_free: str | None = None  # TSV of test ids to drop for a leak-free score
    aligned: bool = False  # windows around one landmark on its strand: `mxdna train --aligned`
    notes: str = ""


ECOLI_SIGMAS = "promoter=sigma24,sigma28,sigma32,sigma38,sigma54,sigma70"
# GUE SOURCE.md tables list only pretrained models (DNABERT, NT, DNABERT-2): no published
# number without pretraining exists for these splits; the best pretrained one is shown.
GUE_TF_BEST = (71.99, 76.06, 66.52, 58.54, 77.43)  # DNABERT-2 (117M), MCC x 100

TASKS: tuple[Task, ...] = (
    Task(
        "ienhancer_2l layer 1",
        "ienhancer_2l/train.fa",
        "ienhancer_2l/test.fa",
        merge=("enhancer=strong,weak",),
        published_no_pretraining=("iEnhancer-5Step", 0.58),
        published_best=("iEnhancer-5Step", 0.58),
        leak_free="ienhancer_2l/test_in_train.tsv",
    ),
    Task(
        "ienhancer_2l layer 2",
        "ienhancer_2l/train.fa",
        "ienhancer_2l/test.fa",
        keep="strong,weak",
        published_no_pretraining=("iEnhancer-GAN", 0.505),
        published_best=("iEnhancer-RLA (outlier, see SOURCE.md)", 0.718),
        leak_free="ienhancer_2l/test_in_train.tsv",
    ),
    Task(
        "gue_prom_core_all",
        "gue_prom_core_all/train.fa",
        "gue_prom_core_all/test.fa",
        val="gue_prom_core_all/dev.fa",
        scale=100.0,
        aligned=True,  # TSS-centred windows (GUE)
        published_best=("DNABERT (3-mer)", 70.92),
    ),
    Task(
        "gue_prom_300_tata",
        "gue_prom_300_tata/train.fa",
        "gue_prom_300_tata/test.fa",
        val="gue_prom_300_tata/dev.fa",
        scale=100.0,
        aligned=True,  # TSS-centred windows (GUE)
        published_best=("NT-2500M-multi", 79.43),
    ),
    *(
        Task(
            f"gue_tf_human tf{i}",
            f"gue_tf_human/tf{i}/train.fa",
            f"gue_tf_human/tf{i}/test.fa",
            val=f"gue_tf_human/tf{i}/dev.fa",
            scale=100.0,
            published_best=("DNABERT-2 (117M)", GUE_TF_BEST[i]),
        )
        for i in range(5)
    ),
    Task(
        "ecoli_promoters promoter vs non-promoter",
        "ecoli_promoters/train.fa",
        "ecoli_promoters/test.fa",
        merge=(ECOLI_SIGMAS,),
        metric="accuracy",  # the test set holds promoters only: accuracy = sensitivity
        aligned=True,  # -60..+20 around the TSS (SOURCE.md)
        published_no_pretraining=("iPromoter-BnCNN", 0.9492),
        published_best=("iPromoter-BnCNN", 0.9492),
        notes="test set = 256 promoters only; accuracy is layer-1 sensitivity",
    ),
    Task(
        "uci_splice",
        "uci_splice/train.fa",
        "uci_splice/test.fa",
        metric="accuracy",
        aligned=True,  # -30..+30 around the candidate junction (SOURCE.md)
        notes="published numbers are 10-fold CV on 1000 examples, not this split",
    ),
)
