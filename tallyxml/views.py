"""A company's Tally pages. Import, for owners and accountants: Tally XML files imported as a job
the page polls (vouchers done of the files' total, then Tally's counters and a line per refused
object); JSON answers on the same URL (202 with the job's id; GET ?job= for its state). Export,
for every member: the masters and a period's vouchers as one Tally XML file."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from companies.access import writer_require
from companies.decorators import member_view
from companies.models import Company
from core.errors import DomainError, Invalid, NotFound
from core.http import body_data, json_response, wants_json
from core.jobs import KEPT, Progress, job_get, job_running, job_start, jobs_of
from tallyxml.forms import Encoding, ExportDraft, ImportDraft, export_draft, import_draft
from tallyxml.importing import files_survey, import_streams, rolled_back
from tallyxml.writing import export_write

IMPORT = "tally-import"  # the jobs' `what`
FORM_SLACK = 64 * 1024  # a multipart body's boundaries and fields beside its files
UPLOADS = "uploads"


def import_folder() -> Path:
    """Where imports keep their jobs' progress and, until the job ends, the uploaded files:
    `<data folder>/tally`, seen by every process of the server. An upload older than a job is
    kept (its server died under the job) is removed."""
    folder = Path(settings.VAR_DIR) / "tally"
    (folder / UPLOADS).mkdir(parents=True, exist_ok=True)
    for upload in (folder / UPLOADS).iterdir():
        try:
            if time.time() - upload.stat().st_mtime > KEPT.total_seconds():
                upload.unlink(missing_ok=True)
        except OSError:
            continue
    return folder


@require_http_methods(["GET", "POST"])
@member_view
def tally_import(request: HttpRequest, company: Company) -> HttpResponse:
    """GET: the Import page; with ?job=, that import's progress and at the end its report (JSON:
    the job's state; htmx: the progress region). POST: `files` and `dry_run` start an import
    (JSON: 202 with the job's id; a page follows its progress)."""
    writer_require(company=company, actor=request.user)
    folder = import_folder()
    if request.method == "POST":
        return _import_post(request, company, folder)
    job = None
    if job_id := request.GET.get("job"):
        job = job_get(folder, job_id=job_id, company_id=company.pk)
        if job is None or job["what"] != IMPORT:
            raise NotFound
    if wants_json(request):
        if job is None:  # the company's imports of the last day, newest first
            return json_response({"jobs": jobs_of(folder, company_id=company.pk, what=IMPORT)})
        return json_response(job)
    if job is not None and request.htmx:  # type: ignore[attr-defined]
        return render(request, "tallyxml/import.html#progress", {"job": job})
    recent = [
        {**j, "started": dt.datetime.fromisoformat(j["started_at"])}
        for j in jobs_of(folder, company_id=company.pk, what=IMPORT)
    ]
    return render(request, "tallyxml/import.html", {"job": job, "refused": {}, "recent": recent})


def _import_post(request: HttpRequest, company: Company, folder: Path) -> HttpResponse:
    try:
        _import_may_start(request, company, folder)  # before the body is read
    except Invalid as exc:
        return _import_refused(request, exc, dry_run=False)
    try:
        draft = import_draft(
            company=company, actor=request.user, data=body_data(request), files=request.FILES
        )
    except Invalid as exc:
        return _import_refused(request, exc, dry_run=request.POST.get("dry_run") == "on")
    paths = _uploads_keep(draft, folder)
    kept = replace(draft, files=())  # the job reads the copies; the uploads go with the request
    job = job_start(
        folder,
        company_id=company.pk,
        what=IMPORT,
        work=lambda progress: import_work(kept, paths, progress),
    )
    page = reverse("tally-import", args=[company.pk]) + f"?job={job}"
    if wants_json(request):
        return json_response({"job": job, "url": page}, status=202)
    return redirect(page)


def _import_refused(request: HttpRequest, refusal: Invalid, *, dry_run: bool) -> HttpResponse:
    if wants_json(request):
        raise refusal
    refused = {
        "errors": refusal.errors,
        "general": refusal.errors.get("__all__", []),
        "dry_run": dry_run,
    }
    return render(request, "tallyxml/import.html", {"refused": refused}, status=422)


def _import_may_start(request: HttpRequest, company: Company, folder: Path) -> None:
    """Invalid before the uploads are read: a body larger than an import may be (its
    Content-Length; the form checks the files themselves), or an import of the company still
    running — one at a time, since on SQLite an import (a dry run above all, one transaction
    rolled back at its end) holds the database's write lock while it runs."""
    limit = settings.TALLY_IMPORT_MAX_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit + FORM_SLACK:
        raise Invalid.field(
            "files",
            f"The files come to {filesizeformat(length)}; one import may be at most "
            f"{filesizeformat(limit)} (TALLYSYNC_TALLY_IMPORT_MAX_MB): import them in turn.",
        )
    running = job_running(folder, company_id=company.pk, what=IMPORT)
    if running is not None:
        raise Invalid.field(
            "files",
            "An import into this company is running: wait for it to finish "
            "(its progress is on this page), then import these files.",
        )


def _uploads_keep(draft: ImportDraft, folder: Path) -> list[tuple[str, Path]]:
    """Each upload copied into the import folder (the request's own temporary files go when
    it ends, the job runs on): its name and where it is kept."""
    kept = []
    for upload in draft.files:
        handle, name = tempfile.mkstemp(dir=folder / UPLOADS, suffix=".xml")
        with os.fdopen(handle, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        kept.append((upload.name or "upload.xml", Path(name)))
    return kept


def import_work(draft: ImportDraft, files: list[tuple[str, Path]], progress: Progress) -> dict:
    """The job: count the files' vouchers, import them (in a transaction rolled back at the end
    for a dry run), and answer Tally's counters and lines; the kept uploads are removed."""
    paths = [path for _, path in files]
    try:
        progress(0, 0, "Reading the files")
        total = files_survey(paths).vouchers
        progress(0, total, "Posting")
        company = Company.objects.get(pk=draft.company.pk)
        streams = [path.open("rb") for path in paths]
        try:
            run: dict[str, Any] = {
                "company": company,
                "actor": draft.actor,
                "streams": streams,
                "progress": lambda done: progress(done, total, "Posting"),
            }
            if draft.dry_run:
                with rolled_back():
                    result = import_streams(**run)
            else:
                result = import_streams(**run)
        finally:
            for stream in streams:
                stream.close()
    except ParseError as exc:
        kept = (
            ""
            if draft.dry_run
            else " The vouchers before it are posted: import it again, mended, to go on."
        )
        raise DomainError(f"Not well-formed XML: {exc}.{kept}") from exc
    finally:
        for path in paths:
            path.unlink(missing_ok=True)
    progress(total, total, "Done")
    return import_answer(result, dry_run=draft.dry_run, files=[name for name, _ in files])


def import_answer(result: Any, *, dry_run: bool, files: list[str]) -> dict[str, Any]:
    counters = result.counters()
    said = ", ".join(f"{count} {name}" for name, count in counters.items())
    return {
        "dry_run": dry_run,
        "files": files,
        "counters": counters,
        "lines": result.lines,
        "message": f"{'Dry run, nothing written' if dry_run else 'Imported'}: {said}.",
    }


# An export is written aside, then sent: in memory up to this size, on disk beyond.
IN_MEMORY = 8 * 1024 * 1024
NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@require_GET
@member_view
def tally_export(request: HttpRequest, company: Company) -> HttpResponse:
    """GET: the Export page, the period (`from`, `to`: the current financial year unless
    given) and the `encoding` (UTF-16 or UTF-8); with `download`, the file
    `<company>-<from>-<to>.xml` (a script's JSON GET without it: the defaults)."""
    today = timezone.localdate()
    try:
        draft = export_draft(company=company, data=request.GET.dict(), today=today)
    except Invalid as exc:
        if wants_json(request):
            raise
        context = {"errors": exc.errors, "typed": request.GET.dict(), "encodings": Encoding}
        return render(request, "tallyxml/export.html", context, status=422)
    if "download" in request.GET:
        return _export_file(draft)
    if wants_json(request):
        return json_response(
            {"from": draft.date_from, "to": draft.date_to, "encoding": draft.encoding}
        )
    typed = {
        "from": f"{draft.date_from:%d-%b-%Y}",
        "to": f"{draft.date_to:%d-%b-%Y}",
        "encoding": draft.encoding,
    }
    context = {"errors": {}, "typed": typed, "encodings": Encoding}
    return render(request, "tallyxml/export.html", context)


def _export_file(draft: ExportDraft) -> FileResponse:
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115 (FileResponse closes it)
    export_write(
        draft.company,
        out,  # type: ignore[arg-type]
        date_from=draft.date_from,
        date_to=draft.date_to,
        encoding=draft.encoding,
    )
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=NOT_IN_FILE_NAMES.sub("-", draft.filename),
        content_type=f"text/xml; charset={draft.encoding}",
    )
