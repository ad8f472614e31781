"""Renderers: records (plain dicts) → pandas tables → Markdown (and, for benchmarks, HTML)."""
