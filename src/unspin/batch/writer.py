"""The output folder: atomic Parquet shards, the set of finished ids, and the manifest.

Layout::

    OUT/
      manifest.json              unspin version, models, options, inputs, one entry per run
      shards/
        part-000001/             one shard = the rows of a batch of records, every table
          articles.parquet
          actors.parquet  …  removed.parquet
          failures.parquet
        part-000002/ …
      derived/                   corpus-wide tables rebuilt after each run (unspin.batch.derived)

A shard is written into a hidden ``.tmp-…`` folder, each file fsynced, then renamed into
place with one ``os.replace``: a killed run leaves either the whole shard or none of it
(leftover ``.tmp-…`` folders are removed by the next run). A record's id is in exactly one
shard, in ``articles`` or in ``failures``; the ids in the finished shards are what a rerun
skips.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from unspin import __version__
from unspin.batch.tables import SCHEMAS, TABLES
from unspin.batch.worker import Outcome
from unspin.errors import ConfigError, InputError
from unspin.options import Options
from unspin.report.models import SCHEMA_VERSION

__all__ = ["MANIFEST", "ShardStore", "manifest_model", "read_table"]

MANIFEST = "manifest.json"
SHARDS = "shards"
FORMAT = "unspin-batch/1"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_table(out: Path, table: str, columns: list[str] | None = None) -> pa.Table:
    """One table across every finished shard of ``out`` (empty, with its schema, if none)."""
    schema = SCHEMAS[table]
    parts = [pq.read_table(p, columns=columns, schema=schema)
             for p in sorted((out / SHARDS).glob(f"part-*/{table}.parquet"))]
    if not parts:
        if columns is not None:
            schema = pa.schema([schema.field(c) for c in columns])
        return schema.empty_table()
    return pa.concat_tables(parts)


class ShardStore:
    """Writes shards into ``out`` and knows which record ids are finished."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.shards = out / SHARDS

    # ---------------------------------------------------------------- setup
    def prepare(self, *, force: bool) -> None:
        """Create the folders; ``force`` deletes earlier shards and the manifest first."""
        if self.out.exists() and not self.out.is_dir():
            raise ConfigError(f"{self.out} is a file; give a folder for the batch output")
        if force:
            if self.shards.exists():
                shutil.rmtree(self.shards)
            shutil.rmtree(self.out / "derived", ignore_errors=True)  # built from those shards
            (self.out / MANIFEST).unlink(missing_ok=True)
        elif self.out.is_dir() and any(self.out.iterdir()) and not (self.out / MANIFEST).exists():
            raise ConfigError(f"{self.out} is not empty and holds no {MANIFEST}; give an empty or "
                              "new folder (or an earlier batch output to resume it)")
        self.shards.mkdir(parents=True, exist_ok=True)
        for tmp in self.shards.glob(".tmp-*"):  # shards a killed run was still writing
            shutil.rmtree(tmp, ignore_errors=True)

    # ---------------------------------------------------------------- reading
    def shard_dirs(self) -> list[Path]:
        return sorted(p for p in self.shards.glob("part-*") if p.is_dir())

    def done_ids(self) -> set[str]:
        """Ids of every record in a finished shard (analysed or failed)."""
        done: set[str] = set()
        for table, column in (("articles", "id"), ("failures", "id")):
            done.update(read_table(self.out, table, [column]).column(column).to_pylist())
        return done

    def counts(self) -> tuple[int, int]:
        """(articles, failures) rows over every finished shard."""
        return (sum(pq.read_metadata(p).num_rows for p in self.shards.glob("part-*/articles.parquet")),
                sum(pq.read_metadata(p).num_rows for p in self.shards.glob("part-*/failures.parquet")))

    # ---------------------------------------------------------------- writing
    def _next_name(self) -> str:
        numbers = [int(p.name.split("-")[1]) for p in self.shard_dirs()
                   if p.name.split("-")[1].isdigit()]
        return f"part-{max(numbers, default=0) + 1:06d}"

    def write_shard(self, outcomes: Iterable[Outcome]) -> Path | None:
        """Write one shard holding ``outcomes`` (every table, even empty ones); atomically."""
        outcomes = list(outcomes)
        if not outcomes:
            return None
        rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
        for o in outcomes:
            for table, table_rows in o.rows.items():
                rows[table].extend(table_rows)
        name = self._next_name()
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=self.shards))
        try:
            for table in TABLES:
                data = pa.Table.from_pylist(rows[table], schema=SCHEMAS[table])
                path = tmp / f"{table}.parquet"
                pq.write_table(data, path, compression="zstd")
                with path.open("rb") as fh:
                    os.fsync(fh.fileno())
            _fsync_dir(tmp)
            final = self.shards / name
            os.replace(tmp, final)
            _fsync_dir(self.shards)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    # ---------------------------------------------------------------- manifest
    def read_manifest(self) -> dict[str, Any] | None:
        path = self.out / MANIFEST
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read {path} ({exc}); rerun with --force to start over") from exc
        if not isinstance(data, dict):
            raise InputError(f"{path} holds no manifest object; rerun with --force to start over")
        return data

    def start_manifest(self, options: Options, inputs: list[dict[str, Any]],
                       run: dict[str, Any]) -> dict[str, Any]:
        """Create the manifest, or check an earlier one matches and add this run to it."""
        from unspin.encoder import spec

        options = options.with_(model=spec(options.model).key)  # the default, named
        opts = _options_dict(options)
        manifest = self.read_manifest()
        if manifest is None:
            manifest = {
                "format": FORMAT,
                "unspin_version": __version__,
                "schema_version": SCHEMA_VERSION,
                "created": _now(),
                "options": opts,
                "models": models_info(options),
                "tables": {t: [f"{f.name}: {f.type}" for f in SCHEMAS[t]] for t in TABLES},
                "inputs": inputs,
                "runs": [],
            }
        else:
            before = {**(manifest.get("options") or {}), "model": manifest_model(manifest)}
            if before["model"] != opts["model"]:
                raise ConfigError(
                    f"{self.out} was started with the {before['model']} model, and this run "
                    f"asks for {opts['model']}: one batch's reports come from one model; rerun "
                    f"with --model {before['model']}, or pass --force to start over",
                    path=str(self.out))
            if before != opts:
                raise ConfigError(
                    f"{self.out} was written with other options ({manifest.get('options')}); "
                    "rerun with the same options, or pass --force to start over")
            if manifest.get("schema_version") != SCHEMA_VERSION:
                raise ConfigError(
                    f"{self.out} holds report schema {manifest.get('schema_version')}, this "
                    f"unspin writes {SCHEMA_VERSION}; pass --force to start over")
            known = {i.get("input") for i in manifest.get("inputs", [])}
            manifest["inputs"] = [*manifest.get("inputs", []),
                                  *(i for i in inputs if i.get("input") not in known)]
        manifest["runs"] = [*manifest.get("runs", []), run]
        self.write_manifest(manifest)
        return manifest

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        _atomic_write_text(self.out / MANIFEST, json.dumps(manifest, indent=2, sort_keys=False) + "\n")


def manifest_model(manifest: dict[str, Any]) -> str:
    """The model a batch output's reports come from, as its manifest records it (small for
    a manifest written before the model was a choice)."""
    return str((manifest.get("options") or {}).get("model") or "small")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _options_dict(options: Options) -> dict[str, Any]:
    d = asdict(options)
    d["stages"] = list(options.stages)
    return d


#: The artifact folder each stage reads (where it differs from the stage's name).
_ARTIFACTS = {"quotes": "attribution"}


def models_info(options: Options) -> dict[str, Any]:
    """The backbone package, the encoder (:func:`unspin.encoder.model_info`: small or base,
    with its hashes) and each requested stage's artifact provenance (its meta.json), read
    from disk without loading any model."""
    import importlib.metadata

    from unspin.backbone import MODEL_PACKAGE
    from unspin.encoder import model_info, spec
    from unspin.errors import UnspinError

    try:
        backbone_version = importlib.metadata.version(MODEL_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        backbone_version = None
    sp = spec(options.model)
    try:
        encoder: dict[str, Any] = dict(model_info(sp.key))
    except UnspinError:  # the encoder is not installed: the learned stages are skipped
        encoder = {"model": sp.key, "encoder": sp.name}
    info: dict[str, Any] = {"backbone": {"package": MODEL_PACKAGE, "version": backbone_version},
                            "encoder": encoder, "stages": {}}
    package = Path(__file__).resolve().parent.parent
    for stage in options.stages:
        folder = sp.artifact(_ARTIFACTS.get(stage, stage))
        meta = folder / "meta.json"
        entry: dict[str, Any] = {"artifact": None}
        if meta.is_file():
            try:
                data = json.loads(meta.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
            entry = {"artifact": folder.relative_to(package.parent).as_posix(),
                     **{k: data[k] for k in ("name", "version", "data_hash", "commit", "command")
                        if k in data}}
        info["stages"][stage] = entry
    return info
