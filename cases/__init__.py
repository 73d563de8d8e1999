"""How the edges (the web app, the fault runs and benchmarks) start, read and update cases:
the intake of reports and the one case client."""
