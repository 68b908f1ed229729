# Stage 2, fit the tokenizer: once per dataset on its training split (`mxdna tokenize fit`); every
# seed's `mxdna train --init-tokenizer` starts from it. Vocabulary size, motif length and EM
# iterations are the run's (run.train), so later refits during training use the same settings.


rule fit_tokenizer:
    input:
        "results/{dataset}/data/train.fa",
    output:
        "results/{dataset}/tokenizer.json",
    params:
        args=fit_args,
    log:
        "logs/fit_tokenizer/{dataset}.log",
    benchmark:
        "benchmarks/fit_tokenizer/{dataset}.tsv"
    conda:
        "../envs/mxdna.yaml"
    threads: rule_resource("fit_tokenizer", "threads")
    resources:
        mem_mb=rule_resource("fit_tokenizer", "mem_mb"),
        runtime=rule_resource("fit_tokenizer", "runtime"),
    shell:
        "mxdna tokenize fit --fasta {input:q} --out {output:q} {params.args} > {log:q} 2>&1"
