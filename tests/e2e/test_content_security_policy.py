"""Every page works under the Content-Security-Policy: the browser reports no blocked script,
style or connection while an accountant goes through the books, live socket included."""

from __future__ import annotations

from typing import Any

PAGES = ["", "ledgers/", "ledgers/new/", "vouchers/", "vouchers/new/?type=sales",
         "reports/trial-balance/", "editlog/"]  # fmt: skip


def test_no_page_breaks_the_policy(ravi: Any, company_url: str) -> None:
    page = ravi
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for path in PAGES:
        page.goto(company_url + path)
        page.wait_for_selector("#live-status[data-state='live']", state="attached")
    assert violations == []
