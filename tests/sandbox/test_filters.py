"""Every documented filter and sort of the read endpoints, checked against the seed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.sandbox.seed import PatientRecord


def all_pages(api: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        body = api.get(path, params={**params, "page": page, "size": 250}).json()
        rows.extend(body["content"])
        if body["last"]:
            assert len(rows) == body["total"]
            return rows
        page += 1


def patients(sandbox: SandboxServer) -> list[PatientRecord]:
    return list(sandbox.seed.patients.values())


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [int(r["id"]) for r in rows]


def test_patient_ids_repeated_and_comma_joined(api_ro: httpx.Client) -> None:
    repeated = api_ro.get("/patient", params=[("id", 10005), ("id", 10003), ("id", 1)]).json()
    assert ids(repeated["content"]) == [10003, 10005]
    joined = api_ro.get("/patient", params={"id": "10005,10003"}).json()
    assert ids(joined["content"]) == [10003, 10005]
    assert api_ro.get("/patient", params={"id": "x"}).status_code == 400


def test_patient_site_filter(api_ro: httpx.Client, sandbox_session: SandboxServer) -> None:
    rows = all_pages(api_ro, "/patient", siteId=[101, 102])
    expected = [p.id for p in patients(sandbox_session) if p.site_id in (101, 102)]
    assert ids(rows) == expected
    assert {r["site"]["id"] for r in rows} == {101, 102}


def test_patient_external_identifier(api_ro: httpx.Client, sandbox_session: SandboxServer) -> None:
    wanted = [p.external_identifier for p in patients(sandbox_session)[10:13]]
    rows = api_ro.get("/patient", params={"externalIdentifier": wanted}).json()["content"]
    assert sorted(r["externalIdentifier"] for r in rows) == sorted(wanted)
    assert all(w.startswith("MRN-") and len(w) == 10 for w in wanted)


def test_patient_email_is_case_insensitive_exact(
    api_ro: httpx.Client, sandbox_session: SandboxServer
) -> None:
    target = next(p for p in patients(sandbox_session) if p.email)
    assert target.email is not None
    rows = api_ro.get("/patient", params={"email": target.email.upper()}).json()["content"]
    assert ids(rows) == [target.id]
    partial = api_ro.get("/patient", params={"email": target.email[:-3]}).json()
    assert partial["total"] == 0


def test_patient_name_is_partial_over_first_last_and_full(
    api_ro: httpx.Client, sandbox_session: SandboxServer
) -> None:
    target = patients(sandbox_session)[42]
    full = f"{target.first_name} {target.last_name}"
    for query in (full.upper(), target.last_name.lower()[:4], target.first_name, f" {full}  "):
        rows = all_pages(api_ro, "/patient", name=query)
        needle = " ".join(query.lower().split())
        expected = [p.id for p in patients(sandbox_session) if needle in p.search_name]
        assert ids(rows) == expected
        assert target.id in ids(rows)


def test_same_name_patients_differ_by_birthday(
    api_ro: httpx.Client, sandbox_session: SandboxServer
) -> None:
    twin = patients(sandbox_session)[207]
    rows = all_pages(api_ro, "/patient", name=f"{twin.first_name} {twin.last_name}")
    same = [r for r in rows if (r["firstName"], r["lastName"]) == (twin.first_name, twin.last_name)]
    assert len(same) >= 2
    assert len({r["dateOfBirth"] for r in same}) == len(same)


@pytest.mark.parametrize("flag", ["archived", "enrolled"])
@pytest.mark.parametrize("value", [True, False])
def test_patient_boolean_filters(
    api_ro: httpx.Client, sandbox_session: SandboxServer, flag: str, value: bool
) -> None:
    total = api_ro.get("/patient", params={flag: str(value).lower()}).json()["total"]
    expected = sum(getattr(p, flag) == value for p in patients(sandbox_session))
    assert total == expected
    assert 0 < total < len(patients(sandbox_session))
    assert api_ro.get("/patient", params={flag: "maybe"}).status_code == 400


def test_patient_date_of_birth_range(api_ro: httpx.Client, sandbox_session: SandboxServer) -> None:
    rows = all_pages(api_ro, "/patient", dateOfBirthMin="1950-01-01", dateOfBirthMax="1950-12-31")
    expected = [p.id for p in patients(sandbox_session) if p.date_of_birth.startswith("1950-")]
    assert ids(rows) == expected
    assert expected
    assert api_ro.get("/patient", params={"dateOfBirthMin": "1950-13-01"}).status_code == 400


def test_patient_postal_code_and_country(
    api_ro: httpx.Client, sandbox_session: SandboxServer
) -> None:
    target = patients(sandbox_session)[5]
    rows = all_pages(api_ro, "/patient", postalCode=target.zip_code)
    assert ids(rows) == [p.id for p in patients(sandbox_session) if p.zip_code == target.zip_code]
    assert api_ro.get("/patient", params={"country": "usa"}).json()["total"] == len(
        patients(sandbox_session)
    )
    assert api_ro.get("/patient", params={"country": "CAN"}).json()["total"] == 0


def test_patient_filters_combine(api_ro: httpx.Client, sandbox_session: SandboxServer) -> None:
    rows = all_pages(api_ro, "/patient", siteId=103, archived="false", enrolled="true")
    expected = [
        p.id
        for p in patients(sandbox_session)
        if p.site_id == 103 and not p.archived and p.enrolled
    ]
    assert ids(rows) == expected


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("firstName", lambda r: (r["firstName"].lower(), r["lastName"].lower(), r["id"])),
        ("lastName", lambda r: (r["lastName"].lower(), r["firstName"].lower(), r["id"])),
        ("patientId", lambda r: r["id"]),
    ],
)
def test_patient_sorts(api_ro: httpx.Client, sort: str, key: Any) -> None:
    rows = all_pages(api_ro, "/patient", siteId=104, sort=sort)
    assert rows == sorted(rows, key=key)
    down = all_pages(api_ro, "/patient", siteId=104, sort=sort, sortDescending="true")
    assert down == list(reversed(rows))
    assert api_ro.get("/patient", params={"sort": "dateOfBirth"}).status_code == 400


def test_patient_fetches(api_ro: httpx.Client, sandbox_session: SandboxServer) -> None:
    target = next(p for p in patients(sandbox_session) if p.email)
    assert target.email is not None
    one = api_ro.get(f"/patient/{target.id}").json()
    assert one["externalIdentifier"] == target.external_identifier
    by_ident = api_ro.get(f"/patient/identifier/{target.external_identifier}")
    assert by_ident.json() == one
    by_email = api_ro.post("/patient/find-by-email", json={"email": target.email.upper()})
    assert by_email.json() == one
    assert api_ro.get("/patient/identifier/MRN-nope").status_code == 404
    missing = api_ro.post("/patient/find-by-email", json={"email": "no.one@example.com"})
    assert missing.status_code == 404
    assert api_ro.post("/patient/find-by-email", json={}).status_code == 400
    assert api_ro.post("/patient/find-by-email", content=b"{").status_code == 400


def test_patient_records_look_real(api_ro: httpx.Client) -> None:
    for p in api_ro.get("/patient", params={"size": 100}).json()["content"]:
        assert p["firstName"]
        assert p["lastName"]
        assert len(p["dateOfBirth"]) == 10
        assert p["address"]["country"] == "USA"
        assert len(p["address"]["state"]) == 2
        assert len(p["address"]["zipCode"]) == 5
        assert p["sex"] in ("female", "male", "other", "unknown")
        assert len(p["phoneNumber"]) == 12


def test_sites(api_ro: httpx.Client) -> None:
    sites = all_pages(api_ro, "/site")
    assert len(sites) == 25
    assert sum(not s["active"] for s in sites) == 2
    assert api_ro.get("/site/105").json() == sites[4]


def test_item_filters(api_ro: httpx.Client, sandbox_session: SandboxServer) -> None:
    items = list(sandbox_session.seed.items.values())
    assert len(all_pages(api_ro, "/item")) == 80
    by_name = all_pages(api_ro, "/item", name="blood pressure")
    assert ids(by_name) == [i.id for i in items if "blood pressure" in i.name.lower()]
    assert ids(all_pages(api_ro, "/item", model="bp79")) == [
        i.id for i in items if "bp79" in i.model.lower()
    ]
    assert ids(all_pages(api_ro, "/item", sku=items[3].sku)) == [items[3].id]
    assert ids(all_pages(api_ro, "/item", id="1003,1001")) == [1001, 1003]
    scales = all_pages(api_ro, "/item", readingType="weight", itemSize=["large", "extraLarge"])
    assert ids(scales) == [i.id for i in items if i.reading_type == "weight"]
    power = all_pages(api_ro, "/item", itemClass="power", manufacturerId=11)
    assert {r["manufacturer"]["name"] for r in power} == {"Duracell"}
    assert api_ro.get("/item", params={"itemClass": "rocket"}).status_code == 400
    assert sum(not r["orderable"] for r in all_pages(api_ro, "/item")) == 4


@pytest.mark.parametrize("sort", ["itemId", "itemName", "itemModel", "itemSku"])
def test_item_sorts(api_ro: httpx.Client, sort: str) -> None:
    field = {"itemId": "id", "itemName": "name", "itemModel": "model", "itemSku": "sku"}[sort]

    def key(r: dict[str, Any]) -> Any:
        value = r[field]
        return value.lower() if isinstance(value, str) else value

    rows = all_pages(api_ro, "/item", sort=sort)
    assert [key(r) for r in rows] == sorted(key(r) for r in rows)
    down = all_pages(api_ro, "/item", sort=sort, sortDescending="true")
    assert [key(r) for r in down] == sorted((key(r) for r in rows), reverse=True)


def test_item_detail(api_ro: httpx.Client) -> None:
    item = api_ro.get("/item/1001").json()
    assert item["deviceIdentifierType"] == "serial"
    assert item["itemClass"] == "circulatory"
    assert item["dimensions"]["unit"] == "in"


def test_kits(api_ro: httpx.Client, sandbox_session: SandboxServer) -> None:
    kits = all_pages(api_ro, "/kit")
    assert len(kits) == 12
    archived = all_pages(api_ro, "/kit", archived="true")
    assert len(archived) == 2
    assert all(k["archived"] for k in archived)
    assert len(all_pages(api_ro, "/kit", archived="false")) == 10
    with_monitor = all_pages(api_ro, "/kit", itemId=1002)
    assert ids(with_monitor) == [
        k.id for k in sandbox_session.seed.kits.values() if any(i == 1002 for i, _ in k.lines)
    ]
    assert len(with_monitor) >= 2
    assert api_ro.get("/kit/501").json()["kitItems"][0]["count"] >= 1


def test_manufacturers(api_ro: httpx.Client) -> None:
    rows = all_pages(api_ro, "/manufacturer")
    assert len(rows) >= 5
    assert api_ro.get(f"/manufacturer/{rows[0]['id']}").json() == rows[0]


def test_inventory(api_ro: httpx.Client) -> None:
    summary = all_pages(api_ro, "/inventory")
    assert len(summary) == 80
    one = api_ro.get("/inventory", params={"itemId": 1001}).json()["content"]
    assert [r["item"]["id"] for r in one] == [1001]
    warehouses = all_pages(api_ro, "/inventory/impilo", itemId=1001)
    assert len(warehouses) == 3
    assert all(r["site"]["name"].startswith("Impilo") for r in warehouses)
    site_rows = all_pages(api_ro, "/inventory/site", siteId=101)
    assert site_rows
    assert {r["site"]["id"] for r in site_rows} == {101}
    both = all_pages(api_ro, "/inventory/site", siteId=101, itemId=site_rows[0]["item"]["id"])
    assert len(both) == 1
    gateway = api_ro.get("/inventory", params={"itemId": 1062}).json()["content"][0]
    assert gateway["newCount"] == sum(
        r["newCount"] for r in all_pages(api_ro, "/inventory/site", itemId=1062)
    )
