"""``mkdocs serve`` while the content has a mistake: the open page shows it (issue 22 #4).

MkDocs' live-reload server holds every page request until the running build is done; when a
rebuild fails it never marks one done, so the browser spins for ever and the Dutch message is
only in the terminal. ``Preview.install`` (from the plugin's ``on_serve``) changes two things:

- the rebuild: a failed build counts as done (MkDocs' English "server will appear stuck"
  never comes), and what went wrong is kept;
- the answer to a page request: while the last build failed, the page is the Dutch list of
  mistakes (``content/notice.py``) with MkDocs' own live-reload script, so it turns into the
  fixed page as soon as a build succeeds; without JavaScript a meta refresh does the same.

It reads three attributes of MkDocs' ``LiveReloadServer`` (``_epoch_cond``, ``_visible_epoch``,
``_wanted_epoch``: mkdocs is pinned below 2) and is tested over real HTTP
(``tests/test_preview.py``).
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Callable, Iterable
from typing import Any

from mkdocs.utils import CountHandler

from spiegel.content.notice import error_page, split

log = logging.getLogger("mkdocs.plugins.spiegel")

__all__ = ["Preview"]


def _is_page(path: str) -> bool:
    last = path.rsplit("/", 1)[-1]
    return path.endswith("/") or last.endswith(".html") or not posixpath.splitext(last)[1]


class Preview:
    """The state of one ``mkdocs serve``: the messages of the last failed build, or None."""

    def __init__(self) -> None:
        self.failure: list[str] | None = None
        self.serving = False  # the command is `mkdocs serve` (the plugin's on_startup)
        self.installed = False  # on_serve has run: the server answers pages through us
        self.held = False  # this build failed, and goes on quietly to let the preview start

    @property
    def starting(self) -> bool:
        """The first build of `mkdocs serve`, before its server runs: a mistake then must not
        stop the preview (MkDocs would exit and the author would have no page at all)."""
        return self.serving and not self.installed

    def hold(self, message: str) -> None:
        """The first build failed: keep its messages for the page, tell them in the terminal,
        and let MkDocs finish an empty build (its count of warnings emptied, or strict mode
        would stop it) so the server starts and shows them."""
        self.failure, self.held = split(message), True
        log.error(message)
        log.error(
            "spiegel: het voorbeeld start toch; de pagina in de browser toont de fout. Verbeter"
            " het bestand en sla het op; de pagina laadt dan vanzelf opnieuw."
        )
        handlers = logging.getLogger("mkdocs").handlers

        def not_done(record: logging.LogRecord) -> bool:
            """MkDocs' "Documentation built" of this empty build is not true: left out once."""
            if record.getMessage().startswith(("Documentation built in", "De site is klaar")):
                for handler in handlers:
                    handler.removeFilter(not_done)
                return False
            return True

        for handler in handlers:
            if isinstance(handler, CountHandler):
                handler.counts.clear()
            elif not_done not in handler.filters:
                handler.addFilter(not_done)

    def install(self, server: Any) -> Any:
        self.installed = True
        original: Callable[..., None] = server.builder

        def builder(config: Any = None) -> None:
            self.failure = None
            try:
                original() if config is None else original(config)
            except (Exception, SystemExit) as exc:  # MkDocs' Abort is a SystemExit
                if self.failure is None:  # not through on_build_error: mkdocs.yml itself
                    self.failure = [f"mkdocs.yml of de bouw zelf: {exc}"]
                log.error(
                    "spiegel: de fout staat nu ook in de browser. Verbeter het bestand en sla het"
                    " op; de pagina laadt dan vanzelf opnieuw."
                )

        server.builder = builder
        app = server.get_app()

        def serve(request: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if not _is_page(request.get("PATH_INFO", "")):  # the WSGI environment
                return app(request, start_response)
            with server._epoch_cond:  # a build that is running now decides what to show
                server._epoch_cond.wait_for(
                    lambda: server._visible_epoch == server._wanted_epoch, timeout=30
                )
                epoch = server._visible_epoch
            failure = self.failure
            if failure is None:
                return app(request, start_response)
            body = server._inject_js_into_html(error_page(failure).encode("utf-8"), epoch)
            # 200, not 503: MkDocs logs every other answer as an English WARNING line, and
            # the page reloads itself every few seconds
            start_response(
                "200 OK",
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                    ("Cache-Control", "no-store"),
                ],
            )
            return [body]

        server.set_app(serve)
        return server
