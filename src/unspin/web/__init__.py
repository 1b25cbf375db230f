"""The local web app: a page to paste text, give a URL or upload a file, and a JSON API.

``create_app()`` builds the FastAPI application (models load once, at start-up);
``unspin serve`` (``unspin.cli_web.serve``) runs it with uvicorn. Needs the ``web`` extra.
"""

from unspin.web.app import create_app

__all__ = ["create_app"]
