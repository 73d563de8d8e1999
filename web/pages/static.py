"""The stylesheet. Served by a route rather than a mount, so it rides in the pages' router."""

from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse

from web.pages.route import PageRoute

router = APIRouter(route_class=PageRoute)
STATIC = Path(__file__).parent.parent / "static"
FILES = {p.name: p for p in STATIC.iterdir() if p.is_file()}


@router.get("/static/{name}")
async def static_file(name: str) -> FileResponse:
    if name not in FILES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "error.404")
    return FileResponse(FILES[name], headers={"Cache-Control": "public, max-age=3600"})
