"""The hierarchical linear-attention encoder: kernels (each with a naive twin), modules, heads."""
