# Stage 6, report: one self-contained HTML file per run (`mxdna report`).


rule report:
    input:
        **run_outputs(),
        **attribution_outputs(),
    output:
        "results/{dataset}/seed-{seed}/report.html",
    params:
        run=lambda wildcards, input: os.path.dirname(input.model),
        attributions=lambda wildcards, input: os.path.dirname(input.summary),
    log:
        "logs/report/{dataset}/seed-{seed}.log",
    conda:
        "../envs/mxdna.yaml"
    threads: rule_resource("report", "threads")
    resources:
        mem_mb=rule_resource("report", "mem_mb"),
        runtime=rule_resource("report", "runtime"),
    shell:
        "mxdna report --run {params.run:q} --attributions {params.attributions:q}"
        " --out {output:q} > {log:q} 2>&1"
