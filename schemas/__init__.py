"""The contracts shared by the API, the CLI, workflows and activities. No I/O here."""
