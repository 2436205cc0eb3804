"""Second baseline: the least an endpoint must do to be durable. Starlette parses the JSON body,
one SQLite INSERT (WAL, ``synchronous=FULL``, one writer) is committed before the 201. No
validation, no encryption, no outbox: what Spiegel adds on top is the difference to this.

The database path comes from ``DURABLE_DB`` (a temporary file made by benchmarks/endpoint.py).
"""

import json
import os
import sqlite3
import threading
import uuid

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

_db = sqlite3.connect(os.environ["DURABLE_DB"], check_same_thread=False, isolation_level=None)
_db.execute("PRAGMA journal_mode=WAL")
_db.execute("PRAGMA synchronous=FULL")
_db.execute("CREATE TABLE IF NOT EXISTS submissions (id TEXT PRIMARY KEY, form TEXT, payload TEXT)")
_lock = threading.Lock()


async def submit(request: Request) -> JSONResponse:
    payload = json.loads(await request.body())
    row_id = uuid.uuid4().hex
    with _lock:
        _db.execute("BEGIN IMMEDIATE")
        _db.execute(
            "INSERT INTO submissions VALUES (?, ?, ?)",
            (row_id, request.path_params["form_id"], json.dumps(payload)),
        )
        _db.execute("COMMIT")
    return JSONResponse({"id": row_id}, 201)


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[Route("/api/forms/{form_id}", submit, methods=["POST"]), Route("/api/health", health)]
)
