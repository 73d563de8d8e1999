"""What a number names — a case, a ¶6.2 appeal or a periodic report — and where its page is:
the web serves the page, and notices link to it."""

from schemas.appeal import is_appeal_number
from schemas.reporting import is_report_id


def work_page(number: str) -> str:
    """The path of the page of what a task belongs to: its case, its appeal or its report."""
    section = ("appeals" if is_appeal_number(number) else "reports" if is_report_id(number)
               else "cases")
    return f"/{section}/{number}"
