"""The error middleware: what a request names and is not there is a 404; a row missing anywhere
else is a bug, left to Django's 500 with its traceback."""

from django.http import Http404
from django.test import RequestFactory

from core.errors import NotFound
from core.http import DomainErrorMiddleware
from ledgers.models import Ledger

middleware = DomainErrorMiddleware(lambda request: None)


def test_not_found_and_http404_answer_404_in_json():
    request = RequestFactory().get("/c/1/ledgers/9/", headers={"Accept": "application/json"})
    for exc in (NotFound(), Http404()):
        answer = middleware.process_exception(request, exc)
        assert (answer.status_code, answer.content) == (404, b'{"detail": "Not found."}')


def test_an_internal_missing_row_is_not_hidden_as_a_404():
    request = RequestFactory().get("/c/1/ledgers/9/", headers={"Accept": "application/json"})
    assert middleware.process_exception(request, Ledger.DoesNotExist()) is None
