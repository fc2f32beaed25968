"""Gateway, first-run setup, companies, members and API tokens (pages and JSON; DESIGN §7)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from books import office
from books.forms import CompanyDraft, CompanyForm
from books.services import (
    FEATURES,
    company_create,
    company_features_set,
    financial_year_start_now,
    first_run_setup,
    member_remove,
)
from books.setup_code import WRONG, setup_code_announce, setup_code_matches, setup_code_remove
from books.users import is_administrator
from companies.access import company_creation_allowed
from companies.auth import token_issue, token_revoke, tokens_revoke_all
from companies.decorators import member_view, session_view
from companies.models import Company, Membership
from companies.selectors import (
    TokenListed,
    memberships_of_company,
    memberships_of_user,
    tokens_of_user,
)
from companies.serializers import company_json
from companies.signin import token_request_refusal, token_signed_in
from core.errors import Invalid, Parsed
from core.http import body_data, json_response, wants_json
from core.validation import optional_dates


def _company_from(request: HttpRequest, data: dict[str, Any]) -> Company:
    dates = optional_dates(data, "financial_year_start", "books_beginning")
    return company_create(
        actor=request.user,
        name=data.get("name", ""),
        address=data.get("address", "") or "",
        state=data.get("state", "") or "",
        gstin=data.get("gstin", "") or "",
        **dates,
    )


def _gateway_page(request: HttpRequest, **extra: Any) -> HttpResponse:
    memberships = memberships_of_user(user=request.user)
    context = {
        "memberships": memberships,
        "may_create": company_creation_allowed(actor=request.user),
        "may_manage_users": is_administrator(request.user) or any(m.is_owner for m in memberships),
        "form": {},
        "errors": {},
        **extra,
    }
    return render(request, "companies/gateway.html", context, status=422 if extra else 200)


def gateway(request: HttpRequest) -> HttpResponse:
    """The company picker; the first run leads to setup, a signed-out visitor to sign-in."""
    if not get_user_model().objects.exists():
        return redirect("setup")
    if not request.user.is_authenticated:
        return redirect("login")
    return _gateway_page(request)


# Set-up asks what Tally's Company Creation asks; its form names the company "company_name".
SETUP_COMPANY = ("mailing_name", "address", "state", "pin", "financial_year_start")


def _setup_company(form: dict[str, Any]) -> CompanyDraft:
    """The first company's particulars from the set-up form (the year from 1 April of this
    financial year when left empty); Invalid with the set-up form's field names."""
    data = {name: form.get(name, "") for name in (*SETUP_COMPANY, "books_beginning")}
    data["name"] = form.get("company_name", "")
    if not str(data["financial_year_start"] or "").strip():
        data["financial_year_start"] = financial_year_start_now()
    try:
        return CompanyForm(data).draft()
    except Invalid as exc:
        errors = {("company_name" if k == "name" else k): v for k, v in exc.errors.items()}
        raise Invalid(errors) from None


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """First run: the owner's account and first company, for whoever has the set-up code."""
    if get_user_model().objects.exists():
        setup_code_remove()
        return redirect("gateway")
    setup_code_announce()
    form: dict[str, Any] = {"financial_year_start": f"{financial_year_start_now():%d-%m-%Y}"}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = body_data(request)
        try:
            if not setup_code_matches(str(form.get("setup_code", ""))):
                raise Invalid.field("setup_code", WRONG)  # checked first: nothing else is told
            company = Parsed(_setup_company, form=form)
            user, created = first_run_setup(
                username=form.get("username", ""),
                password=form.get("password", ""),
                company=company,
            )
        except Invalid as exc:
            errors = exc.errors
        else:
            setup_code_remove()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("company", created.pk)
    status = 422 if errors else 200
    return render(request, "companies/setup.html", {"form": form, "errors": errors}, status=status)


@require_http_methods(["GET", "POST"])
def companies(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        if wants_json(request):
            return json_response({"detail": "Sign in first."}, status=401)
        return redirect("login")
    if request.method == "GET":
        if not wants_json(request):
            return redirect("gateway")
        memberships = memberships_of_user(user=request.user)
        return json_response([company_json(m.company, m.role) for m in memberships])
    data = body_data(request)
    if wants_json(request):
        company = _company_from(request, data)
        return json_response(company_json(company, Membership.Role.OWNER), status=201)
    try:
        company = _company_from(request, data)
    except Invalid as exc:
        return _gateway_page(request, form=data, errors=exc.errors)
    messages.success(request, f"{company.name} is ready: Tally's groups and voucher types are in.")
    return redirect("company", company.pk)


@require_http_methods(["GET", "POST"])
@member_view
def members(request: HttpRequest, company: Company) -> HttpResponse:
    """The company's members: the Members page or their JSON; an owner's POST adds a user by
    name or changes a member's role (books.office)."""
    if request.method == "POST":
        return office.members_add(request, company)
    if wants_json(request):
        listed = memberships_of_company(company_id=company.pk)
        return json_response([{"username": m.user.get_username(), "role": m.role} for m in listed])
    return office.members_page(request, company)


def _features_json(company: Company) -> dict[str, bool]:
    return {name: getattr(company, name) for name in FEATURES}


@require_http_methods(["GET", "POST"])
@member_view
def features(request: HttpRequest, company: Company) -> HttpResponse:
    """Tally's company features (F11): members see them, owners switch them."""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = body_data(request)
        if wants_json(request):
            company = company_features_set(company=company, actor=request.user, data=data)
            return json_response(_features_json(company))
        try:
            company_features_set(company=company, actor=request.user, data=data)
        except Invalid as exc:
            errors = exc.errors
        else:
            messages.success(request, "Company features saved.")
            return redirect("company-features", company.pk)
    if wants_json(request):
        return json_response(_features_json(company))
    context = {"errors": errors, "all_errors": [m for ms in errors.values() for m in ms]}
    return render(request, "companies/features.html", context, status=422 if errors else 200)


@require_http_methods(["POST", "DELETE"])
@member_view
def member(request: HttpRequest, company: Company, username: str) -> HttpResponse:
    """DELETE removes the member; the Members page's POST removes (`remove`) or changes the
    role (a script changes a role with POST /c/<cid>/members/)."""
    if request.method == "POST":
        return office.member_change(request, company, username)
    member_remove(company=company, actor=request.user, username=username)
    return HttpResponse(status=204)


@csrf_exempt  # no session is used or created; JSON only, and same-origin or no Origin
@require_http_methods(["POST"])
def token(request: HttpRequest) -> HttpResponse:
    refusal = token_request_refusal(request)
    if refusal is not None:
        return refusal
    data = body_data(request)
    user = authenticate(
        request, username=str(data.get("username", "")), password=str(data.get("password", ""))
    )
    if user is None:
        return json_response({"detail": "Wrong username or password."}, status=400)
    token_signed_in(request, user)
    return json_response({"token": token_issue(user=user)}, status=201)


def _token_json(listed: TokenListed) -> dict[str, Any]:
    token = listed.token
    return {
        "id": token.pk,
        "fingerprint": token.fingerprint,
        "issued_at": token.created_at,
        "last_used_at": token.last_used_at,
        "expires_at": listed.expires_at,
        "state": listed.state,
    }


@require_http_methods(["GET"])
@session_view
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The signed-in user's API tokens: when each was issued, last used and expires, and
    whether it still works; never a key (only its hash is kept)."""
    listed = tokens_of_user(user=request.user)
    if wants_json(request):
        return json_response([_token_json(row) for row in listed])
    context = {"tokens": listed, "lifetime_days": settings.API_TOKEN_DAYS}
    return render(request, "companies/tokens.html", context)


@require_http_methods(["POST"])
@session_view
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = token_revoke(user=request.user, token_id=pk)
    return _revoked(request, 1, f"Token {token.fingerprint} revoked")


@require_http_methods(["POST"])
@session_view
def api_tokens_revoke(request: HttpRequest) -> HttpResponse:
    count = tokens_revoke_all(user=request.user)
    return _revoked(request, count, f"{count} token{'' if count == 1 else 's'} revoked")


def _revoked(request: HttpRequest, count: int, done: str) -> HttpResponse:
    if count == 0:
        message = "You have no tokens to revoke."
    else:
        it = "it" if count == 1 else "them"
        message = f"{done}: scripts using {it} are signed out and their live updates closed."
    if wants_json(request):
        return json_response({"revoked": count, "detail": message})
    messages.success(request, message)
    return redirect("api-tokens")
