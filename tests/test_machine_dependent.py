"""Declarations whose extent depends on the machine: the dtypes in which TF convolves on its own kernels (which reject a
dilated convolution's gradient) follow TF's rule for what oneDNN takes on a CPU, read from the CPU's flags."""

import pytest

from harness import env
from suites.ops import nn

AMD_EPYC_ZEN4 = {"avx2", "avx512f", "avx512bw", "avx512_bf16"}  # this project's machine on 2026-12-05
SAPPHIRE_RAPIDS = {"avx2", "avx512f", "avx512bw", "avx512_bf16", "avx512_fp16", "amx_bf16"}


@pytest.mark.parametrize("machine, flags, onednn_opts, own_kernels", [
    ("x86_64", AMD_EPYC_ZEN4, "1", ("float64", "float16")),
    ("x86_64", SAPPHIRE_RAPIDS, "1", ("float64",)),
    ("x86_64", {"avx2"}, "1", ("float64", "float16", "bfloat16")),
    ("x86_64", {"avx2", "avx_ne_convert"}, "1", ("float64",)),
    ("x86_64", SAPPHIRE_RAPIDS, "0", ("float32", "float64", "float16", "bfloat16")),
    ("aarch64", SAPPHIRE_RAPIDS, "1", ("float32", "float64", "float16", "bfloat16")),
])
def test_tf_convolves_on_its_own_kernels_where_onednn_does_not_take_the_dtype(monkeypatch, machine, flags, onednn_opts,
                                                                               own_kernels):
    monkeypatch.setattr(nn.platform, "machine", lambda: machine)
    monkeypatch.setattr(env, "cpu_flags", lambda: frozenset(flags))
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", onednn_opts)
    assert nn.tf_convolves_without_onednn() == own_kernels
