"""The driver: one Article through clean, language check, backbone and stages, into a Report.

``Analyzer`` owns the loop (and the models, loaded once). Every stage runs under one error
handler: an unexpected exception becomes a PipelineError naming the stage and the document,
which the CLI shows and batch mode records.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from unspin.article import Article
from unspin.backbone import parse_in_parts
from unspin.clean import clean
from unspin.errors import PipelineError, UnspinError
from unspin.ingest import from_string
from unspin.lang import detect_language
from unspin.options import DEFAULT_OPTIONS, Options
from unspin.report.build import build_report
from unspin.report.models import Report, Warning_

if TYPE_CHECKING:
    from unspin.pipeline import Pipeline

__all__ = ["Analyzer", "analyze"]


class Analyzer:
    """Analyses articles with one set of options; the pipeline is built on first use.

    ``model`` (``"small"`` or ``"base"``) overrides ``options.model``: the encoder every
    learned stage reads."""

    def __init__(self, options: Options = DEFAULT_OPTIONS, pipeline: Pipeline | None = None,
                 *, model: str | None = None) -> None:
        self.options = options if model is None else options.with_(model=model)
        self._pipeline = pipeline
        self._lock = threading.Lock()
        self._model: dict[str, str | None] | None = None

    @property
    def pipeline(self) -> Pipeline:
        with self._lock:
            if self._pipeline is None:
                from unspin.pipeline import build_pipeline  # spaCy loads here, not at import

                self._pipeline = build_pipeline(self.options)
            return self._pipeline

    def analyze(self, content: str, *, id: str | None = None, url: str | None = None) -> Report:
        """Analyse a string of article text or HTML."""
        t0 = time.perf_counter()
        article = from_string(content, self.options, id=id, url=url)
        return self.analyze_article(article, ingest_ms=(time.perf_counter() - t0) * 1000)

    def analyze_article(self, article: Article, *, ingest_ms: float | None = None) -> Report:
        """Clean, check the language, parse and run every stage; the Report of ``article``."""
        timings: dict[str, float] = {}
        if ingest_ms is not None:
            timings["ingest"] = ingest_ms
        warnings = [Warning_(code=c, message=m) for c, m in article.warnings]
        t = time.perf_counter()
        if self.options.clean:
            article = clean(article)
        timings["clean"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        language = detect_language(article.text)
        timings["language"] = (time.perf_counter() - t) * 1000
        if not language.is_english:
            warnings.append(Warning_(
                code="W010",
                message=(f"the text looks like language {language.code!r} ({language.script} "
                         "script), not English; the English-only stages (parse, quotes, "
                         "techniques, narratives, roles) were skipped"),
            ))
            return build_report(article, None, language=language.code, warnings=warnings,
                                timings=timings)
        pipe = self.pipeline
        notice = self._default_notice()
        if notice is not None:
            warnings.append(Warning_(code="W021", message=notice))
        for stage, reason in pipe.skipped.items():
            warnings.append(Warning_(code="W020", message=f"stage {stage!r} skipped: {reason}"))
        from unspin.pipeline import factory_name  # loaded with the pipeline already

        nlp = pipe.nlp
        stage_names = {factory_name(stage) for stage in pipe.stages}
        backbone = [(n, p) for n, p in nlp.pipeline if n not in stage_names]
        t = time.perf_counter()
        try:
            # A text longer than the parser takes is parsed in parts (PART_CHARS), joined.
            doc = parse_in_parts(nlp.make_doc, [p for _, p in backbone], article.text)
        except UnspinError:
            raise
        except Exception as exc:
            raise PipelineError(
                f"the backbone failed on {article.id}: {type(exc).__name__}: {exc} "
                "(this is a bug in unspin; please report it with the input)",
                stage="backbone", record=article.id,
            ) from exc
        backbone_ms = (time.perf_counter() - t) * 1000
        for name, proc in nlp.pipeline:
            if name not in stage_names:
                continue
            t = time.perf_counter()
            try:
                doc = proc(doc)
            except UnspinError:
                raise
            except Exception as exc:
                raise PipelineError(
                    f"stage {name} failed on {article.id}: {type(exc).__name__}: {exc} "
                    "(this is a bug in unspin; please report it with the input)",
                    stage=name, record=article.id,
                ) from exc
            ms = (time.perf_counter() - t) * 1000
            encoding_ms = getattr(doc._, "encoding_ms", None)
            if encoding_ms is not None and "encoding" not in timings:
                # the shared encoder pass ran inside this stage (the first to need it)
                timings["encoding"] = encoding_ms
                ms -= encoding_ms
            timings[name.removeprefix("unspin_")] = ms
        timings["backbone"] = backbone_ms
        t = time.perf_counter()
        report = build_report(article, doc, language=language.code, warnings=warnings,
                              timings=timings, model=self._model_info(doc))
        report.timings["report"] = round((time.perf_counter() - t) * 1000, 3)
        return report

    def _default_notice(self) -> str | None:
        """W021: nobody chose a model, the default (base) is not installed, small ran."""
        from unspin.encoder import default_notice

        return default_notice(self.options.model)

    def _model_info(self, doc: object) -> dict[str, str | None] | None:
        """What the report records of the model: the encoder its stages read, when one did."""
        if getattr(getattr(doc, "_", None), "encoding", None) is None:
            return None  # no learned stage read the encoder (rules only, or none ran)
        if self._model is None:
            from unspin.encoder import model_info

            self._model = model_info(self.pipeline.model)
        return self._model

    @property
    def model(self) -> str:
        """The encoder the learned stages read: ``small`` or ``base`` (see Options.model)."""
        from unspin.encoder import spec

        return spec(self.options.model).key

    def analyze_many(self, articles: Iterable[Article | UnspinError]
                     ) -> Iterator[Report | UnspinError]:
        """Each article's Report, or the error it raised; one bad document never stops the rest."""
        for item in articles:
            if isinstance(item, UnspinError):
                yield item
                continue
            try:
                yield self.analyze_article(item)
            except UnspinError as exc:
                exc.context.setdefault("record", item.id)
                yield exc


_default: dict[Options, Analyzer] = {}
_default_lock = threading.Lock()


def analyze(content: str, options: Options = DEFAULT_OPTIONS, *, id: str | None = None,
            url: str | None = None, model: str | None = None) -> Report:
    """``unspin.analyze("…text or html…")``: the Report of one article.

    ``model`` (``"small"`` or ``"base"``) chooses the encoder, as ``Options(model=…)`` does.
    The models are loaded on the first call and reused by later calls with the same options.
    """
    if model is not None:
        options = options.with_(model=model)
    with _default_lock:
        analyzer = _default.get(options)
        if analyzer is None:
            analyzer = _default[options] = Analyzer(options)
    return analyzer.analyze(content, id=id, url=url)
