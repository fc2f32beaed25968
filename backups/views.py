"""A company's backups, for its owners: the list, "Back up now", download, and restore from a
listed or uploaded archive (as a new company, a copy under a new name, or replacing this one).
Input is read into a draft first (backups.forms); pages run the long work as a job they poll
(core.jobs); the JSON API waits for it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
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
from backups.forms import BackupDraft, RestoreDraft, backup_draft, restore_draft
from backups.restore import MODES, Restored, restore
from backups.schedule import WARN_AFTER
from companies.access import OWNERS, membership_require
from companies.decorators import member_view
from companies.models import Company, Membership
from companies.selectors import memberships_of_user
from core.errors import Invalid, NotAllowed, NotFound
from core.http import body_data, json_response, wants_json
from core.jobs import job_get, job_start


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


def owner_or_staff(request: HttpRequest, company: Company) -> None:
    """Verify and the Exceptions list are the owner's (and the server's staff's) to read."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    if membership.is_owner or request.user.is_staff:
        return
    role = membership.get_role_display().lower()
    raise NotAllowed(f"You are {role} in {company.name}; verifying the books needs owner or staff.")


@require_http_methods(["GET", "POST"])
@member_view
def backups(request: HttpRequest, company: Company) -> HttpResponse:
    """GET: the company's archives, newest first. POST: back up now (an optional
    `passphrase`, or age public keys in `recipients`); JSON gets the archive's summary (201),
    a page follows its progress."""
    _owner(request, company)
    folder = folder_get()
    if request.method == "POST":
        return _backup_post(request, company, folder)
    if wants_json(request):
        archives = archives_list(folder, chain_id=company.chain_id)
        return json_response({"archives": [archive_json(company, a) for a in archives]})
    return _page(request, company, folder, job=_job(request, company, folder))


def _backup_post(request: HttpRequest, company: Company, folder: Path) -> HttpResponse:
    try:
        draft = backup_draft(company=company, actor=request.user, data=body_data(request))
    except Invalid as exc:
        return _refused(request, company, folder, exc, form="backup")
    if wants_json(request):
        archive = _backup(draft, folder, None)
        return json_response(archive_json(company, archive), status=201)
    job = job_start(
        folder,
        company_id=company.pk,
        what="backup",
        work=lambda progress: _backup_work(draft, folder, progress),
    )
    return redirect(reverse("backups:list", args=[company.pk]) + f"?job={job}")


def _page(
    request: HttpRequest,
    company: Company,
    folder: Path,
    *,
    job: dict[str, Any] | None = None,
    refused: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The Backups page; `refused`: the refused form's ("backup" or "restore") messages and
    what was typed in it (not the secrets)."""
    archives = archives_list(folder, chain_id=company.chain_id)
    context = {
        "archives": [archive_json(company, a) for a in archives],
        "job": job,
        "modes": MODES,
        "age": _age(archives[0] if archives else None),
        "refused": refused or {},
    }
    return render(request, "backups/list.html", context, status=status)


def _refused(
    request: HttpRequest, company: Company, folder: Path, exc: Invalid, *, form: str
) -> HttpResponse:
    """A form refused: JSON answers 400 (the middleware); the page shows it again, marked."""
    if wants_json(request):
        raise exc
    typed = {k: v for k, v in body_data(request).items() if k not in SECRETS}
    errors = {name: said for name, said in exc.errors.items() if name != "__all__"}
    general = exc.errors.get("__all__", [])
    refused = {form: {"errors": errors, "general": general, "typed": typed}}
    return _page(request, company, folder, refused=refused, status=422)


SECRETS = ("passphrase", "identity", "recipients", "csrfmiddlewaretoken")


def _backup(draft: BackupDraft, folder: Path, progress: Any) -> Archive:
    return archive_write(
        company=draft.company,
        folder=folder,
        kind="manual",
        passphrase=draft.passphrase,
        recipients=list(draft.recipients) or None,
        progress=progress,
    )


def _backup_work(draft: BackupDraft, folder: Path, progress: Any) -> dict:
    archive = _backup(draft, folder, progress)
    return {"message": f"Backed up: {archive.name}", "archive": archive.name}


def _job(request: HttpRequest, company: Company, folder: Path) -> dict[str, Any] | None:
    job_id = request.GET.get("job", "")
    return job_get(folder, job_id=job_id, company_id=company.pk) if job_id else None


# Who may follow a job: its work's readers (a verify is the staff's too).
JOB_READERS = {"verify": owner_or_staff}


@require_GET
@member_view
def progress(request: HttpRequest, company: Company) -> HttpResponse:
    """A job's progress: JSON, or the page's progress region (htmx polls it); when the job is
    done the page is sent to what it made, with a message."""
    job = _job(request, company, folder_get())
    JOB_READERS.get(job["what"] if job else "", _owner)(request, company)
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
    folder = folder_get()
    try:
        draft = restore_draft(
            actor=request.user,
            company=company,
            data=body_data(request),
            find=lambda name: _listed(folder, company, name),
            upload=request.FILES.get("file"),
        )
    except Invalid as exc:
        return _refused(request, company, folder, exc, form="restore")
    source = _source(draft, folder)
    if wants_json(request):
        try:
            restored = _restore(company, request.user, folder, source, draft, None)
        finally:
            _upload_forget(source, folder)
        return json_response(restored_json(restored), status=201)
    job = job_start(
        folder,
        company_id=company.pk,
        what="restore",
        work=lambda progress: _restore_work(company, request.user, folder, source, draft, progress),
    )
    return redirect(reverse("backups:list", args=[company.pk]) + f"?job={job}")


def _listed(folder: Path, company: Company, name: Any) -> Path | None:
    """One of this company's listed archives, by its name."""
    archive = archive_find(folder, name=str(name or ""), chain_id=company.chain_id)
    return archive.path if archive is not None else None


def _source(draft: RestoreDraft, folder: Path) -> Path:
    """The archive to restore: the listed one, or the upload, kept in the folder's uploads
    until the restore is done."""
    if draft.upload is None:
        assert draft.archive is not None  # the form gives one or the other
        return draft.archive
    (folder / UPLOADS).mkdir(exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder / UPLOADS, suffix=".upload")
    with os.fdopen(handle, "wb") as out:
        for chunk in draft.upload.chunks():
            out.write(chunk)
    return Path(name)


def _restore(
    company: Company,
    actor: AbstractBaseUser,
    folder: Path,
    source: Path,
    draft: RestoreDraft,
    progress: Any,
) -> Restored:
    """The restore, with its safety backup (replace) put in the folder as a safety archive —
    also when the restore then fails (the books are as they were, and the backup is kept)."""
    safety_dir = Path(tempfile.mkdtemp(dir=folder, prefix=".safety-"))
    try:
        restored = restore(
            archive=source,
            mode=draft.mode,
            name=draft.new_name,
            company=draft.company,
            actor=actor,
            passphrase=draft.passphrase,
            identities=list(draft.identities) or None,
            confirm=draft.confirm,
            safety_dir=safety_dir,
            progress=progress,
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
    draft: RestoreDraft,
    progress: Any,
) -> dict[str, Any]:
    try:
        restored = _restore(company, actor, folder, source, draft, progress)
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
