"""What the routing table says about a path, for the answers routing gives itself: a 405 lists
in ``Allow`` every method the path accepts, whichever routes serve them (Starlette lists only
the first route's), and a 404 for a path no route serves says so. And which of them an
operation documents: the 404 when its path has an id of a format, the 405 when a client
reading the document would send it a path that is another route's (``GET
/appeals/register`` looks like ``GET /appeals/{appeal_id}``)."""

from collections.abc import Iterable

from fastapi import Request
from fastapi.routing import RouteContext, iter_route_contexts
from starlette.routing import Match, compile_path

from web.paths import IdFormat

UNROUTED = ("nothing is served at this path: check it and the format of each id in it "
            "(a case number looks like AKT-2026-000123); the paths are in /docs")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts on the request's path, sorted."""
    scope = {**request.scope, "method": ""}  # matches every route of the path, none fully
    return sorted({method for route in iter_route_contexts(request.app.routes)
                   if route.matches(scope)[0] is not Match.NONE
                   for method in route.methods or ()})


def routed(request: Request) -> bool:
    """Whether a route took the request (a 404 of routing itself, when not)."""
    return "endpoint" in request.scope


def takes_ids(route: RouteContext) -> bool:
    """Whether a segment of ``route``'s path is an id of a format: a request whose id is not
    in it finds no route, a 404."""
    return any(isinstance(c, IdFormat) for c in route.param_convertors.values())


def shadowed(route: RouteContext, routes: Iterable[RouteContext]) -> bool:
    """Whether a path of ``route``'s shape, any value in each id, may be another path of
    ``routes`` (a literal segment where ``route`` has an id) that does not accept one of
    ``route``'s methods: a request a client addresses to ``route`` answered 405 by routing."""
    shape = compile_path(route.path_format or "/")[0]  # each id: any segment
    others: dict[str, set[str]] = {}
    for other in routes:
        if other.path_format and other.path_format != route.path_format:
            others.setdefault(other.path_format, set()).update(other.methods or ())
    return any(shape.fullmatch(path) and not (route.methods or set()) <= methods
               for path, methods in others.items())
