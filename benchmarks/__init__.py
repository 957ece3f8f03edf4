"""Benchmark scripts: they print figures (medians, ratios to a baseline measured in the
same run); they are not tests and never fail on a slow machine."""

