"""mxdna: learnable motif tokenizer and hierarchical linear-attention encoder for regulatory DNA."""

__version__ = "0.1.0.dev0"
