"""Request parsing for the web app: a JSON body, a multipart upload or the page's form
becomes one :class:`Input` (what was sent and the hints that go with it), or a
:class:`RequestError` with its HTTP status. Nothing here reads an article: the service
hands the Input to the one ingest entry, :func:`unspin.ingest.to_article`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from starlette.datastructures import FormData, UploadFile
from starlette.requests import ClientDisconnect, Request

from unspin.errors import InputError, UnspinError

__all__ = ["MULTIPART_SCHEMA", "AnalyzeRequest", "Input", "Kind", "RequestError", "json_input",
           "media_type", "multipart_input", "page_input"]

Kind = Literal["auto", "text", "html"]


def _request_schema_extra(schema: dict[str, Any]) -> None:
    schema["oneOf"] = [{"required": ["text"]}, {"required": ["html"]}, {"required": ["url"]}]
    schema["examples"] = [{"text": "The minister said the plan \"will fail\".", "id": "a1"}]
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)  # absent means "not given", never null


_Content = Annotated[str, StringConstraints(pattern=r"\S")]
_Url = Annotated[str, StringConstraints(pattern=r"^https?://", max_length=2048)]
_Id = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class AnalyzeRequest(BaseModel):
    """The JSON body of ``POST /api/analyze``: exactly one of ``text``, ``html`` or ``url``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_request_schema_extra)

    text: _Content | SkipJsonSchema[None] = Field(
        default=None, description="The article as plain text.")
    html: _Content | SkipJsonSchema[None] = Field(
        default=None, description="The article's HTML page; its main text is extracted first.")
    url: _Url | SkipJsonSchema[None] = Field(
        default=None,
        description="A public http(s) URL to fetch (private, loopback and link-local hosts "
                    "are refused unless the server allows them).")
    id: _Id | SkipJsonSchema[None] = Field(
        default=None, description="The report's id (default: derived from the content or URL).")

    @model_validator(mode="after")
    def _exactly_one_source(self) -> AnalyzeRequest:
        given = [k for k in ("text", "html", "url") if k in self.model_fields_set]
        if len(given) != 1:
            raise ValueError("give exactly one of text, html or url"
                             + (f" (got {', '.join(given)})" if given else ""))
        for key in ("text", "html", "url", "id"):
            if key in self.model_fields_set and getattr(self, key) is None:
                raise ValueError(f"{key} must be a string, not null")
        return self




MULTIPART_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["file"],
    "additionalProperties": False,
    "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "An article as a text or HTML file (UTF-8 or a detectable "
                                "encoding)."},
        "id": {"type": "string", "minLength": 1, "maxLength": 200},
        "kind": {"type": "string", "enum": ["auto", "text", "html"], "default": "auto",
                 "description": "Force text or HTML instead of detecting it."},
    },
}




class RequestError(Exception):
    """An error about the request itself (not JSON, wrong media type…), with its status."""

    def __init__(self, status: int, error: UnspinError) -> None:
        super().__init__(str(error))
        self.status = status
        self.error = error


@dataclass(frozen=True)
class Input:
    """One request's article: pasted ``content``, a ``url`` or an ``upload`` (name, bytes)."""

    content: str | None = None
    kind: Kind = "auto"
    url: str | None = None
    upload: tuple[str, bytes] | None = None
    id: str | None = None


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _field_errors(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors(include_url=False, include_input=False):
        if e["type"] == "none_required":  # the other branch of `str | None`: noise
            continue
        loc = str(e["loc"][0]) if e["loc"] else "body"
        parts.append(f"{loc}: {e['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def _gone(exc: ClientDisconnect) -> RequestError:
    """A client that closed the connection before its body arrived: a coded 400 (which no
    one reads) instead of a traceback in the server's log."""
    return RequestError(400, InputError("the client closed the connection before the whole "
                                        "request body arrived; send it again"))


async def json_input(request: Request) -> Input:
    try:
        raw = await request.body()
    except ClientDisconnect as exc:
        raise _gone(exc) from exc
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise RequestError(400, InputError(
            f"the request body is not valid JSON ({exc}); send "
            '{"text": "…"}, {"html": "…"} or {"url": "https://…"}')) from exc
    try:
        req = AnalyzeRequest.model_validate(data)
    except ValidationError as exc:
        raise RequestError(422, InputError(
            "the request does not match the schema (see /openapi.json): " + _field_errors(exc),
            errors=_field_errors(exc))) from exc
    if req.url is not None:
        return Input(url=req.url, id=req.id)
    if req.html is not None:
        return Input(content=req.html, kind="html", id=req.id)
    return Input(content=req.text, kind="text", id=req.id)


async def _read_form(request: Request, max_body: int) -> FormData:
    try:
        return await request.form(max_files=1, max_fields=16, max_part_size=max_body)
    except ClientDisconnect as exc:
        raise _gone(exc) from exc


async def _upload_bytes(value: UploadFile | str, limit: int) -> tuple[str, bytes]:
    if isinstance(value, str):
        return "upload", value.encode("utf-8", "surrogatepass")
    data = await value.read(limit + 1)
    return (value.filename or "upload"), data


def _kind(value: object) -> Kind:
    if value in (None, "", "auto"):
        return "auto"
    if value in ("text", "html"):
        return value
    raise RequestError(422, InputError(f"kind must be auto, text or html, not {value!r}"))


def _id(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 200:
        raise RequestError(422, InputError("id must be a string of at most 200 characters"))
    return value


async def multipart_input(request: Request, max_body: int, max_bytes: int) -> Input:
    form = await _read_form(request, max_body)
    try:
        unknown = sorted(set(form.keys()) - {"file", "id", "kind"})
        if unknown:
            raise RequestError(422, InputError(
                f"unknown form field(s) {', '.join(unknown)}; send file, and optionally id "
                "and kind", fields=",".join(unknown)))
        if "file" not in form:
            raise RequestError(422, InputError(
                "the multipart form has no file field; send the article as `file`"))
        if len(form.getlist("file")) > 1:
            raise RequestError(422, InputError("send one file per request"))
        upload = await _upload_bytes(form["file"], max_bytes)
        return Input(upload=upload, kind=_kind(form.get("kind")), id=_id(form.get("id")))
    finally:
        await form.close()


async def page_input(request: Request, max_body: int, max_bytes: int) -> Input:
    """The page's form: whichever one of text, URL or file was given."""
    if media_type(request) not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise RequestError(415, InputError("post the page's form (multipart/form-data)"))
    form = await _read_form(request, max_body)
    try:
        text = form.get("text")
        url = form.get("url")
        file = form.get("file")
        kind, rid = _kind(form.get("kind")), _id(form.get("id"))
        given: list[Input] = []
        if isinstance(text, str) and text.strip():
            given.append(Input(content=text, kind=kind, id=rid))
        if isinstance(url, str) and url.strip():
            given.append(Input(url=url.strip(), id=rid))
        if isinstance(file, UploadFile) and (file.filename or (file.size or 0) > 0):
            given.append(Input(upload=await _upload_bytes(file, max_bytes), kind=kind, id=rid))
        if len(given) != 1:
            raise RequestError(422, InputError(
                "give one of: pasted text, a URL or a file" + (" (not several)" if given else "")))
        return given[0]
    finally:
        await form.close()


