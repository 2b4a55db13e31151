"""Open311 GeoReport v2: the specification's example requests, answered in the shapes of its
example responses (http://wiki.open311.org/GeoReport_v2, /Service_Discovery), in XML and JSON;
who reads which requests (without a key only public-area requests; with a key, what its user
sees in the app); filing with an api_key; the error format; privacy; query budgets."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from estates.models import User
from governance import open311, services
from governance.models import ApiKey, RequestCategory, ResidentRequest
from tests.conftest import World, make_user
from tests.governance.conftest import EN, T0, client_as, fresh, photo_file

FileRequest = Callable[..., ResidentRequest]
RequestIn = Callable[[str], ResidentRequest]
KeyOf = Callable[[User], str]
BASE = "/open311/v2"
# file_request(**PUBLIC_AREA): a request about the estate's public area, which anyone may read
# without a key (file_request's default, the resident's household, needs a key to be read).
PUBLIC_AREA: dict[str, Any] = {"place_kind": "public", "household": None, "public_place": "北门"}

# ---------------------------------------------------------------- the specification's example shapes
# The examples of the specification, with their element names and order (values shortened).

SPEC_DISCOVERY_XML = """<?xml version="1.0" encoding="UTF-8"?>
<discovery>
    <changeset>2011-02-03 14:18</changeset>
    <contact>api@mycity.org</contact>
    <key_service>http://api.mycity.gov/api_key/request</key_service>
    <endpoints>
        <endpoint>
            <specification>http://wiki.open311.org/GeoReport_v2</specification>
            <url>http://open311.mycity.gov/v2</url>
            <changeset>2010-11-23 09:01</changeset>
            <type>production</type>
            <formats><format>text/xml</format><format>application/json</format></formats>
        </endpoint>
    </endpoints>
</discovery>"""

SPEC_SERVICES_XML = """<?xml version="1.0" encoding="utf-8"?>
<services>
    <service>
        <service_code>001</service_code>
        <service_name>Cans left out 24x7</service_name>
        <description>Garbage or recycling cans left out.</description>
        <metadata>true</metadata>
        <type>realtime</type>
        <keywords>lorem, ipsum, dolor</keywords>
        <group>sanitation</group>
    </service>
</services>"""

SPEC_DEFINITION_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_definition>
    <service_code>DMV66</service_code>
    <attributes></attributes>
</service_definition>"""

SPEC_POST_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_requests>
    <request>
        <service_request_id>293944</service_request_id>
        <service_notice>The City will inspect within 24 hours.</service_notice>
        <account_id/>
    </request>
</service_requests>"""

SPEC_REQUESTS_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_requests>
    <request>
        <service_request_id>638344</service_request_id>
        <status>closed</status>
        <status_notes>Duplicate request.</status_notes>
        <service_name>Sidewalk and Curb Issues</service_name>
        <service_code>006</service_code>
        <description></description>
        <agency_responsible></agency_responsible>
        <service_notice></service_notice>
        <requested_datetime>2010-04-14T06:37:38-08:00</requested_datetime>
        <updated_datetime>2010-04-14T06:37:38-08:00</updated_datetime>
        <expected_datetime>2010-04-15T06:37:38-08:00</expected_datetime>
        <address>8TH AVE and JUDAH ST</address>
        <address_id>545483</address_id>
        <zipcode>94122</zipcode>
        <lat>37.762221815</lat>
        <long>-122.4651145</long>
        <media_url>http://city.gov.s3.amazonaws.com/requests/media/638344.jpg</media_url>
    </request>
</service_requests>"""

SPEC_ERRORS_XML = """<?xml version="1.0" encoding="utf-8"?>
<errors>
    <error>
        <code>403</code>
        <description>Invalid api_key received -- can't proceed with create_request.</description>
    </error>
</errors>"""

SPEC_SERVICE_KEYS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
SPEC_REQUEST_KEYS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
SPEC_POST_KEYS = ["service_request_id", "service_notice", "account_id"]
SPEC_ERROR_KEYS = ["code", "description"]


def shape(element: ET.Element) -> tuple[str, tuple[Any, ...]]:
    """An element's tag and its children's shapes in order, a run of same-tag siblings counted once."""
    children: list[Any] = []
    for child in element:
        child_shape = shape(child)
        if not children or children[-1][0] != child.tag:
            children.append(child_shape)
    return element.tag, tuple(children)


def spec_shape(example: str) -> tuple[str, tuple[Any, ...]]:
    return shape(ET.fromstring(example.encode("utf-8")))


def xml_of(response: Any, status: int = 200) -> ET.Element:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def json_of(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content.decode("utf-8"))


def get(path: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
    return Client().get(f"{BASE}/{path}", data or {}, **extra)


def ids_of(body: list[dict[str, Any]]) -> set[int]:
    return {row["service_request_id"] for row in body}


def post(path: str, data: dict[str, Any], **extra: Any) -> Any:
    # Form-encoded, as the specification sends it; CSRF checks on, as for any browser-less client.
    return Client(enforce_csrf_checks=True).post(f"{BASE}/{path}", data, **extra)


def errors_of(response: Any, status: int) -> list[dict[str, Any]]:
    """The errors of a JSON answer, checked against the specification's error shape."""
    body = json_of(response, status)
    assert isinstance(body, list)
    assert body
    for error in body:
        assert list(error) == SPEC_ERROR_KEYS
        assert error["code"] == status
    return body


@pytest.fixture
def key_of(db: Any) -> KeyOf:
    def _key(user: User) -> str:
        _key_row, raw_key = open311.issue_api_key(user, label="test app")
        return raw_key

    return _key


def filing(api_key: str, **extra: Any) -> dict[str, Any]:
    """The specification's example POST, in our terms (its personal fields included, to be ignored)."""
    data = {
        "api_key": api_key,
        "jurisdiction_id": "testserver",
        "service_code": "plumbing",
        "lat": "37.857000",
        "long": "113.573000",
        "email": "smit333@example.org",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "john",
        "last_name": "smith",
        "phone": "111111111",
        "description": "厨房下水道堵了，污水反上来",
        "attribute[WHISPAWN]": "123456",
    }
    data.update(extra)
    return data


# ---------------------------------------------------------------- discovery and services


def test_discovery_xml_has_the_shape_of_the_specification(world: World) -> None:
    root = xml_of(get("discovery.xml"))
    assert shape(root) == spec_shape(SPEC_DISCOVERY_XML)
    assert root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"
    assert root.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_discovery_json_is_an_object_like_the_specification(world: World) -> None:
    body = json_of(get("discovery.json"))
    assert list(body) == ["changeset", "contact", "key_service", "endpoints"]
    (endpoint,) = body["endpoints"]
    assert list(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["type"] in {"production", "test"}


def test_services_xml_lists_active_categories_in_the_specification_shape(
    categories: dict[str, RequestCategory],
) -> None:
    categories["lift"].is_active = False
    categories["lift"].save()
    root = xml_of(get("services.xml", {"jurisdiction_id": "testserver"}))
    assert shape(root) == spec_shape(SPEC_SERVICES_XML)
    codes = [service.findtext("service_code") for service in root.findall("service")]
    assert "lift" not in codes
    assert codes[:2] == ["repair", "plumbing"]
    plumbing = root.find("service[service_code='plumbing']")
    assert plumbing is not None
    assert plumbing.findtext("service_name") == "上下水与排污"
    assert plumbing.findtext("metadata") == "false"
    assert plumbing.findtext("type") == "realtime"
    assert plumbing.findtext("keywords") == "上下水与排污, Plumbing and sewage, plumbing"
    assert "24" in plumbing.findtext("description", "")
    assert "48" in plumbing.findtext("description", "")


def test_services_json_is_a_list_named_in_the_language_asked_for(categories: dict[str, RequestCategory]) -> None:
    body = json_of(get("services.json", **EN))
    assert isinstance(body, list)
    plumbing = next(service for service in body if service["service_code"] == "plumbing")
    assert list(plumbing) == SPEC_SERVICE_KEYS
    assert plumbing["service_name"] == "Plumbing and sewage"
    assert plumbing["metadata"] is False
    assert plumbing["type"] == "realtime"


def test_services_take_one_query(categories: dict[str, RequestCategory], django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        body = json_of(get("services.json"))
    assert len(body) == RequestCategory.objects.filter(is_active=True).count()


def test_service_definition_has_no_attributes(categories: dict[str, RequestCategory]) -> None:
    root = xml_of(get("services/plumbing.xml"))
    assert shape(root) == spec_shape(SPEC_DEFINITION_XML)
    assert root.findtext("service_code") == "plumbing"
    assert list(root.find("attributes") or []) == []
    assert json_of(get("services/plumbing.json")) == {"service_code": "plumbing", "attributes": []}


def test_unknown_service_code_is_404_in_the_error_format(categories: dict[str, RequestCategory]) -> None:
    root = xml_of(get("services/potholes.xml"), 404)
    assert shape(root) == spec_shape(SPEC_ERRORS_XML)
    assert root.findtext("error/code") == "404"
    assert "potholes" in root.findtext("error/description", "")
    (error,) = errors_of(get("services/potholes.json"), 404)
    assert "potholes" in error["description"]


def test_another_jurisdiction_is_404_and_no_suffix_means_xml(categories: dict[str, RequestCategory]) -> None:
    (error,) = errors_of(get("services.json", {"jurisdiction_id": "sfgov.org"}), 404)
    assert "sfgov.org" in error["description"]
    assert xml_of(get("services", {"jurisdiction_id": "www.testserver"})).tag == "services"


def test_unknown_format_and_wrong_method_answer_in_the_error_format(world: World) -> None:
    root = xml_of(get("services.html"), 404)
    assert root.tag == "errors"
    response = Client().delete(f"{BASE}/requests.json")
    assert response["Allow"] == "GET, HEAD, POST"
    errors_of(response, 405)
    errors_of(Client().post(f"{BASE}/services.json"), 405)


# ---------------------------------------------------------------- requests: reading


def test_requests_xml_has_the_shape_of_the_specification(
    world: World, request_in: RequestIn, property_staff: User, key_of: KeyOf
) -> None:
    # Household requests, read by the property company's app with its key.
    with time_machine.travel(T0, tick=False):
        taken = request_in("accepted")
        withdrawn = request_in("withdrawn")
        root = xml_of(get("requests.xml", {"jurisdiction_id": "testserver", "api_key": key_of(property_staff)}))
    assert shape(root) == spec_shape(SPEC_REQUESTS_XML)
    by_id = {int(r.findtext("service_request_id", "0")): r for r in root.findall("request")}
    assert set(by_id) == {taken.pk, withdrawn.pk}
    row = by_id[taken.pk]
    assert row.findtext("status") == "open"
    assert row.findtext("expected_datetime") == "2025-03-05T09:00:00+08:00"  # 48 hours for plumbing
    assert row.findtext("agency_responsible") == "蕴和物业"
    assert row.findtext("address") == "蕴园小区 3号楼3单元"
    assert row.findtext("address_id") == str(world.estate.pk)
    assert row.findtext("zipcode") == ""
    assert by_id[withdrawn.pk].findtext("status") == "closed"


def test_request_detail_json_whole_body(
    world: World, file_request: FileRequest, property_staff: User, key_of: KeyOf, settings: Any
) -> None:
    world.estate.latitude, world.estate.longitude = Decimal("37.857000"), Decimal("113.573000")
    world.estate.save()
    with time_machine.travel(T0, tick=False):
        target = file_request(photos=[photo_file()])
        services.accept_request(target, by=fresh(property_staff))
        services.start_request(target, by=fresh(property_staff), note="师傅已出发")
        body = json_of(get(f"requests/{target.pk}.json", {"api_key": key_of(property_staff)}))
    photo = target.photos.get()
    # The finer status, then the note of the latest step (the separator is translated).
    notes = body[0]["status_notes"]
    assert notes.startswith("处理中")
    assert notes.endswith("师傅已出发")
    assert body == [
        {
            "service_request_id": target.pk,
            "status": "open",
            "status_notes": notes,
            "service_name": "上下水与排污",
            "service_code": "plumbing",
            "description": "厨房下水道堵了",
            "agency_responsible": "蕴和物业",
            "service_notice": open311.service_data(target.category)["description"],
            "requested_datetime": "2025-03-03T09:00:00+08:00",
            "updated_datetime": "2025-03-03T09:00:00+08:00",
            "expected_datetime": "2025-03-05T09:00:00+08:00",
            "address": "蕴园小区 3号楼3单元",
            "address_id": world.estate.pk,
            "zipcode": None,
            "lat": 37.857,
            "long": 113.573,
            "media_url": f"http://testserver{settings.MEDIA_URL}{photo.image.name}",
        }
    ]
    assert list(body[0]) == SPEC_REQUEST_KEYS


def test_request_detail_xml_is_a_list_of_one_and_unknown_is_404(world: World, file_request: FileRequest) -> None:
    target = file_request(**PUBLIC_AREA)
    root = xml_of(get(f"requests/{target.pk}.xml"))
    assert shape(root) == spec_shape(SPEC_REQUESTS_XML)
    assert len(root.findall("request")) == 1
    assert root.findtext("request/agency_responsible") == ""  # nobody has taken it yet
    assert root.findtext("request/address") == "蕴园小区 北门"
    for missing in (str(target.pk + 1000), "abc", "99999999999999999999999"):
        errors_of(get(f"requests/{missing}.json"), 404)


def test_service_request_id_list_overrides_the_other_filters(
    world: World, request_in: RequestIn, staff: User, key_of: KeyOf
) -> None:
    api_key = key_of(staff)
    with time_machine.travel(T0 - timedelta(days=200), tick=False):
        old = request_in("closed")
    with time_machine.travel(T0, tick=False):
        new = request_in("accepted")
        request_in("submitted")
        query = {"service_request_id": f"{old.pk},{new.pk}", "status": "open", "service_code": "lift"}
        root = xml_of(get("requests.xml", {**query, "api_key": api_key}))
        # Without a key, the ids of household requests find nothing.
        anonymous = json_of(get("requests.json", query))
    assert sorted(int(r.findtext("service_request_id", "0")) for r in root.findall("request")) == [old.pk, new.pk]
    assert anonymous == []
    errors_of(get("requests.json", {"service_request_id": "12,abc"}), 400)


def test_status_filter_maps_final_statuses_to_closed(
    world: World, request_in: RequestIn, property_staff: User, key_of: KeyOf
) -> None:
    api_key = key_of(property_staff)
    with time_machine.travel(T0, tick=False):
        rows = {status: request_in(status) for status in ("submitted", "resolved", "closed", "withdrawn", "rejected")}
        opened = json_of(get("requests.json", {"status": "open", "api_key": api_key}))
        closed = json_of(get("requests.json", {"status": "closed", "api_key": api_key}))
        both = json_of(get("requests.json", {"status": "open,closed", "api_key": api_key}))
    assert {r["service_request_id"] for r in opened} == {rows["submitted"].pk, rows["resolved"].pk}
    assert {r["service_request_id"] for r in closed} == {rows[s].pk for s in ("closed", "withdrawn", "rejected")}
    assert len(both) == 5
    notes = {r["service_request_id"]: r["status_notes"] for r in closed + opened}
    assert notes[rows["rejected"].pk].startswith("已驳回")
    assert notes[rows["rejected"].pk].endswith("重复提交")
    assert notes[rows["closed"].pk].endswith("已疏通")  # the resolution, not the rating
    assert notes[rows["submitted"].pk] == "已提交"
    errors_of(get("requests.json", {"status": "pending"}), 400)


def test_service_code_filter_takes_a_comma_list(
    world: World, file_request: FileRequest, categories: dict[str, RequestCategory]
) -> None:
    with time_machine.travel(T0, tick=False):
        plumbing = file_request(**PUBLIC_AREA)
        lift = file_request(category=categories["lift"], **PUBLIC_AREA)
        file_request(category=categories["repair"], **PUBLIC_AREA)
        body = json_of(get("requests.json", {"service_code": "plumbing,lift"}))
        none = json_of(get("requests.json", {"service_code": "potholes"}))
    assert {r["service_request_id"] for r in body} == {plumbing.pk, lift.pk}
    assert none == []


def test_date_filters_default_to_the_last_90_days(world: World, file_request: FileRequest) -> None:
    made = {}
    for days in (120, 60, 1):
        with time_machine.travel(T0 - timedelta(days=days), tick=False):
            made[days] = file_request(**PUBLIC_AREA).pk
    with time_machine.travel(T0, tick=False):
        recent = json_of(get("requests.json"))
        window = json_of(
            get("requests.json", {"start_date": "2024-11-01T00:00:00Z", "end_date": "2024-12-31T00:00:00Z"})
        )
        from_date = json_of(get("requests.json", {"start_date": "2025-01-01"}))
        # An unencoded "+" arrives as a space: still understood.
        unencoded = Client().get(f"{BASE}/requests.json?end_date=2024-12-31T00:00:00+08:00")
        too_long = get(
            "requests.json", {"start_date": "2024-01-01T00:00:00Z", "end_date": "2025-01-01T00:00:00Z"}, **EN
        )
        backwards = get("requests.json", {"start_date": "2025-01-01T00:00:00Z", "end_date": "2024-12-01T00:00:00Z"})
        garbage = get("requests.json", {"start_date": "last tuesday"}, **EN)
    assert [r["service_request_id"] for r in recent] == [made[1], made[60]]
    assert [r["service_request_id"] for r in window] == [made[120]]
    assert [r["service_request_id"] for r in from_date] == [made[1], made[60]]
    assert [r["service_request_id"] for r in json_of(unencoded)] == [made[120]]
    assert "90 days" in errors_of(too_long, 400)[0]["description"]
    errors_of(backwards, 400)
    assert "start_date" in errors_of(garbage, 400)[0]["description"]


def test_at_most_1000_requests_then_pages(world: World, resident: User, plumbing: RequestCategory) -> None:
    now = timezone.now()
    ResidentRequest.objects.bulk_create(
        ResidentRequest(
            estate=world.estate,
            category=plumbing,
            place_kind="public",
            public_place="北门",
            description=f"第{i}件",
            filed_by=resident,
            on_behalf_of=resident,
            created_at=now - timedelta(minutes=i),
        )
        for i in range(1001)
    )
    first = json_of(get("requests.json"))
    assert len(first) == 1000
    assert first[0]["description"] == "第0件"
    assert [r["description"] for r in json_of(get("requests.json", {"page": "2"}))] == ["第1000件"]
    assert len(json_of(get("requests.json", {"page": "3", "page_size": "10"}))) == 10
    for bad in ({"page_size": "1001"}, {"page": "0"}, {"page_size": "x"}):
        errors_of(get("requests.json", bad), 400)


# Reading with a key adds a constant: the key with its user, recording its use, and the
# user's scope (for ResidentRequest.objects.visible_to).
KEY_QUERIES = 4


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("reader", ["anonymous", "property_staff"])
def test_request_list_takes_one_query_whatever_its_length(
    world: World,
    resident: User,
    property_staff: User,
    plumbing: RequestCategory,
    key_of: KeyOf,
    reader: str,
    rows: int,
    django_assert_num_queries: Any,
) -> None:
    for i in range(rows):
        for place in ({"place_kind": "household", "household": world.household}, PUBLIC_AREA):
            target = services.file_request(
                world.estate,
                by=fresh(resident),
                category=plumbing,
                description=f"第{i}件事",
                photos=[photo_file()] if i % 3 == 0 else [],
                **place,
            )
            if i % 2:
                services.accept_request(target, by=fresh(property_staff))
    # the requests, joined with category, estate, community, place and company; first photo and
    # latest public note as subqueries
    query, queries, listed = {}, 1, rows  # without a key, the public-area requests only
    if reader == "property_staff":
        query, queries, listed = {"api_key": key_of(property_staff)}, 1 + KEY_QUERIES, 2 * rows
    with django_assert_num_queries(queries):
        body = json_of(get("requests.json", query))
    assert len(body) == listed
    with django_assert_num_queries(queries):
        assert len(xml_of(get("requests.xml", query)).findall("request")) == listed


# ---------------------------------------------------------------- requests: who reads which


def test_without_a_key_only_public_area_requests_are_listed(world: World, file_request: FileRequest) -> None:
    public = file_request(**PUBLIC_AREA)
    home = file_request()
    stairwell = file_request(place_kind="unit", household=None, unit=world.unit)
    assert ids_of(json_of(get("requests.json"))) == {public.pk}
    root = xml_of(get("requests.xml"))
    assert [int(r.findtext("service_request_id", "0")) for r in root.findall("request")] == [public.pk]
    assert ids_of(json_of(get(f"requests/{public.pk}.json"))) == {public.pk}
    assert xml_of(get(f"requests/{public.pk}.xml")).findtext("request/address") == "蕴园小区 北门"
    for hidden in (home, stairwell):
        errors_of(get(f"requests/{hidden.pk}.json"), 404)
        assert shape(xml_of(get(f"requests/{hidden.pk}.xml"), 404)) == spec_shape(SPEC_ERRORS_XML)
        assert json_of(get("requests.json", {"service_request_id": str(hidden.pk)})) == []


def test_a_residents_key_lists_their_own_household_requests_not_the_neighbours(
    world: World, file_request: FileRequest, resident: User, neighbour: User, key_of: KeyOf
) -> None:
    mine = file_request()
    theirs = file_request(by=fresh(neighbour), household=world.neighbour_household, description="阳台漏水")
    resident_key, neighbour_key = key_of(resident), key_of(neighbour)
    listed = json_of(get("requests.json", {"api_key": resident_key}))
    assert mine.pk in ids_of(listed)
    assert theirs.pk not in ids_of(listed)
    root = xml_of(get("requests.xml", {"api_key": resident_key}))
    assert theirs.pk not in {int(r.findtext("service_request_id", "0")) for r in root.findall("request")}
    assert ids_of(json_of(get(f"requests/{mine.pk}.json", {"api_key": resident_key}))) == {mine.pk}
    errors_of(get(f"requests/{theirs.pk}.json", {"api_key": resident_key}), 404)
    xml_of(get(f"requests/{theirs.pk}.xml", {"api_key": resident_key}), 404)
    listed = json_of(get("requests.json", {"api_key": neighbour_key}))
    assert theirs.pk in ids_of(listed)
    assert mine.pk not in ids_of(listed)


def test_property_staff_key_lists_the_estates_requests_and_an_outsiders_key_does_not(
    world: World,
    file_request: FileRequest,
    neighbour: User,
    property_staff: User,
    outsider: User,
    plumbing: RequestCategory,
    key_of: KeyOf,
) -> None:
    mine = file_request()
    theirs = file_request(by=fresh(neighbour), household=world.neighbour_household, description="阳台漏水")
    public = file_request(**PUBLIC_AREA)
    far_away = make_user("far-resident", phone="13300001111", full_name="孙远")
    far_away.memberships.create(role="resident", household=world.other_household)
    elsewhere = services.file_request(
        world.other_estate,
        by=fresh(far_away),
        category=plumbing,
        place_kind="household",
        household=world.other_household,
        description="暖气不热",
    )
    company_key = key_of(property_staff)
    assert ids_of(json_of(get("requests.json", {"api_key": company_key}))) == {mine.pk, theirs.pk, public.pk}
    root = xml_of(get("requests.xml", {"api_key": company_key}))
    assert len(root.findall("request")) == 3
    assert ids_of(json_of(get(f"requests/{theirs.pk}.json", {"api_key": company_key}))) == {theirs.pk}
    errors_of(get(f"requests/{elsewhere.pk}.json", {"api_key": company_key}), 404)
    # The outsider is community staff of 体委小区: that estate's requests, and of 蕴园小区's only
    # the public-area one that anybody may read.
    outsider_key = key_of(outsider)
    assert ids_of(json_of(get("requests.json", {"api_key": outsider_key}))) == {elsewhere.pk, public.pk}
    for pk in (mine.pk, theirs.pk):
        errors_of(get(f"requests/{pk}.json", {"api_key": outsider_key}), 404)


def test_a_bad_api_key_on_get_is_403_in_the_error_format(
    world: World, file_request: FileRequest, resident: User, key_of: KeyOf
) -> None:
    public = file_request(**PUBLIC_AREA)
    revoked = key_of(resident)
    ApiKey.objects.update(is_active=False)
    # Refused rather than ignored, even where no key is needed (the public-area request).
    for bad in ("not-a-key", revoked, "k" * 201):
        for path in ("requests", f"requests/{public.pk}"):
            root = xml_of(get(f"{path}.xml", {"api_key": bad}, **EN), 403)
            assert shape(root) == spec_shape(SPEC_ERRORS_XML)
            assert root.findtext("error/code") == "403"
            assert "api_key" in root.findtext("error/description", "")
            (error,) = errors_of(get(f"{path}.json", {"api_key": bad}, **EN), 403)
            assert "api_key" in error["description"]
    # An empty key is no key.
    assert ids_of(json_of(get("requests.json", {"api_key": " "}))) == {public.pk}


# ---------------------------------------------------------------- requests: filing


def test_resident_files_with_a_key_and_the_property_company_sees_it(
    world: World, categories: dict[str, RequestCategory], resident: User, property_staff: User, key_of: KeyOf
) -> None:
    root = xml_of(post("requests.xml", filing(key_of(resident))))
    assert shape(root) == spec_shape(SPEC_POST_XML)
    pk = int(root.findtext("request/service_request_id", "0"))
    assert root.findtext("request/account_id") == str(resident.pk)
    created = ResidentRequest.objects.get(pk=pk)
    assert (created.filed_by, created.on_behalf_of, created.is_filed_by_staff) == (resident, resident, False)
    assert (created.place_kind, created.household) == ("household", world.household)
    assert (created.latitude, created.longitude) == (Decimal("37.857000"), Decimal("113.573000"))
    assert created.description == "厨房下水道堵了，污水反上来"
    assert [e.action for e in created.events.all()] == ["filed"]
    listed = client_as(property_staff).get("/api/v1/requests/").json()["results"]
    assert pk in [row["id"] for row in listed]
    accepted = client_as(property_staff).post(f"/api/v1/requests/{pk}/accept/", {}, format="json")
    assert accepted.status_code == 200
    assert json_of(get(f"requests/{pk}.json", {"api_key": key_of(property_staff)}))[0]["expected_datetime"]
    assert json_of(get(f"requests/{pk}.json", {"api_key": key_of(resident)}))[0]["status"] == "open"
    errors_of(get(f"requests/{pk}.json"), 404)  # a household request: not without a key


def test_post_json_answers_a_list_like_the_specification(
    world: World, categories: dict[str, RequestCategory], resident: User, key_of: Any
) -> None:
    data = filing(key_of(resident), address_string="北门停车场", media_url="http://example.org/x.jpg")
    data.pop("lat")
    data.pop("long")
    body = json_of(post("requests.json", data, **EN))
    assert isinstance(body, list)
    (reply,) = body
    assert list(reply) == SPEC_POST_KEYS
    assert "media_url" in reply["service_notice"]
    created = ResidentRequest.objects.get(pk=reply["service_request_id"])
    assert (created.place_kind, created.public_place, created.photos.count()) == ("public", "北门停车场", 0)
    assert json_of(get(f"requests/{created.pk}.json"))[0]["address"] == "蕴园小区 北门停车场"


def test_address_id_names_the_estate(
    world: World, categories: dict[str, RequestCategory], resident: User, key_of: Any
) -> None:
    data = filing(key_of(resident), address_id=str(world.estate.pk))
    data.pop("lat")
    data.pop("long")
    (reply,) = json_of(post("requests.json", data))
    assert ResidentRequest.objects.get(pk=reply["service_request_id"]).estate == world.estate
    (error,) = errors_of(post("requests.json", {**data, "address_id": str(world.other_estate.pk)}), 403)
    assert error["description"]
    errors_of(post("requests.json", {**data, "address_id": "999999"}), 400)


def test_missing_or_unknown_api_key_is_403(world: World, categories: dict[str, RequestCategory]) -> None:
    root = xml_of(post("requests.xml", filing(""), **EN), 403)
    assert shape(root) == spec_shape(SPEC_ERRORS_XML)
    assert root.findtext("error/code") == "403"
    assert "api_key" in root.findtext("error/description", "")
    errors_of(post("requests.json", filing("not-a-key")), 403)
    assert not ResidentRequest.objects.exists()


def test_revoked_key_and_demo_account_key_are_403(
    world: World, categories: dict[str, RequestCategory], resident: User, key_of: Any, settings: Any
) -> None:
    raw_key = key_of(resident)
    ApiKey.objects.update(is_active=False)
    errors_of(post("requests.json", filing(raw_key)), 403)
    demo = make_user("demo-resident", is_demo=True)
    demo.memberships.create(role="resident", household=world.neighbour_household)
    settings.DEMO_LOGINS_ENABLED = False
    errors_of(post("requests.json", filing(key_of(demo))), 403)
    settings.DEMO_LOGINS_ENABLED = True
    json_of(post("requests.json", filing(key_of(demo))))


def test_key_is_stored_as_a_digest_and_its_use_recorded(world: World, resident: User) -> None:
    key, raw_key = open311.issue_api_key(resident, label="街道小程序")
    assert raw_key not in key.key_hash
    assert key.prefix == raw_key[:8]
    assert key.last_used_at is None
    assert open311.authenticate_api_key(raw_key) == key
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert open311.authenticate_api_key(raw_key[:-1]) is None


def test_unknown_service_code_on_post_is_404(
    world: World, categories: dict[str, RequestCategory], resident: User, key_of: Any
) -> None:
    (error,) = errors_of(post("requests.json", filing(key_of(resident), service_code="potholes")), 404)
    assert "potholes" in error["description"]


def test_bad_input_is_400_with_every_problem_listed(
    world: World, categories: dict[str, RequestCategory], resident: User, key_of: Any
) -> None:
    raw_key = key_of(resident)
    bad = filing(raw_key, service_code="", lat="north", description="")
    descriptions = " | ".join(e["description"] for e in errors_of(post("requests.json", bad, **EN), 400))
    assert "service_code" in descriptions
    assert "lat" in descriptions
    assert "description" in descriptions
    (error,) = errors_of(post("requests.json", filing(raw_key, lat="91"), **EN), 400)
    assert "lat" in error["description"]
    (error,) = errors_of(post("requests.json", filing(raw_key, long=""), **EN), 400)
    assert "lat and long" in error["description"]
    nowhere = filing(raw_key)
    nowhere.pop("lat")
    nowhere.pop("long")
    (error,) = errors_of(post("requests.json", nowhere, **EN), 400)
    assert "location" in error["description"]
    (error,) = errors_of(post("requests.json", filing(raw_key, description="修" * 2001), **EN), 400)
    assert error["description"].startswith("description:")
    xml_of(post("requests.xml", filing(raw_key, description="")), 400)
    assert not ResidentRequest.objects.exists()


def test_only_residents_file_with_a_key(
    world: World, categories: dict[str, RequestCategory], staff: User, outsider: User, key_of: Any
) -> None:
    # Community staff file on a resident's behalf in the app; a key files only for its own user.
    (error,) = errors_of(post("requests.json", filing(key_of(outsider)), **EN), 403)
    assert "resident" in error["description"]
    (error,) = errors_of(post("requests.json", filing(key_of(staff), address_id=str(world.estate.pk)), **EN), 403)
    assert "resident" in error["description"]
    assert not ResidentRequest.objects.exists()


def test_a_resident_of_two_estates_names_the_estate(
    world: World, categories: dict[str, RequestCategory], resident: User, key_of: Any
) -> None:
    resident.memberships.create(role="resident", household=world.other_household)
    raw_key = key_of(resident)
    (error,) = errors_of(post("requests.json", filing(raw_key), **EN), 400)
    assert "address_id" in error["description"]
    (reply,) = json_of(post("requests.json", filing(raw_key, address_id=str(world.other_estate.pk))))
    created = ResidentRequest.objects.get(pk=reply["service_request_id"])
    assert (created.estate, created.household) == (world.other_estate, world.other_household)


# ---------------------------------------------------------------- privacy


def test_no_name_phone_or_room_in_any_open311_answer(
    world: World,
    categories: dict[str, RequestCategory],
    resident: User,
    staff: User,
    property_staff: User,
    key_of: KeyOf,
) -> None:
    world.household.room = "甲1709"
    world.household.save()
    resident_key = key_of(resident)
    reply = post("requests.json", filing(resident_key, description="水管漏了，请打13812341234或找女儿13999998888联系"))
    (created,) = json_of(reply)
    target = ResidentRequest.objects.get(pk=created["service_request_id"])
    services.accept_request(target, by=fresh(property_staff))
    services.escalate_request(target, by=fresh(staff), note="李居民投诉 甲1709")
    services.start_request(target, by=fresh(property_staff))
    services.resolve_request(target, by=fresh(property_staff), note="已修好，李居民已确认 13812341234")
    # A public-area request anyone may read, with the same personal details in its text.
    public_reply = post(
        "requests.json",
        filing(resident_key, address_string="北门 李居民家门口", description="北门灯坏了，李居民 13999998888"),
    )
    (public,) = json_of(public_reply)
    paths = ("requests.xml", "requests.json", f"requests/{target.pk}.xml", f"requests/{target.pk}.json")
    public_paths = (f"requests/{public['service_request_id']}.xml", f"requests/{public['service_request_id']}.json")
    answers = (
        [reply, public_reply, get("services.xml"), get("discovery.json")]
        # Read with a key: the community's and the property company's staff, the resident.
        + [get(path, {"api_key": key_of(reader)}) for reader in (staff, property_staff, resident) for path in paths]
        # Read without a key: the public-area request only.
        + [get(path) for path in ("requests.xml", "requests.json", *public_paths)]
    )
    for answer in answers:
        assert answer.status_code == 200, answer.content
        raw = answer.content
        for secret in (resident.full_name, resident.phone, "1709", "13999998888", property_staff.full_name):
            assert secret.encode("utf-8") not in raw, (secret, raw.decode("utf-8"))
    (row,) = json_of(get(f"requests/{target.pk}.json", {"api_key": key_of(staff)}))
    assert row["description"] == "水管漏了，请打**或找女儿139****8888联系"
    assert row["address"] == "蕴园小区 3号楼3单元"
    assert row["status_notes"].endswith("已修好，**已确认 **")
    assert [r["service_request_id"] for r in json_of(get("requests.json"))] == [public["service_request_id"]]


def test_control_characters_do_not_break_the_xml(world: World, file_request: FileRequest) -> None:
    target = file_request(description="门口\x01灯坏了 <b>&amp;</b>", **PUBLIC_AREA)
    root = xml_of(get(f"requests/{target.pk}.xml"))
    assert root.findtext("request/description") == "门口灯坏了 <b>&amp;</b>"


# ---------------------------------------------------------------- keys in the admin


def test_admin_issues_a_key_shown_once(world: World, resident: User, superuser: User) -> None:
    client = Client()
    client.force_login(superuser)
    response = client.post(
        "/admin/governance/apikey/add/", {"user": resident.pk, "label": "物业小程序", "is_active": "on"}, follow=True
    )
    assert response.status_code == 200
    key = ApiKey.objects.get()
    # The key is URL-safe base64 (token_urlsafe): read it out of the message whatever the language.
    text = " ".join(str(message) for message in response.context["messages"])
    shown = re.search(re.escape(key.prefix) + r"[A-Za-z0-9_-]*", text).group(0)
    assert ApiKey.digest(shown) == key.key_hash
    assert (key.user, key.label, key.is_active) == (resident, "物业小程序", True)
    assert open311.authenticate_api_key(shown) == key


@pytest.mark.parametrize(
    ("text", "public"),
    [
        ("请打13812341234", "请打138****1234"),
        ("座机0353-1234567", "座机035****4567"),
        ("138 1234 1234", "138****1234"),
        ("2025-03-03修过一次，花了350元", "2025-03-03修过一次，花了350元"),
        ("3号楼3单元", "3号楼3单元"),
    ],
)
def test_phone_like_numbers_are_masked_in_public_text(text: str, public: str) -> None:
    assert open311.mask_numbers(text) == public
