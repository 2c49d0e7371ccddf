"""Tools for testing the toolkit against the sandboxes, not part of a sync: generated truth
sets that tests, benchmarks and the walkthrough notebooks measure the toolkit with. They are
clients of the sandbox like any user's code, never part of its servers."""
