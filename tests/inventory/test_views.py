"""/c/<cid>/inventory/ over HTTP: the issue's JSON names, versions and locks, pages, live lists."""

import pytest
from django.test import Client
from django.urls import reverse

from editlog.models import Change
from inventory.models import Godown, StockItem, Unit
from inventory.services import godown_create, stock_item_create, unit_create
from locking.services import lock_acquire
from sync.fragments import change_patch
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def post(api, url, data):
    return api.post(url, data, content_type="application/json")


def test_the_issues_json_names_work(company, api):
    """units {symbol, decimal_places}; godowns {name, parent}; items {name, unit, group,
    opening: [{godown, quantity, rate}]} — as issue 20 names them for scripts."""
    base = f"/c/{company.pk}/inventory"
    unit = post(api, f"{base}/units/", {"symbol": "Nos", "decimal_places": 0})
    assert unit.status_code == 201
    assert (unit.json()["symbol"], unit.json()["decimal_places"]) == ("Nos", 0)
    godown = post(api, f"{base}/godowns/", {"name": "Pune", "parent": "Main Location"})
    assert godown.status_code == 201
    assert godown.json()["parent"] == "Main Location"
    group = post(api, f"{base}/stock-groups/", {"name": "Utensils"})
    assert group.status_code == 201
    item = post(
        api,
        f"{base}/items/",
        {
            "name": "Steel Bowl",
            "unit": "Nos",
            "group": "Utensils",
            "opening": [
                {"godown": "Pune", "quantity": 70, "rate": "56"},
                {"godown": "Main Location", "quantity": "130", "rate": "56.00"},
            ],
        },
    )
    assert item.status_code == 201, item.json()
    body = item.json()
    assert (body["name"], body["unit"], body["group"], body["version"]) == (
        "Steel Bowl",
        "Nos",
        "Utensils",
        1,
    )
    assert body["opening"] == [
        {"godown": "Main Location", "quantity": "130", "rate": "56.00", "value": "7280.00"},
        {"godown": "Pune", "quantity": "70", "rate": "56.00", "value": "3920.00"},
    ]
    assert body["seq"] == Change.objects.get(object_type="stock_item").seq
    listed = api.get(f"{base}/items/").json()
    assert [row["name"] for row in listed] == ["Steel Bowl"]
    assert [row["name"] for row in api.get(f"{base}/godowns/").json()] == ["Main Location", "Pune"]


def test_a_refusal_names_the_field_and_writes_nothing(company, api):
    answer = post(api, f"/c/{company.pk}/inventory/units/", {"symbol": "Nos", "decimal_places": 7})
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"decimal_places": ["Number of decimal places is 0 to 4."]}
    assert not Unit.objects.exists()


def test_get_patch_delete_with_version(company, alice, api):
    unit_create(company=company, actor=alice, data={"symbol": "Nos"})
    item = stock_item_create(company=company, actor=alice, data={"name": "Bowl", "unit": "Nos"})
    url = f"/c/{company.pk}/inventory/items/{item.pk}/"
    assert api.get(url).json()["costing_method"] == "avg_cost"
    altered = api.patch(
        url, {"costing_method": "FIFO", "version": 1}, content_type="application/json"
    )
    assert altered.status_code == 200
    assert (altered.json()["costing_method"], altered.json()["version"]) == ("fifo", 2)
    stale = api.patch(url, {"name": "Cup", "version": 1}, content_type="application/json")
    assert stale.status_code == 409
    assert api.delete(f"{url}?version=1").status_code == 409
    assert api.delete(f"{url}?version=2").status_code == 204
    assert not StockItem.objects.exists()
    assert api.get(url).status_code == 404


def test_main_location_over_http_is_renamed_not_deleted(company, api):
    main = Godown.objects.get(company=company, is_main_location=True)
    url = f"/c/{company.pk}/inventory/godowns/{main.pk}/"
    renamed = api.patch(url, {"name": "Shop", "version": 1}, content_type="application/json")
    assert (renamed.json()["name"], renamed.json()["main_location"]) == ("Shop", True)
    refused = api.delete(f"{url}?version=2")
    assert refused.status_code == 400
    assert "never deleted" in refused.json()["errors"]["__all__"][0]


def test_an_alteration_waits_for_the_lock_holder(company, alice, bob, api):
    godown = godown_create(company=company, actor=alice, data={"name": "Pune"})
    lock_acquire(company=company, resource=f"godown:{godown.pk}", actor=bob)
    url = f"/c/{company.pk}/inventory/godowns/{godown.pk}/"
    answer = api.patch(url, {"name": "Nashik", "version": 1}, content_type="application/json")
    assert answer.status_code == 423
    assert Godown.objects.get(pk=godown.pk).name == "Pune"


def test_the_lock_routes_serve_each_master(company, alice, bob):
    godown = godown_create(company=company, actor=alice, data={"name": "Pune"})
    url = reverse("godown-lock", args=(company.pk, godown.pk))
    assert url == f"/c/{company.pk}/inventory/godowns/{godown.pk}/lock/"
    assert client_for(bob).post(url, {}, content_type="application/json").status_code == 200
    assert client_for(alice).post(url, {}, content_type="application/json").status_code == 423


def test_a_viewer_reads_but_does_not_write(company, charlie):
    viewer = client_for(charlie)
    assert viewer.get(f"/c/{company.pk}/inventory/godowns/").status_code == 200
    answer = post(viewer, f"/c/{company.pk}/inventory/godowns/", {"name": "Pune"})
    assert answer.status_code == 403


def test_another_companys_masters_are_not_found(company, dave, alice):
    from books.services import company_create

    theirs = company_create(actor=dave, name="Dave & Sons")
    their_godown = Godown.objects.get(company=theirs)
    url = f"/c/{company.pk}/inventory/godowns/{their_godown.pk}/"
    assert client_for(alice).get(url).status_code == 404


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_stock_item_creation_page_saves_its_opening_rows(company, alice):
    unit_create(company=company, actor=alice, data={"symbol": "Nos"})
    page = browser(alice)
    form = page.get(f"/c/{company.pk}/inventory/items/new/").content.decode()
    assert "Stock Item Creation" in form
    saved = page.post(
        f"/c/{company.pk}/inventory/items/",
        {
            "name": "Steel Bowl",
            "group": "Primary",
            "unit": "Nos",
            "costing_method": "avg_cost",
            "hsn_sac": "7323",
            "opening-0-godown": "Main Location",
            "opening-0-quantity": "100",
            "opening-0-rate": "50",
            "opening-0-value": "",
            "opening-1-godown": "",
            "opening-1-quantity": "",
            "opening-1-rate": "",
            "opening-1-value": "",
        },
    )
    assert saved.status_code == 302
    assert saved["Location"] == f"/c/{company.pk}/inventory/items/new/"
    item = StockItem.objects.get()
    assert [(o.quantity, o.value) for o in item.openings.all()] == [(100, 5000)]


def test_a_refused_page_shows_the_typing_and_the_message(company, alice):
    unit_create(company=company, actor=alice, data={"symbol": "Nos"})
    answer = browser(alice).post(
        f"/c/{company.pk}/inventory/items/",
        {
            "name": "Steel Bowl",
            "unit": "Nos",
            "opening-0-godown": "Main Location",
            "opening-0-quantity": "2.5",
            "opening-0-rate": "50",
        },
    )
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "Nos takes whole numbers: 2.5 has 1." in html
    assert 'value="Steel Bowl"' in html


def test_the_alteration_page_takes_the_lock(company, alice, bob):
    godown = godown_create(company=company, actor=alice, data={"name": "Pune"})
    browser(bob).get(f"/c/{company.pk}/inventory/godowns/{godown.pk}/edit/")
    html = browser(alice).get(f"/c/{company.pk}/inventory/godowns/{godown.pk}/edit/")
    assert "Godown Alteration" in html.content.decode()
    assert "In use by bob" in html.content.decode()


@pytest.mark.parametrize("path", ["units", "stock-groups", "godowns", "items"])
def test_each_list_page_and_its_region(company, alice, path):
    page = browser(alice).get(f"/c/{company.pk}/inventory/{path}/")
    assert page.status_code == 200
    region = path.replace("items", "stock-items").rstrip("s") + "-list"
    html = page.content.decode()
    assert f'id="{region}"' in html
    fetched = browser(alice).get(
        f"/c/{company.pk}/inventory/{path}/", headers={"HX-Request": "true", "HX-Target": region}
    )
    assert (
        fetched.content.decode()
        .lstrip()
        .startswith(f'<table class="report master-list" id="{region}"')
    )


def test_the_stock_items_list_reads_in_a_fixed_number_of_queries(
    company, alice, django_assert_num_queries
):
    unit_create(company=company, actor=alice, data={"symbol": "Nos"})
    for n in range(5):
        stock_item_create(
            company=company,
            actor=alice,
            data={
                "name": f"Item {n}",
                "unit": "Nos",
                "opening": [{"godown": "Main Location", "quantity": "1", "rate": "5"}],
            },
        )
    client = client_for(alice)
    client.get(f"/c/{company.pk}/inventory/items/")  # the token's use noted once
    with django_assert_num_queries(4):  # token, membership, items with units/groups, openings
        rows = client.get(f"/c/{company.pk}/inventory/items/").json()
    assert len(rows) == 5


def test_a_saved_item_refreshes_the_lists_on_other_screens(company, alice):
    unit_create(company=company, actor=alice, data={"symbol": "Nos"})
    item = stock_item_create(company=company, actor=alice, data={"name": "Bowl", "unit": "Nos"})
    assert "stock-item-list" in change_patch(item.change).refresh
    renamed_unit = Change.objects.get(object_type="unit")
    assert {"unit-list", "stock-item-list"} <= set(change_patch(renamed_unit).refresh)


def test_a_deleted_master_leaves_the_list_at_once(company, alice, api):
    godown = godown_create(company=company, actor=alice, data={"name": "Pune"})
    api.delete(f"/c/{company.pk}/inventory/godowns/{godown.pk}/?version=1")
    gone = Change.objects.filter(object_type="godown", verb="delete").get()
    html = "".join(change_patch(gone).html)
    assert f'<tr id="godown-{godown.pk}" hx-swap-oob="delete"></tr>' in html


def test_the_edit_log_shows_a_stock_item_with_tallys_labels(company, alice, api):
    unit_create(company=company, actor=alice, data={"symbol": "Nos"})
    item = stock_item_create(company=company, actor=alice, data={"name": "Bowl", "unit": "Nos"})
    api.patch(
        f"/c/{company.pk}/inventory/items/{item.pk}/",
        {"hsn_sac": "7323", "version": 1},
        content_type="application/json",
    )
    page = browser(alice).get(f"/c/{company.pk}/editlog/?type=stock_item").content.decode()
    assert '<option value="stock_item" selected>' in page
    assert "HSN/SAC:" in page


def test_the_menu_links_the_stock_items(company, alice):
    page = browser(alice).get(f"/c/{company.pk}/").content.decode()
    assert f'href="/c/{company.pk}/inventory/items/"' in page


def test_unit_alteration_page_keeps_a_simple_unit_simple(company, alice):
    unit = unit_create(company=company, actor=alice, data={"symbol": "Nos"})
    page = browser(alice)
    form = page.get(f"/c/{company.pk}/inventory/units/{unit.pk}/edit/").content.decode()
    assert "Unit Alteration" in form
    saved = page.post(
        f"/c/{company.pk}/inventory/units/{unit.pk}/",
        {
            "version": "1",
            "symbol": "Nos",
            "formal_name": "Numbers",
            "uqc": "nos",
            "decimal_places": "0",
            "first_unit": "",
            "conversion": "",
            "second_unit": "",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    unit.refresh_from_db()
    assert (unit.formal_name, unit.uqc, unit.version, unit.is_compound) == (
        "Numbers",
        "NOS",
        2,
        False,
    )


def test_godown_and_group_pages_save_under_primary(company, alice):
    page = browser(alice)
    saved = page.post(f"/c/{company.pk}/inventory/godowns/", {"name": "Pune", "parent": "Primary"})
    assert saved.status_code == 302
    saved = page.post(
        f"/c/{company.pk}/inventory/stock-groups/",
        {"name": "Utensils", "parent": "Primary", "quantities_addable": "false"},
    )
    assert saved.status_code == 302
    listed = page.get(f"/c/{company.pk}/inventory/stock-groups/").content.decode()
    assert "Utensils" in listed and "<td>No</td>" in listed


def test_stock_item_alteration_page_shows_and_keeps_its_opening(company, alice):
    unit_create(company=company, actor=alice, data={"symbol": "Nos"})
    opening = [{"godown": "Main Location", "quantity": "200", "rate": "56"}]
    item = stock_item_create(
        company=company, actor=alice, data={"name": "Steel Bowl", "unit": "Nos", "opening": opening}
    )
    page = browser(alice)
    html = page.get(f"/c/{company.pk}/inventory/items/{item.pk}/edit/").content.decode()
    assert "Stock Item Alteration" in html
    assert 'name="opening-0-value" value="11,200.00"' in html
    saved = page.post(
        f"/c/{company.pk}/inventory/items/{item.pk}/",
        {
            "version": "1",
            "name": "Steel Bowl",
            "group": "Primary",
            "unit": "Nos",
            "costing_method": "fifo",
            "hsn_sac": "",
            "opening-0-godown": "Main Location",
            "opening-0-quantity": "200",
            "opening-0-rate": "56.00",
            "opening-0-value": "11,200.00",
            "opening-1-godown": "",
            "opening-1-quantity": "",
            "opening-1-rate": "",
            "opening-1-value": "",
        },
    )
    assert saved.status_code == 302
    item.refresh_from_db()
    assert (item.costing_method, item.version) == ("fifo", 2)
    assert [(o.quantity, o.value) for o in item.openings.all()] == [(200, 11200)]
