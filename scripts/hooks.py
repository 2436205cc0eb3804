"""MkDocs hooks entry point (mkdocs.yml `hooks:`). The logic lives in spiegel.site.hooks."""

from spiegel.site.hooks import (  # noqa: F401
    on_build_error,
    on_config,
    on_files,
    on_page_content,
    on_post_build,
    on_post_page,
    on_post_template,
)
