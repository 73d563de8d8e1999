"""``make bench``: Ombudsflow's figures against their targets, on whatever machine runs it.

Each module measures one thing and returns ``Figure``s; ``python -m bench`` runs them in one
go and prints the table. Nothing here asserts timing: the smoke test only checks that every
benchmark still produces its figures.
"""
