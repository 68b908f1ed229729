# Stage 1, prepare data: FASTA files as they are, or BED intervals cut from a genome, split into
# results/<dataset>/data/{train,val,test}.fa (`mxdna data extract`, `mxdna data split`).


rule link_genome:
    """Link the genome into resources/ and index it there (an up-to-date .fai beside the genome
    is linked instead), so that extract jobs never race to build one, and the genome's folder is
    only read."""
    input:
        genome=lambda wildcards: dataset(wildcards)["genome"],
    output:
        genome="resources/{dataset}/genome{ext}",
        fai="resources/{dataset}/genome{ext}.fai",
    wildcard_constraints:
        ext=r"\.fa(\.gz)?",
    log:
        "logs/link_genome/{dataset}{ext}.log",
    conda:
        "../envs/mxdna.yaml"
    threads: rule_resource("link_genome", "threads")
    resources:
        mem_mb=rule_resource("link_genome", "mem_mb"),
        runtime=rule_resource("link_genome", "runtime"),
    shell:
        """
        ln -sfn {input.genome:q} {output.genome:q}
        for index in fai gzi; do
            existing={input.genome:q}.$index
            if [ -f "$existing" ] && [ ! {input.genome:q} -nt "$existing" ]; then
                ln -sfn "$existing" {output.genome:q}.$index
            fi
        done
        faidx {output.genome:q} -i chromsizes > {log:q} 2>&1
        """


rule extract:
    """One class of a BED dataset: `mxdna data extract --label <label>`."""
    input:
        bed=lambda wildcards: dataset(wildcards)["bed"][
            dataset(wildcards)["labels"].index(wildcards.label)
        ],
        genome=genome_link,
        fai=lambda wildcards: f"{genome_link(wildcards)}.fai",
    output:
        "results/{dataset}/extract/{label}.fa",
    params:
        width=lambda wildcards: (
            f"--width {dataset(wildcards)['width']}" if "width" in dataset(wildcards) else ""
        ),
    log:
        "logs/extract/{dataset}/{label}.log",
    conda:
        "../envs/mxdna.yaml"
    threads: rule_resource("extract", "threads")
    resources:
        mem_mb=rule_resource("extract", "mem_mb"),
        runtime=rule_resource("extract", "runtime"),
    shell:
        "mxdna data extract --bed {input.bed:q} --genome {input.genome:q} --out {output:q}"
        " --label {wildcards.label} {params.width} > {log:q} 2>&1"


rule split:
    """Deterministic train/val/test split (`mxdna data split`); a dataset's held-out test files
    are passed through the same command so that test.fa also carries 'label=' headers."""
    input:
        sources=split_sources,
        heldout=lambda wildcards: dataset(wildcards).get("test_fasta", []),
    output:
        train="results/{dataset}/data/train.fa",
        val="results/{dataset}/data/val.fa",
        test="results/{dataset}/data/test.fa",
    params:
        folder=lambda wildcards, output: os.path.dirname(output.train),
        args=split_args,
        heldout=lambda wildcards: "yes" if "test_fasta" in dataset(wildcards) else "",
    log:
        "logs/split/{dataset}.log",
    conda:
        "../envs/mxdna.yaml"
    threads: rule_resource("split", "threads")
    resources:
        mem_mb=rule_resource("split", "mem_mb"),
        runtime=rule_resource("split", "runtime"),
    shell:
        """
        mxdna data split {input.sources:q} --out {params.folder:q} {params.args} > {log:q} 2>&1
        if [ -n "{params.heldout}" ]; then
            mxdna data split {input.heldout:q} --out {params.folder:q}/heldout \
                --val-fraction 0 --test-fraction 0 >> {log:q} 2>&1
            mv {params.folder:q}/heldout/train.fa {output.test:q}
            rm -r {params.folder:q}/heldout
        fi
        """
