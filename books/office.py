"""The office in the browser: the Users page, a company's Members page and Company Alteration
(pages and JSON). Each write is a service (books.users, books.services)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from books.forms import PasswordResetForm, UserForm
from books.services import (
    company_alter,
    gst_registration_alter,
    gst_registration_create,
    member_remove,
    member_set,
)
from books.users import (
    companies_owned,
    is_administrator,
    user_active_set,
    user_create,
    user_password_set,
    users_for,
    users_page_require,
)
from companies.access import membership_require
from companies.decorators import member_view, session_view
from companies.live import GST_REGISTRATIONS
from companies.models import Company, GstRegistration, Membership
from companies.selectors import memberships_of_company
from companies.serializers import company_json
from core.errors import Invalid, found
from core.forms import Errors
from core.gst import state_name
from core.http import body_data, json_response, region_asked, version_of, wants_json
from editlog.idempotency import save_answered
from editlog.models import Change
from locking.pages import lock_for_page


def _all_errors(errors: Errors) -> list[str]:
    return [message for name in ("__all__", "version") for message in errors.get(name, [])]


# -- Users -----------------------------------------------------------------------------------


def _user_json(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "username": user.get_username(), "active": user.is_active}


def _users_page(
    request: HttpRequest, *, form: dict[str, Any] | None = None, errors: Errors | None = None
) -> HttpResponse:
    errors = errors or {}
    owned = list(companies_owned(request.user))
    context = {
        "listed": users_for(request.user),
        "administrator": is_administrator(request.user),
        "owned": owned,
        "roles": Membership.Role.choices,
        "form": form or {"company": owned[0].pk if len(owned) == 1 else "", "role": "accountant"},
        "errors": errors,
        "general_errors": _all_errors(errors),
    }
    return render(request, "companies/users.html", context, status=422 if errors else 200)


@require_http_methods(["GET", "POST"])
@session_view
def users(request: HttpRequest) -> HttpResponse:
    """The Users page: list (GET) and create (POST: username, password, password_again, and
    for an owner the company and role the user takes there)."""
    if request.method == "GET":
        if wants_json(request):
            return json_response([_user_json(row.user) for row in users_for(request.user)])
        return _users_page(request)
    users_page_require(request.user)
    data = body_data(request)
    companies = [(c.pk, c.name) for c in companies_owned(request.user)]
    try:
        user = user_create(actor=request.user, draft=UserForm(data, companies=companies).draft())
    except Invalid as exc:
        if wants_json(request):
            raise
        return _users_page(request, form=data, errors=exc.errors)
    if wants_json(request):
        return json_response(_user_json(user), status=201)
    messages.success(request, f"User {user.get_username()} created: they can sign in now.")
    return redirect("users")


@require_http_methods(["POST"])
@session_view
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    """Reset a user's password (password, password_again)."""
    data = body_data(request)
    try:
        password = PasswordResetForm(data).new_password()
        user = user_password_set(actor=request.user, user_id=pk, password=password)
    except Invalid as exc:
        if wants_json(request):
            raise
        said = [f"New password: {m}" for texts in exc.errors.values() for m in texts]
        return _users_page(request, errors={"__all__": said})
    if user.pk == request.user.pk:
        update_session_auth_hash(request, user)  # one's own new password keeps this session
    if wants_json(request):
        return json_response(_user_json(user))
    messages.success(
        request, f"{user.get_username()}'s password is changed: they sign in with the new one."
    )
    return redirect("users")


@require_http_methods(["POST"])
@session_view
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate (active=false) or activate again (active=true) a user's account."""
    data = body_data(request)
    active = str(data.get("active", "")).lower() in {"true", "1", "yes", "on"}
    try:
        user = user_active_set(actor=request.user, user_id=pk, active=active)
    except Invalid as exc:
        if wants_json(request):
            raise
        return _users_page(request, errors=exc.errors)
    if wants_json(request):
        return json_response(_user_json(user))
    done = "activated again" if active else "deactivated: they can no longer sign in"
    messages.success(request, f"{user.get_username()} {done}.")
    return redirect("users")


# -- Members ---------------------------------------------------------------------------------


def _member_json(membership: Membership) -> dict[str, Any]:
    return {"username": membership.user.get_username(), "role": membership.role}


def members_page(
    request: HttpRequest,
    company: Company,
    *,
    form: dict[str, Any] | None = None,
    errors: Errors | None = None,
) -> HttpResponse:
    errors = errors or {}
    context = {
        "members": memberships_of_company(company_id=company.pk),
        "roles": Membership.Role.choices,
        "form": form or {"role": "accountant"},
        "errors": errors,
        "general_errors": _all_errors(errors),
    }
    return render(request, "companies/members.html", context, status=422 if errors else 200)


def members_add(request: HttpRequest, company: Company) -> HttpResponse:
    """POST /c/<cid>/members/: add a user by name, or change a member's role (JSON or page)."""
    data = body_data(request)
    username, role = str(data.get("username", "")).strip(), str(data.get("role", ""))
    if wants_json(request):
        membership = member_set(company=company, actor=request.user, username=username, role=role)
        return json_response(_member_json(membership))
    try:
        membership = member_set(company=company, actor=request.user, username=username, role=role)
    except Invalid as exc:
        return members_page(request, company, form=data, errors=exc.errors)
    user, role_name = membership.user.get_username(), membership.get_role_display()
    messages.success(request, f"{user} is {role_name} in {company.name}.")
    return redirect("members", company.pk)


def member_change(request: HttpRequest, company: Company, username: str) -> HttpResponse:
    """A page's POST on one member: `remove`, or a new `role`."""
    membership_require(company=company, actor=request.user)  # owners only, before anything
    data = body_data(request)
    try:
        if data.get("remove"):
            member_remove(company=company, actor=request.user, username=username)
            messages.success(request, f"{username} no longer belongs to {company.name}.")
        else:
            role = str(data.get("role", ""))
            member_set(company=company, actor=request.user, username=username, role=role)
            messages.success(request, f"{username}'s role is now {role}.")
    except Invalid as exc:
        said = [f"{username}: {m}" for texts in exc.errors.values() for m in texts]
        return members_page(request, company, errors={"__all__": said})
    return redirect("members", company.pk)


# -- Company Alteration ----------------------------------------------------------------------


def _alter_form(company: Company) -> dict[str, Any]:
    """The company as the alteration screen shows it (dates as Tally users type them)."""
    data = {
        name: getattr(company, name)
        for name in ("name", "mailing_name", "address", "state", "pin", "pan", "gstin")
    }
    for name in ("financial_year_start", "books_beginning"):
        data[name] = f"{getattr(company, name):%d-%m-%Y}"
    return {**data, "version": company.version}


def _alter_page(
    request: HttpRequest,
    company: Company,
    *,
    data: dict[str, Any] | None = None,
    errors: Errors | None = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    errors = errors or {}
    context = {
        "form": data or _alter_form(company),
        "errors": errors,
        "general_errors": _all_errors(errors),
        **(extra or {}),
    }
    return render(request, "companies/alter.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_view
def company_alter_view(request: HttpRequest, company: Company) -> HttpResponse:
    """Company Alteration (owner): GET the screen (it takes the company's edit lock, or waits
    for its holder; JSON: the company), POST the particulars read at `version`."""
    if request.method == "GET":
        if wants_json(request):
            return json_response({**company_json(company), "version": company.version})
        membership_require(company=company, actor=request.user)
        return _alter_page(request, company, extra=lock_for_page(request, company, company))
    data = body_data(request)

    def answer(change: Change) -> HttpResponse:
        altered = Company.objects.get(pk=company.pk)
        return json_response({**company_json(altered), "version": altered.version})

    def refused_page(errors: Errors, status: int, _: Exception) -> HttpResponse:
        extra = {} if status == 503 else lock_for_page(request, company, company)
        return _alter_page(request, company, data=data, errors=errors, status=status, extra=extra)

    def saved_page(altered: Company) -> HttpResponse:
        messages.success(request, f"{altered.name} altered.")
        return redirect("company", company.pk)

    save = partial(
        company_alter,
        company=company,
        actor=request.user,
        data=data,
        version=version_of(request, data),
    )
    return save_answered(
        request,
        company=company,
        save=save,
        answer=answer,
        saved_page=saved_page,
        refused_page=refused_page,
    )


# -- GST registrations (part of Company Alteration) -------------------------------------------


def _registration_json(registration: GstRegistration) -> dict[str, Any]:
    return {
        "id": registration.pk,
        "gstin": registration.gstin,
        "state": registration.state_code,
        "state_name": state_name(registration.state_code),
        "registration_type": registration.registration_type,
        "valid_from": registration.valid_from,
        "version": registration.version,
    }


def _registrations_page(
    request: HttpRequest,
    company: Company,
    *,
    current: GstRegistration | None = None,
    data: dict[str, Any] | None = None,
    errors: Errors | None = None,
    status: int = 200,
) -> HttpResponse:
    errors = errors or {}
    shown = data or (
        {**_registration_json(current), "valid_from": f"{current.valid_from:%d-%m-%Y}"}
        if current
        else {"registration_type": GstRegistration.Kind.REGULAR}
    )
    context = {
        "registrations": [
            {**_registration_json(r), "state_name": state_name(r.state_code)}
            for r in GstRegistration.objects.filter(company=company)
        ],
        "current": current,
        "form": shown,
        "kinds": GstRegistration.Kind.choices,
        "errors": errors,
        "general_errors": _all_errors(errors),
    }
    page = "companies/gst_registrations.html"
    region = region_asked(request, {GST_REGISTRATIONS: f"{page}#list"})
    return render(request, region or page, context, status=status)


def _registration_saved(request: HttpRequest, company: Company) -> Any:
    def saved_page(saved: GstRegistration) -> HttpResponse:
        messages.success(request, f"GST registration {saved.gstin} saved.")
        return redirect("gst-registrations", company.pk)

    return saved_page


@require_http_methods(["GET", "POST"])
@member_view
def gst_registrations(request: HttpRequest, company: Company) -> HttpResponse:
    """The company's GST registrations: GET (JSON: the list; page: owners' list and form),
    POST a new one {gstin, registration_type, valid_from} (owners)."""
    if request.method == "GET":
        if wants_json(request):
            rows = GstRegistration.objects.filter(company=company)
            return json_response({"registrations": [_registration_json(r) for r in rows]})
        membership_require(company=company, actor=request.user)
        return _registrations_page(request, company)
    data = body_data(request)

    def answer(change: Change) -> HttpResponse:
        saved = GstRegistration.objects.get(pk=change.object_id)
        return json_response(_registration_json(saved), status=201)

    def refused_page(errors: Errors, status: int, _: Exception) -> HttpResponse:
        return _registrations_page(request, company, data=data, errors=errors, status=status)

    save = partial(gst_registration_create, company=company, actor=request.user, data=data)
    return save_answered(
        request,
        company=company,
        save=save,
        answer=answer,
        saved_page=_registration_saved(request, company),
        refused_page=refused_page,
    )


@require_http_methods(["GET", "POST"])
@member_view
def gst_registration(request: HttpRequest, company: Company, pk: int) -> HttpResponse:
    """One registration: GET (JSON, or the owners' form), POST what changes at `version`."""
    current = found(GstRegistration.objects.filter(company=company), pk=pk)
    if request.method == "GET":
        if wants_json(request):
            return json_response(_registration_json(current))
        membership_require(company=company, actor=request.user)
        return _registrations_page(request, company, current=current)
    data = body_data(request)

    def answer(change: Change) -> HttpResponse:
        return json_response(_registration_json(GstRegistration.objects.get(pk=current.pk)))

    def refused_page(errors: Errors, status: int, _: Exception) -> HttpResponse:
        return _registrations_page(
            request, company, current=current, data=data, errors=errors, status=status
        )

    save = partial(
        gst_registration_alter,
        company=company,
        registration=current,
        actor=request.user,
        data={k: v for k, v in data.items() if k not in ("version", "csrfmiddlewaretoken")},
        version=version_of(request, data),
    )
    return save_answered(
        request,
        company=company,
        save=save,
        answer=answer,
        saved_page=_registration_saved(request, company),
        refused_page=refused_page,
    )
