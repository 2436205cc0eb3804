"""Spiegel's form endpoint: a small ASGI app (Starlette) that validates and stores submissions.

Import cost matters here (serverless cold starts): nothing in this package imports frictionless,
Jinja2, MkDocs or Markdown.
"""
