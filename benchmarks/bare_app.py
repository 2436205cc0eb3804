"""Baseline: a bare Starlette app that answers the same POST without validation or storage."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def submit(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"id": "0" * 32}, 201)


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[Route("/api/forms/{form_id}", submit, methods=["POST"]), Route("/api/health", health)]
)
