"""The server-rendered web app: sign-in, inbox, task forms, case pages, the supervisor
board and the reports page, in Kazakh, Russian or English, usable without JavaScript."""

from fastapi import APIRouter

from web.pages import (
    appeal_form,
    appeals,
    auth,
    board,
    cases,
    figures,
    handoffs,
    inbox,
    reports,
    static,
    tasks,
)

router = APIRouter(include_in_schema=False)
for pages in (auth, inbox, tasks, handoffs, cases, appeal_form, appeals, board, reports, figures,
              static):
    router.include_router(pages.router)

__all__ = ["router"]
