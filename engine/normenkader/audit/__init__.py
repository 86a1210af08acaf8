"""The audit workflow around a check: waivers, supervisors' judgements, diffs and baselines."""
