"""Synthetic, deterministic data for demos, tests and benchmarks: a city's population."""

from __future__ import annotations

from sscard.synthetic.population import GenerationSummary, generate_population

__all__ = ["GenerationSummary", "generate_population"]
