"""Ombudsflow: the response to a reported violation of a child's rights as a durable workflow."""
