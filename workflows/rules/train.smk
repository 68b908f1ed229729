# Stage 3, train: one job per dataset × seed (`mxdna train`), each writing a complete run
# directory results/<dataset>/seed-<seed>/run/. With train.torchrun the same command runs under
# torchrun, one DDP worker per GPU.


rule run_settings:
    """The YAML given to `mxdna train --config`: config `run` + the dataset's run_config."""
    output:
        "results/{dataset}/run_settings.yaml",
    params:
        settings=lambda wildcards: run_settings(wildcards.dataset),
    log:
        "logs/run_settings/{dataset}.log",
    conda:
        "../envs/mxdna.yaml"
    threads: 1
    resources:
        mem_mb=rule_resource("run_settings", "mem_mb"),
        runtime=rule_resource("run_settings", "runtime"),
    script:
        "../scripts/write_run_settings.py"


rule train:
    input:
        unpack(train_inputs),
    output:
        **run_outputs(),
    params:
        run=lambda wildcards, output: os.path.dirname(output.model),
        launcher=launcher,
        device=config["train"]["device"],
        init=lambda wildcards, input: (
            shlex.join(["--init-tokenizer", input.tokenizer]) if "tokenizer" in input.keys() else ""
        ),
        labels=label_args,
    log:
        "logs/train/{dataset}/seed-{seed}.log",
    benchmark:
        "benchmarks/train/{dataset}/seed-{seed}.tsv"
    conda:
        "../envs/mxdna.yaml"
    threads: rule_resource("train", "threads")
    resources:
        mem_mb=rule_resource("train", "mem_mb"),
        runtime=rule_resource("train", "runtime"),
        gpu=config["train"]["gpus"],
    shell:
        "{params.launcher} mxdna train --fasta {input.train:q} --val {input.val:q}"
        " --test {input.test:q} --out {params.run:q} --config {input.settings:q}"
        " --seed {wildcards.seed} --device {params.device} {params.init} {params.labels}"
        " --quiet > {log:q} 2>&1"
