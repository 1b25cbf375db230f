"""Presentation: everything here reads a Report (or its JSON dict), never a spaCy Doc."""

from unspin.render.html import render_html
from unspin.render.text import render_text

__all__ = ["render_html", "render_text"]
