"""The server-rendered web app: sign-in, inbox, task forms, case pages and the supervisor
board, in Kazakh, Russian or English, usable without JavaScript."""

from fastapi import APIRouter

from web.pages import appeal_form, appeals, auth, board, cases, inbox, static, tasks

router = APIRouter(include_in_schema=False)
for pages in (auth, inbox, tasks, cases, appeal_form, appeals, board, static):
    router.include_router(pages.router)

__all__ = ["router"]
