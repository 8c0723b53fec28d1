"""Benchmarks (`make bench`): each measures Sanwen against a hand-written floor in the same run and
reports the ratio; results go to bench/results/."""
