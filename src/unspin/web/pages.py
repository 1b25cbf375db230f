"""The web app's pages: the form page, the empty report frame and the error page, from
package files beside this module (``page.html``, ``page.css``, ``blank.html``,
``error.html``) filled with :class:`string.Template`, every value escaped; and the
Content-Security-Policy each kind of answer is served with.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import json
from importlib import resources
from string import Template

from unspin.errors import UnspinError

__all__ = ["BLANK", "DEFAULT_CSP", "PAGE", "PAGE_CSP", "REPORT_CSP", "error_page"]

_SCRIPT_SHA256 = base64.b64encode(hashlib.sha256(
    resources.files("unspin.render").joinpath("report.js").read_text(encoding="utf-8")
    .encode("utf-8")).digest()).decode("ascii")

#: The page: no script, forms only to itself, frames only from itself.
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
            "frame-src 'self'; base-uri 'none'; frame-ancestors 'none'")
#: The report frame: the renderer's own script (by hash) and nothing else, in a sandbox.
REPORT_CSP = (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{_SCRIPT_SHA256}'; "
              "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; "
              "sandbox allow-scripts")
#: JSON and everything else.
DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'"


def _template(name: str) -> str:
    """A page template shipped as a package file beside this module (``web/*.html``)."""
    return resources.files("unspin.web").joinpath(name).read_text(encoding="utf-8")


PAGE = Template(_template("page.html")).substitute(style=_template("page.css"))
BLANK = _template("blank.html")
_ERROR = Template(_template("error.html"))


def error_page(status: int, error: UnspinError) -> str:
    e = html_lib.escape
    return _ERROR.substitute(
        status=status, name=e(type(error).__name__), code=e(error.code), message=e(error.message),
        details=e(json.dumps(error.to_dict(), indent=2, ensure_ascii=False)))


