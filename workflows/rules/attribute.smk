# Stage 5, attribute: per run, attributions, seqlets and motifs on one split (`mxdna attribute`;
# files in docs/attribution-files.md).


rule attribute:
    input:
        **run_outputs(),
        fasta=lambda wildcards: split_path(wildcards.dataset, config["attribute"]["split"]),
        motif_db=config["attribute"]["motif_db"] or [],
    output:
        **attribution_outputs(),
    params:
        run=lambda wildcards, input: os.path.dirname(input.model),
        folder=lambda wildcards, output: os.path.dirname(output.summary),
        args=attribute_args,
    log:
        "logs/attribute/{dataset}/seed-{seed}.log",
    benchmark:
        "benchmarks/attribute/{dataset}/seed-{seed}.tsv"
    conda:
        "../envs/mxdna.yaml"
    threads: rule_resource("attribute", "threads")
    resources:
        mem_mb=rule_resource("attribute", "mem_mb"),
        runtime=rule_resource("attribute", "runtime"),
        gpu=config["train"]["gpus"] and 1,
    shell:
        "mxdna attribute --run {params.run:q} --fasta {input.fasta:q} --out {params.folder:q}"
        " {params.args} --threads {threads} > {log:q} 2>&1"
