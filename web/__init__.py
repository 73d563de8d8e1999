"""The web app: the HTTP API under /api/v1 and the server-rendered pages, one authorisation."""

# The formats of ids in paths, registered before any route names one (``{case_id:case_number}``).
import web.paths  # noqa: F401
