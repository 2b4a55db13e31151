"""The mixed journey of `make load`: people of every role using the pages as a browser would.

Each task is one page view: the HTML page, then the API calls its script makes (and the
notification bell's, for a signed-in person), then a pause of a few seconds while the person
reads. People sign in once through the login page (a session with CSRF, as the pages do) and
are picked from the cast that `tests/load/run.py` prepares from the generated city
(`LOAD_CAST`). The only write is a resident filing a request now and then.

The server runs with DEBUG off, as behind a TLS proxy: every request says
`X-Forwarded-Proto: https`, and the secure cookies go back over the plain loopback.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import random
from datetime import date, timedelta
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, between, events, task
from locust.exception import RescheduleTask

CAST = json.loads(Path(os.environ["LOAD_CAST"]).read_text())
PASSWORD = "huanxin-city"
TODAY = date.today().isoformat()

# Each role's people are handed out in turn, so that no two simulated users share a person.
_turns = {role: itertools.cycle(CAST[role]) for role in ("residents", "property", "committee", "staff")}

# Every request, one CSV line (start, method, name, milliseconds, failed), for the runner's exact
# percentiles over the whole run and over the part after everyone had signed in.
_recording: dict[str, Any] = {}


@events.test_start.add_listener
def _open(**_: Any) -> None:
    if os.environ.get("LOAD_REQUESTS"):
        handle = open(os.environ["LOAD_REQUESTS"], "w", newline="")  # noqa: SIM115 (closed on quitting)
        _recording.update(handle=handle, rows=csv.writer(handle))


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, exception: Any, start_time: float, **_: Any) -> None:
    if "rows" in _recording:
        _recording["rows"].writerow(
            [f"{start_time:.3f}", request_type, name, f"{response_time:.1f}", int(exception is not None)]
        )


@events.quitting.add_listener
def _close(**_: Any) -> None:
    if "handle" in _recording:
        _recording.pop("rows")
        _recording.pop("handle").close()


_addresses = itertools.count()


class Browser(FastHttpUser):
    """One person in a browser: page views with pauses between them."""

    abstract = True
    wait_time = between(3, 10)  # reading a page
    default_headers = {"X-Forwarded-Proto": "https", "Accept-Language": "zh-hans"}
    role = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Each person comes from an address of their own, as the TLS proxy reports it: the
        # per-address throttles count people, not the load generator (198.18.0.0/15 is the
        # range set aside for benchmarks).
        number = next(_addresses)
        self.default_headers = {
            **type(self).default_headers,
            "X-Forwarded-For": f"198.18.{number // 250}.{number % 250 + 1}",
        }
        super().__init__(*args, **kwargs)

    def on_start(self) -> None:
        # Secure cookies travel over the loopback: the TLS proxy's side of the connection.
        self.client.cookiejar.set_policy(DefaultCookiePolicy(secure_protocols=("https", "wss", "http")))
        self.person: dict[str, Any] = next(_turns[self.role]) if self.role else {}
        self.signed_in = False
        if self.person:
            self.sign_in(self.person["username"])

    # ------------------------------------------------------------ requests

    def _get(self, path: str, name: str, *, accept: str, params: dict[str, Any] | None = None) -> Any:
        with self.client.get(
            f"{path}?{urlencode(params, doseq=True)}" if params else path,
            name=name,
            headers={"Accept": accept},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            if accept == "application/json":
                try:
                    return response.json()
                except ValueError:
                    response.failure("not JSON")
                    return None
            return response.text

    def page(self, path: str, name: str | None = None) -> str | None:
        """The HTML page, and the bell's unread count when signed in. A person whose sign-in
        failed (a timeout under load) signs in again before the page, as they would."""
        if self.person and not self.signed_in:
            self.sign_in(self.person["username"])
            if not self.signed_in:
                raise RescheduleTask
        html = self._get(path, name or path, accept="text/html")
        if self.person:
            self.api("/api/v1/notifications/unread-count/")
        return html

    def api(self, path: str, name: str | None = None, **params: Any) -> Any:
        return self._get(path, name or path, accept="application/json", params=params or None)

    def _cookie(self, name: str) -> str:
        return next((cookie.value or "" for cookie in self.client.cookiejar if cookie.name == name), "")

    def _origin(self) -> dict[str, str]:
        origin = self.host.replace("http://", "https://", 1)
        return {"Origin": origin, "Referer": origin + "/", "X-CSRFToken": self._cookie("csrftoken")}

    def sign_in(self, username: str) -> None:
        self._get("/accounts/login/", "/accounts/login/", accept="text/html")
        with self.client.post(
            "/accounts/login/",
            data=urlencode(
                {
                    "username": username,
                    "password": PASSWORD,
                    "next": "",
                    "csrfmiddlewaretoken": self._cookie("csrftoken"),
                }
            ),
            headers={**self._origin(), "Content-Type": "application/x-www-form-urlencoded"},
            name="/accounts/login/",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self.signed_in = response.status_code == 302
            if not self.signed_in:
                response.failure(f"sign-in of {username} answered {response.status_code}")

    # ------------------------------------------------------------ pages shared by several roles

    def home(self, *, managed: bool = False) -> None:
        self.page("/")
        self.api("/api/v1/dashboard/")
        self.api("/api/v1/me/")
        if managed:
            self.api("/api/v1/projects/stats/", "/api/v1/projects/stats/ [managed]", managed="true")

    def estate_page(self, estate: int) -> None:
        self.page(f"/estates/{estate}/", "/estates/{id}/")
        self.api(f"/api/v1/estates/{estate}/", "/api/v1/estates/{id}/")
        self.api("/api/v1/buildings/", "/api/v1/buildings/ [estate]", estate=estate, page_size=500)
        self.api("/api/v1/projects/", "/api/v1/projects/ [estate]", estate=estate, page_size=50)
        self.api("/api/v1/projects/money/", estate=estate)
        self.api("/api/v1/requests/money/", estate=estate)
        self.api("/api/v1/rating-rounds/trend/", estate=estate)

    def request_detail(self, request_id: int) -> None:
        self.page(f"/requests/{request_id}/", "/requests/{id}/")
        self.api(f"/api/v1/requests/{request_id}/", "/api/v1/requests/{id}/")
        self.api(f"/api/v1/requests/{request_id}/timeline/", "/api/v1/requests/{id}/timeline/")


class Resident(Browser):
    """Follows their requests, reads their estate's page, files a request now and then."""

    fixed_count = 45
    role = "residents"

    def on_start(self) -> None:
        super().on_start()
        self.mine: list[int] = []

    @task(3)
    def dashboard(self) -> None:
        self.home()

    @task(4)
    def my_requests(self) -> None:
        self.page("/requests/")
        data = self.api("/api/v1/requests/", "/api/v1/requests/ [mine]", mine="true", page=1, page_size=20)
        if data:
            self.mine = [row["id"] for row in data["results"]]

    @task(3)
    def one_of_my_requests(self) -> None:
        if self.mine:
            self.request_detail(random.choice(self.mine))
        else:
            self.my_requests()

    @task(3)
    def my_estate(self) -> None:
        self.estate_page(self.person["estate"])

    @task(1)
    def file_request(self) -> None:
        self.page("/requests/new/")
        categories = self.api("/api/v1/requests/categories/")
        me = self.api("/api/v1/me/")
        if not categories or not me:
            return
        for household in me["scope"].get("household_ids", []):
            self.api(f"/api/v1/households/{household}/", "/api/v1/households/{id}/")
        with self.client.post(
            "/api/v1/requests/",
            json={
                "category": random.choice(categories)["code"],
                "place_kind": "household",
                "household": self.person["household"],
                "description": f"{CAST['filed_mark']} 厨房水龙头漏水，请尽快维修。",
                "urgency": "normal",
            },
            headers={**self._origin(), "Accept": "application/json"},
            name="/api/v1/requests/ [file]",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            created = response.json()["id"]
        self.request_detail(created)


class PropertyStaff(Browser):
    """Works through the company's queue: waiting requests, those in hand, one request's details."""

    fixed_count = 15
    role = "property"

    def on_start(self) -> None:
        super().on_start()
        self.queue: list[int] = []

    @task(5)
    def queue_page(self) -> None:
        self.page("/requests/queue/")
        self.api("/api/v1/requests/categories/")
        waiting = self.api(
            "/api/v1/requests/", "/api/v1/requests/ [waiting]", status="submitted", ordering="created_at", page_size=30
        )
        in_hand = self.api(
            "/api/v1/requests/",
            "/api/v1/requests/ [company queue]",
            status=["accepted", "in_progress", "awaiting_payment"],
            company=self.person["company"],
            ordering="due_at",
            page_size=30,
        )
        self.queue = [row["id"] for data in (waiting, in_hand) if data for row in data["results"]]

    @task(3)
    def open_request(self) -> None:
        if self.queue:
            self.request_detail(random.choice(self.queue))
        else:
            self.queue_page()

    @task(1)
    def dashboard(self) -> None:
        self.home()


class CommitteeMember(Browser):
    """Owners' committee: the requests waiting for their payment approval, and the estate's page."""

    fixed_count = 7
    role = "committee"

    def on_start(self) -> None:
        super().on_start()
        self.waiting: list[int] = []

    @task(3)
    def approvals(self) -> None:
        estate = self.person["estate"]
        self.page(f"/requests/approvals/?estate={estate}", "/requests/approvals/")
        self.api("/api/v1/requests/money/", estate=estate)
        data = self.api(
            "/api/v1/requests/",
            "/api/v1/requests/ [awaiting payment]",
            estate=estate,
            status="awaiting_payment",
            ordering="updated_at",
            page_size=30,
        )
        if data:
            self.waiting = [row["id"] for row in data["results"]]

    @task(2)
    def dashboard(self) -> None:
        self.home()

    @task(2)
    def estate(self) -> None:
        self.estate_page(self.person["estate"])

    @task(1)
    def open_request(self) -> None:
        if self.waiting:
            self.request_detail(random.choice(self.waiting))


class CommunityStaff(Browser):
    """Community office: the dashboard, an estate's request overview, the meetings."""

    fixed_count = 8
    role = "staff"

    def on_start(self) -> None:
        super().on_start()
        self.seen: list[int] = []

    @task(3)
    def dashboard(self) -> None:
        self.home(managed=True)

    @task(2)
    def overview(self) -> None:
        estate = random.choice(self.person["estates"])
        since = (date.today() - timedelta(days=30)).isoformat()
        self.page(f"/requests/overview/?estate={estate}", "/requests/overview/")
        self.api("/api/v1/requests/figures/", "/api/v1/requests/figures/ [estate]", estate=estate, since=since)
        data = self.api("/api/v1/requests/", "/api/v1/requests/ [estate]", estate=estate, page=1, page_size=25)
        if data:
            self.seen = [row["id"] for row in data["results"]]

    @task(1)
    def meetings(self) -> None:
        self.page("/meetings/")
        self.api(
            "/api/v1/meetings/",
            "/api/v1/meetings/ [upcoming]",
            ordering="starts_at",
            page=1,
            page_size=20,
            **{"from": TODAY},
        )

    @task(1)
    def open_request(self) -> None:
        if self.seen:
            self.request_detail(random.choice(self.seen))


class Visitor(Browser):
    """Nobody signed in: the public overview and estates' public pages."""

    fixed_count = 23

    @task(1)
    def overview(self) -> None:
        self.page("/")
        self.api("/api/v1/estates/", "/api/v1/estates/ [cards]", page_size=12)
        self.api("/api/v1/projects/stats/")
        self.api(
            "/api/v1/meetings/", "/api/v1/meetings/ [published]", published="true", ordering="-starts_at", page_size=3
        )
        self.api(
            "/api/v1/rating-rounds/",
            "/api/v1/rating-rounds/ [published]",
            status="published",
            ordering="-period_start",
            page_size=5,
        )

    @task(3)
    def estate(self) -> None:
        self.estate_page(random.choice(CAST["estates"]))


class Open311Client(Browser):
    """A GeoReport v2 tool polling the public requests, and now and then reading one."""

    fixed_count = 2
    wait_time = between(10, 20)

    @task(3)
    def requests(self) -> None:
        data = self._get("/open311/v2/requests.json", "/open311/v2/requests.json", accept="application/json")
        if data:
            self.recent = [row["service_request_id"] for row in data[:50]]

    @task(1)
    def one_request(self) -> None:
        if getattr(self, "recent", None):
            self._get(
                f"/open311/v2/requests/{random.choice(self.recent)}.json",
                "/open311/v2/requests/{id}.json",
                accept="application/json",
            )
