"""A company's backups, for its owners: the list, "Back up now", download, and restore from a
listed or uploaded archive (as a new company, a copy under a new name, or replacing this one).
Pages run the long work as a job they poll (backups.jobs); the JSON API waits for it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from backups.folder import (
    UPLOADS,
    Archive,
    archive_adopt,
    archive_find,
    archive_write,
    archives_list,
    folder_get,
    folder_path,
    last_good,
)
from backups.jobs import job_get, job_start
from backups.restore import MODES, Restored, restore
from backups.schedule import WARN_AFTER
from companies.access import OWNERS, membership_require
from companies.decorators import member_view
from companies.models import Company, Membership
from companies.selectors import memberships_of_user
from core.errors import Invalid, NotFound
from core.http import body_data, json_response, wants_json


def archive_json(company: Company, archive: Archive) -> dict[str, Any]:
    summary = archive.summary()
    return {
        "name": archive.name,
        "company": summary.get("company", company.name),
        "taken_at": archive.at,
        "kind": archive.kind,
        "encrypted": archive.encrypted,
        "size": archive.size,
        "app_version": summary.get("app_version"),
        "rows": summary.get("rows"),
        "sha256": summary.get("sha256"),
        "checks": summary.get("checks"),
        "download": reverse("backups:download", args=[company.pk]) + f"?archive={archive.name}",
    }


def restored_json(restored: Restored) -> dict[str, Any]:
    return {
        "company": {"id": restored.company.pk, "name": restored.company.name},
        "mode": restored.mode,
        "seq": restored.change.seq,
        "rows": restored.rows,
        "safety_backup": restored.safety.name if restored.safety else None,
        "members_skipped": restored.members_skipped,
        "users_created": restored.users_created,
        "notes": restored.notes,
        "url": reverse("company", args=[restored.company.pk]),
    }


def _owner(request: HttpRequest, company: Company) -> None:
    """Backups hold the whole books: owners only (NotAllowed, 403, naming the role)."""
    membership_require(company=company, actor=request.user, roles=OWNERS)


@require_http_methods(["GET", "POST"])
@member_view
def backups(request: HttpRequest, company: Company) -> HttpResponse:
    """GET: the company's archives, newest first. POST: back up now (an optional
    `passphrase`); JSON gets the archive's summary (201), a page follows its progress."""
    _owner(request, company)
    folder = folder_get()
    if request.method == "POST":
        passphrase = str(body_data(request).get("passphrase", "") or "") or None
        if wants_json(request):
            archive = archive_write(
                company=company, folder=folder, kind="manual", passphrase=passphrase
            )
            return json_response(archive_json(company, archive), status=201)
        job = job_start(
            folder,
            company_id=company.pk,
            what="backup",
            work=lambda progress: _backup_work(company, folder, passphrase, progress),
        )
        return redirect(reverse("backups:list", args=[company.pk]) + f"?job={job}")
    archives = archives_list(folder, chain_id=company.chain_id)
    if wants_json(request):
        return json_response({"archives": [archive_json(company, a) for a in archives]})
    context = {
        "archives": [archive_json(company, a) for a in archives],
        "job": _job(request, company, folder),
        "modes": MODES,
        "age": _age(archives[0] if archives else None),
    }
    return render(request, "backups/list.html", context)


def _backup_work(company: Company, folder: Path, passphrase: str | None, progress: Any) -> dict:
    archive = archive_write(
        company=company, folder=folder, kind="manual", passphrase=passphrase, progress=progress
    )
    return {"message": f"Backed up: {archive.name}", "archive": archive.name}


def _job(request: HttpRequest, company: Company, folder: Path) -> dict[str, Any] | None:
    job_id = request.GET.get("job", "")
    return job_get(folder, job_id=job_id, company_id=company.pk) if job_id else None


@require_GET
@member_view
def progress(request: HttpRequest, company: Company) -> HttpResponse:
    """A job's progress: JSON, or the page's progress region (htmx polls it); when the job is
    done the page is sent to what it made, with a message."""
    _owner(request, company)
    job = _job(request, company, folder_get())
    if job is None:
        raise NotFound
    if wants_json(request):
        return json_response(job)
    if job["state"] == "running" or not request.htmx:
        return render(request, "backups/list.html#progress", {"job": job})
    result = job.get("result") or {}
    if job["state"] == "failed":
        messages.error(request, f"Not done: {job['message']}")
    else:
        messages.success(request, result.get("message", "Done."))
    return HttpResponseClientRedirect(
        result.get("url") or reverse("backups:list", args=[company.pk])
    )


@require_GET
@member_view
def download(request: HttpRequest, company: Company) -> HttpResponse:
    _owner(request, company)
    archive = archive_find(
        folder_get(), name=request.GET.get("archive", ""), chain_id=company.chain_id
    )
    if archive is None:
        raise NotFound
    return FileResponse(archive.path.open("rb"), as_attachment=True, filename=archive.name)


@require_http_methods(["POST"])
@member_view
def restore_view(request: HttpRequest, company: Company) -> HttpResponse:
    """Restore a listed archive (`archive`: its name) or an uploaded one (`file`) as `mode`:
    new, copy (`name`) or replace (`confirm`: the company's name typed). A safety backup of
    this company is taken first when it is replaced. JSON waits and answers what was done."""
    _owner(request, company)
    data = body_data(request)
    folder = folder_get()
    options = {
        "mode": str(data.get("mode", "")),
        "name": str(data.get("name", "") or "").strip() or None,
        "passphrase": str(data.get("passphrase", "") or "") or None,
        "identities": [str(data["identity"])] if data.get("identity") else None,
        "confirm": str(data.get("confirm", "") or ""),
    }
    source = _source(request, company, folder, data)
    if wants_json(request):
        try:
            restored = _restore(company, request.user, folder, source, options, None)
        finally:
            _upload_forget(source, folder)
        return json_response(restored_json(restored), status=201)
    job = job_start(
        folder,
        company_id=company.pk,
        what="restore",
        work=lambda progress: _restore_work(
            company, request.user, folder, source, options, progress
        ),
    )
    return redirect(reverse("backups:list", args=[company.pk]) + f"?job={job}")


def _source(request: HttpRequest, company: Company, folder: Path, data: dict) -> Path:
    """The archive to restore: an uploaded file (kept in the folder's uploads until the restore
    is done) or one of this company's listed archives; Invalid on `archive` otherwise."""
    upload: UploadedFile | None = request.FILES.get("file")
    if upload is not None:
        (folder / UPLOADS).mkdir(exist_ok=True)
        handle, name = tempfile.mkstemp(dir=folder / UPLOADS, suffix=".upload")
        with os.fdopen(handle, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return Path(name)
    archive = archive_find(folder, name=str(data.get("archive", "")), chain_id=company.chain_id)
    if archive is None:
        raise Invalid.field("archive", "Choose one of this company's backups, or upload one.")
    return archive.path


def _restore(
    company: Company,
    actor: AbstractBaseUser,
    folder: Path,
    source: Path,
    options: dict[str, Any],
    progress: Any,
) -> Restored:
    """The restore, with its safety backup (replace) put in the folder as a safety archive —
    also when the restore then fails (the books are as they were, and the backup is kept)."""
    safety_dir = Path(tempfile.mkdtemp(dir=folder, prefix=".safety-"))
    try:
        restored = restore(
            archive=source,
            company=company if options["mode"] == "replace" else None,
            actor=actor,
            safety_dir=safety_dir,
            progress=progress,
            **options,
        )
    finally:
        kept = [
            archive_adopt(path, company=company, kind="safety", folder=folder)
            for path in safety_dir.glob("*.tsbk")
        ]
        shutil.rmtree(safety_dir, ignore_errors=True)
    if restored.safety is not None and kept:
        restored.safety = kept[0].path
    return restored


def _restore_work(
    company: Company,
    actor: AbstractBaseUser,
    folder: Path,
    source: Path,
    options: dict[str, Any],
    progress: Any,
) -> dict[str, Any]:
    try:
        restored = _restore(company, actor, folder, source, options, progress)
    finally:
        _upload_forget(source, folder)
    answer = restored_json(restored)
    what = {"new": "as it was", "copy": "as a copy", "replace": "over this company"}[restored.mode]
    return {**answer, "message": f"Restored {restored.company.name} {what}."}


def _upload_forget(source: Path, folder: Path) -> None:
    if source.parent == folder / UPLOADS:
        source.unlink(missing_ok=True)


def _age(archive: Archive | None) -> dict[str, Any]:
    """The last good backup's time and whether it is too old (WARN_AFTER)."""
    if archive is None:
        return {"at": None, "warn": True}
    return {"at": archive.at, "warn": timezone.now() - archive.at > WARN_AFTER}


@require_GET
def ages(request: HttpRequest) -> HttpResponse:
    """The age of the last good backup of each company the user owns, for the Gateway (its
    company list loads this region; out-of-band swaps put each beside its company)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    newest = last_good(folder_path())
    owned = [m for m in memberships_of_user(user=request.user) if m.role == Membership.Role.OWNER]
    rows = [{"company": m.company, **_age(newest.get(m.company.chain_id))} for m in owned]
    return render(request, "backups/ages.html", {"rows": rows, "now": timezone.now()})
