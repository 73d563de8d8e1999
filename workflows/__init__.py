"""The procedures as durable workflows, and the toolkit they are written with: tasks,
approvals, notices, completions and the case state (``README.md`` here is the guide)."""
