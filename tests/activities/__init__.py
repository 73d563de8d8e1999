"""The activities, each against real servers on loopback (SMTP, the store, Temporal)."""
