"""What the Edit Log keeps of a company and of a membership (hashed: shapes only grow)."""

from __future__ import annotations

from typing import Any

from companies.models import Company, GstRegistration, Membership


def company_snapshot(company: Company) -> dict[str, Any]:
    return {
        "id": company.pk,
        "name": company.name,
        "mailing_name": company.mailing_name,
        "address": company.address,
        "state": company.state,
        "pin": company.pin,
        "pan": company.pan,
        "gstin": company.gstin,
        "financial_year_start": company.financial_year_start,
        "books_beginning": company.books_beginning,
        "warn_negative_cash": company.warn_negative_cash,
        "integrate_inventory": company.integrate_inventory,
        "refuse_negative_stock": company.refuse_negative_stock,
    }


def membership_snapshot(membership: Membership) -> dict[str, Any]:
    return {"user": membership.user.get_username(), "role": membership.role}


def gst_registration_snapshot(registration: GstRegistration) -> dict[str, Any]:
    return {
        "id": registration.pk,
        "gstin": registration.gstin,
        "state": registration.state_code,
        "registration_type": registration.registration_type,
        "valid_from": registration.valid_from,
        "version": registration.version,
    }
