"""The FastAPI application: created once per process, with the Temporal client and the store
engine made in its lifespan (or handed in by tests)."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import structlog
import uvicorn
from fastapi import FastAPI, Request, Response

from activities.districts import load_districts
from ombudsflow.client import connect
from ombudsflow.codec import KeyRing
from ombudsflow.config import Settings, get_settings
from ombudsflow.logging import configure_logging
from store.db import create_schema, make_engine
from web import temporal_ui
from web.audit import audit_case_access
from web.codec_server import router as codec_router
from web.deps import Services
from web.errors import document_refusals, install_error_handlers
from web.metrics import RequestMetrics, exposition
from web.pages import router as pages_router
from web.ratelimit import RateLimits
from web.routes import api_router
from web.telegram import dispatcher, telegram_bot
from web.telegram import router as telegram_router


class Api(FastAPI):
    def openapi(self) -> dict[str, Any]:
        """FastAPI's document, with the refusals each operation answers (web.errors)."""
        if self.openapi_schema is None:
            document_refusals(super().openapi(), self.routes)
        return super().openapi()


def create_app(settings: Settings, *, services: Services | None = None) -> FastAPI:
    """The app; ``services`` given (tests) means no connections are made here."""

    bot = telegram_bot(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is not None:
            app.state.services = services
        else:
            engine = make_engine(settings.database_url)
            create_schema(engine)
            client = await connect(settings, KeyRing.from_settings(settings))
            app.state.services = Services(settings=settings, client=client, engine=engine)
            load_districts(settings.districts_file)  # a broken directory stops the start-up
        try:
            yield
        finally:
            await app.state.temporal_ui.aclose()
            if bot is not None:
                await bot.session.close()

    app = Api(
        title="Ombudsflow",
        summary="The response to reported violations of children's rights, Order No. 149 "
                "(2024) ¶10–¶11, as durable workflows.",
        version="1",
        lifespan=lifespan,
    )
    if services is not None:
        app.state.services = services
    app.state.telegram_bot, app.state.telegram_dispatcher = bot, dispatcher()
    app.state.limits = RateLimits.from_settings(settings)
    install_error_handlers(app)
    app.middleware("http")(audit_case_access)

    @app.middleware("http")
    async def bind_request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            response = await call_next(request)
        response.headers["X-Request-ID"] = request_id
        return response

    app.add_middleware(RequestMetrics)  # added last: the outermost, counting every answer
    app.include_router(exposition(settings))
    app.include_router(api_router)
    app.include_router(codec_router)
    temporal_ui.mount(app, settings)
    app.include_router(pages_router)
    app.include_router(telegram_router)
    return app


def serve(settings: Settings) -> None:
    """Serve the app with uvicorn on ``settings.web_host:web_port`` until stopped."""
    uvicorn.run(create_app(settings), host=settings.web_host, port=settings.web_port,
                log_config=None)


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
    serve(settings)


if __name__ == "__main__":
    main()
