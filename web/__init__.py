"""The web app: the HTTP API under /api/v1 and the server-rendered pages, one authorisation."""
