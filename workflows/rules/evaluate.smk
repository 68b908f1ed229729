# Stage 4, evaluate: every run on each split of config evaluate.splits (`mxdna evaluate`, which
# merges/filters labels as the run was trained), then one table of all datasets × seeds × splits
# and a per-dataset summary over seeds.


rule evaluate:
    input:
        **run_outputs(),
        fasta="results/{dataset}/data/{split}.fa",
    output:
        "results/{dataset}/seed-{seed}/evaluate/{split}.json",
    params:
        run=lambda wildcards, input: os.path.dirname(input.model),
    log:
        "logs/evaluate/{dataset}/seed-{seed}/{split}.log",
    conda:
        "../envs/mxdna.yaml"
    threads: rule_resource("evaluate", "threads")
    resources:
        mem_mb=rule_resource("evaluate", "mem_mb"),
        runtime=rule_resource("evaluate", "runtime"),
    shell:
        "mxdna evaluate --run {params.run:q} --fasta {input.fasta:q} --out {output:q}"
        " > {log:q} 2>&1"


rule aggregate_metrics:
    input:
        evaluation_files(),
    output:
        table="results/metrics.tsv",
        summary="results/metrics_summary.tsv",
    params:
        labels=evaluation_keys(),
    log:
        "logs/aggregate_metrics/all.log",
    conda:
        "../envs/mxdna.yaml"
    threads: 1
    resources:
        mem_mb=rule_resource("aggregate_metrics", "mem_mb"),
        runtime=rule_resource("aggregate_metrics", "runtime"),
    script:
        "../scripts/aggregate_metrics.py"
