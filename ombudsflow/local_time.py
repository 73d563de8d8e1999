"""Kazakhstan's clock: the one time zone every deadline ends in, and the one way every time a
person reads is written (notices, pages, the CLI)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# One zone for every region since March 2024: deadlines end and dates are shown in it.
LOCAL_TIME = ZoneInfo("Asia/Almaty")


def local_time(moment: datetime) -> str:
    """``moment`` on Kazakhstan's clock with the offset written out:
    ``2026-11-30 19:05 (UTC+05:00)``. A naive value is taken as UTC (as the store keeps it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(LOCAL_TIME)
    return f"{local:%Y-%m-%d %H:%M} (UTC{local.isoformat()[-6:]})"  # isoformat: ±HH:MM
