"""Entry points: the `ombudsflow` command (operator commands on this machine, case work
through the HTTP API) and the embedded dev stack it runs."""
