"""The reference app (examples/reference_app), end to end in a real headless browser.

Its own command (``bash examples/reference_app/run.sh``) starts it on a free
port with a seeded SQLite store in a temporary directory: the projection
worker and two uvicorn web workers. Playwright drives Debian's ``chromium``
(never a browser of Playwright's own): a coordinator signs in, opens the
caseload and a family's plan, records a contact that no consent covers and
sees the refusal, records one that is covered and sees it in the plan (read
your writes across processes), and a family member sees the contact in the
family's timeline and the coordinator's read in the access log. A family
enrolled through the library with a hostile name shows it as text.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from familiekoordinering import (
    Actor,
    Eligibility,
    FamilyCoordination,
    MemberKind,
    Municipality,
    Programme,
    ReferralSource,
    Role,
    load_master_key,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "<script>alert(1)</script>"


def _today() -> date:
    return datetime.now(ZoneInfo("Europe/Oslo")).date()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    def __init__(self, url: str, data: Path, log: Path) -> None:
        self.url, self.data, self.log = url, data, log


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("reference-app")
    log = data.parent / "reference-app.log"
    port = _free_port()
    env = {**os.environ, "REFERENCE_APP_DATA": str(data),
           "REFERENCE_APP_PORT": str(port), "REFERENCE_APP_WORKERS": "2"}  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", "examples/reference_app/run.sh"], cwd=ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"run.sh stopped:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/sign-in", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not answer within 60 s:\n{log.read_text()}")
            time.sleep(0.2)
        yield Server(url, data, log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # run.sh, the worker, uvicorn
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert "Traceback" not in log.read_text(), log.read_text()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    assert chromium, "the browser test needs Debian's chromium (scripts/setup.sh --dev)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.dialogs = []  # any dialog at all would be a script that ran
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    yield page
    context.close()


def _submit(page: Any, button: str) -> None:
    """Press the form's button and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def _sign_in(page: Any, server: Server, user: str) -> None:
    page.goto(f"{server.url}/")
    assert page.url.endswith("/sign-in")
    page.select_option("#user", user)
    _submit(page, "Sign in")


def _fill_contact(
    page: Any, agency: str, topic: str, member: int, purpose: str
) -> None:
    page.select_option("#agency", agency)
    page.check(f"input[name=topics][value={topic}]")
    page.locator("input[name=members]").nth(member).check()
    page.fill("#purpose", purpose)
    page.select_option("#channel", "phone")
    page.select_option("#family_knows", "present")
    _submit(page, "Record the contact")


def test_a_coordinator_records_contacts_and_the_family_sees_them(
    server: Server, page: Any
) -> None:
    _sign_in(page, server, "k-lund")
    assert page.url.endswith("/caseload")
    assert page.inner_text("h1") == "My caseload"
    assert "Kristin Lund" in page.inner_text("#signed-in")

    with page.expect_navigation():
        page.locator("#caseload a").first.click()
    assert "/families/" in page.url
    family_id = page.url.rsplit("/", 1)[1]
    assert page.inner_text("h1").startswith("Plan:")
    assert page.locator("#members tbody tr").count() >= 2
    before = page.inner_text("#last-contact")

    # No consent names child welfare: refused, with the reason, nothing stored.
    _fill_contact(page, "child_welfare", "parenting", 0, "Bekymring for foreldrerollen")
    refusal = page.inner_text("#refusal")
    assert "no consent covers this contact" in refusal
    assert "no consent names the agency child_welfare" in refusal
    assert "Nothing was stored" in refusal
    assert page.inner_text("#last-contact") == before

    # The family's NAV consent covers the economy: recorded, and the plan shows it.
    page.goto(f"{server.url}/families/{family_id}")
    _fill_contact(page, "nav", "economy", 0, "Avklare bostøtte med NAV")
    assert "recorded=true" in page.url
    assert "after=" in page.url
    assert page.is_visible("#recorded")
    assert page.inner_text("#last-contact") == _today().isoformat()

    _submit(page, "Sign out")
    assert page.url.endswith("/sign-in")
    member = page.locator("#user option", has_text="of family 1").first
    _sign_in(page, server, member.get_attribute("value"))
    assert page.url.endswith("/our-family")
    timeline = page.inner_text("#timeline")
    assert "Avklare bostøtte med NAV" in timeline  # the family's language: Bokmål
    assert "Kontaktet" in timeline
    assert "Bekymring for foreldrerollen" not in timeline
    log = page.locator("#access-log tbody tr")
    rows = [log.nth(i).inner_text() for i in range(log.count())]
    assert any("k-lund" in r and "coordinator" in r and "plan" in r for r in rows)
    assert "family member" in rows[-1]  # this very read, last

    # The library refuses a family member the coordinator's page.
    response = page.goto(f"{server.url}/families/{family_id}")
    assert response.status == 403
    assert page.dialogs == []


def test_a_hostile_name_is_shown_as_text(server: Server, page: Any) -> None:
    # Enrolled through the library, by another process than the web workers.
    app = FamilyCoordination(
        server.data / "store.db", master_key=load_master_key(server.data / "master.key")
    )
    try:
        lead = Actor("t-lead", Role.TEAM_LEAD, Municipality("4204"))
        family_id = app.enrol_family(
            municipality="4204", label=HOSTILE, programme=Programme.nye_monstre(),
            referral=ReferralSource.NAV, eligibility=Eligibility(250_000, 380_000, 4),
            occurred_on=_today(), actor=lead,
        )  # fmt: skip
        app.assign_coordinator(family_id, coordinator_id="k-lund",
                               coordinator_name="Kristin Lund", occurred_on=_today(),
                               actor=lead)  # fmt: skip
        app.add_member(family_id, name=HOSTILE, birth_date=date(1990, 1, 1),
                       kind=MemberKind.ADULT, occurred_on=_today(), actor=lead)  # fmt: skip
        position = app.position()
    finally:
        app.close()
    _sign_in(page, server, "k-lund")
    page.goto(f"{server.url}/families/{family_id}?after={position}")
    assert page.inner_text("#family-label") == HOSTILE
    assert HOSTILE in page.inner_text("#members")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content()
    page.goto(f"{server.url}/caseload")
    assert page.locator("#caseload a", has_text=HOSTILE).count() == 1
    assert page.dialogs == []
