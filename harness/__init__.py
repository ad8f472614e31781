"""gradparity: gradient correctness checks and backward-pass benchmarks for TF, PyTorch and JAX."""
