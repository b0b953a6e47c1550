"""The dashboard in a real browser: ``callcentre dashboard`` served as a process, driven by Chromium.

Playwright's sync API drives the Debian ``chromium`` (no browser is downloaded). Every page is saved
as a screenshot under ``test-output/screenshots/`` for people to look at. Streamlit draws a page
after its script runs, so every step waits for text to appear, never for a fixed time.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Table, select

from callcentre.db import make_engine
from telephony.campaigns.models import DialRequest, Promise
from tests.campaigns import seed
from tests.dashboard.conftest import GOOD_ACCOUNT, PIETER, POOR_FAULT, THANDI, password
from tests.dashboard.test_users_cli import free_port
from tests.test_cli import CALLCENTRE, process_env

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
TIMEOUT_MS = 60_000
#: True once the page's script has finished and its output is drawn: no placeholder, nothing stale.
DRAWN = """() => !!document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    && !document.querySelector('[data-testid="stSkeleton"], [data-stale="true"]')"""

if not CHROMIUM.is_file():
    pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install -e .[dev]"
)
Page = Any  # playwright.sync_api.Page (typed loosely: the module may be absent)


def _healthy(url: str, process: subprocess.Popen[str]) -> None:
    """Wait until Streamlit answers its health check (or the process has died)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the dashboard did not answer at {url} within 60 s")


@pytest.fixture(scope="module")
def browser_db(seeded_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A private copy of the seeded SQLite database, with the collection campaigns of ``seed.showcase``."""
    folder = tmp_path_factory.mktemp("browser")
    shutil.copy(seeded_template / "test.db", folder / "dashboard.db")
    engine = make_engine(f"sqlite:///{folder / 'dashboard.db'}")
    with engine.begin() as conn:
        seed.showcase(conn, datetime.now(UTC), (THANDI, PIETER))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def server(seeded_template: Path, browser_db: Engine) -> Iterator[str]:
    """``callcentre dashboard`` on a free port, on :func:`browser_db`."""
    env = process_env(
        seeded_template,
        CALLCENTRE_DATABASE_URL=str(browser_db.url),
        CALLCENTRE_RECORDINGS_ROOT=str(seeded_template / "recordings"),
    )
    port = free_port()
    process = subprocess.Popen(
        [str(CALLCENTRE), "dashboard", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.communicate(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium."""
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (a new Streamlit session) per call; all closed after the test."""
    contexts: list[Any] = []

    def make() -> Page:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shot(page: Page, name: str) -> None:
    """Save the whole page as ``test-output/screenshots/<name>.png``, once Streamlit is idle."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    idle(page)
    size = page.viewport_size
    # The page scrolls inside Streamlit's main area, not the document: grow the window to all of it.
    tall = int(page.get_by_test_id("stMain").evaluate("element => element.scrollHeight"))
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], tall)})
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(size)


def idle(page: Page) -> None:
    """Wait until Streamlit has drawn the page: its script has finished, no placeholder, nothing stale."""
    page.wait_for_function(DRAWN)


def log_in(page: Page, url: str, username: str, landing: str | None = None) -> None:
    """Open ``url``, send the login form and wait for the heading ``landing`` (if given)."""
    page.goto(url)
    dismiss_not_found(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password(username))
    page.get_by_role("button", name="Log in").click()
    page.get_by_text(f"Logged in as {username}").wait_for()
    if landing is not None:
        heading(page, landing)


def dismiss_not_found(page: Page) -> None:
    """Close Streamlit's "Page not found" notice (a page's address opened before logging in)."""
    page.get_by_label("Username").wait_for(state="attached")
    notice = page.get_by_text("Page not found")
    if notice.count():
        page.keyboard.press("Escape")
        notice.wait_for(state="hidden")


def heading(page: Page, text: str) -> None:
    """Wait for a heading with exactly this text."""
    page.get_by_role("heading", name=text, exact=True).wait_for()
    idle(page)


def go(page: Page, link: str, title: str) -> None:
    """Follow a link in the sidebar's menu and wait for the page's title."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True).click()
    heading(page, title)


def choose(page: Page, widget: str, label: str, option: str) -> None:
    """Pick ``option`` in the select box or multiselect labelled ``label``."""
    box = page.get_by_test_id(widget).filter(has=page.get_by_text(label, exact=True))
    box.locator("input").click()
    page.get_by_role("option", name=option, exact=True).click()
    if widget == "stMultiSelect":
        page.keyboard.press("Escape")  # a multiselect's list stays open for more choices
    idle(page)


def effective_score(page: Page) -> str:
    """The value of the call's "Score" metric (the score that counts)."""
    metric = page.get_by_test_id("stMetric").filter(has=page.get_by_text("Score", exact=True))
    return str(metric.get_by_test_id("stMetricValue").inner_text()).strip()


def filter_and_open(page: Page) -> None:
    """On the Calls page: only Thandi's calls, then open the poor faults call."""
    choose(page, "stMultiSelect", "Agent", THANDI)
    page.get_by_text("3 calls").wait_for()
    shot(page, "calls")
    choose(page, "stSelectbox", "Open a call", POOR_FAULT)
    page.get_by_role("button", name="Open call").click()
    heading(page, f"Call {POOR_FAULT}")


def play_evidence(page: Page) -> None:
    """Open the empathy criterion and click its evidence (at 3.48 s): the player starts there."""
    page.get_by_test_id("stExpander").filter(has_text="Empathy").locator("summary").click()
    page.locator('[class*="st-key-evidence_empathy_0"] button').click()
    page.get_by_text("Playing from 0:03").wait_for()
    audio = page.locator("audio")
    audio.wait_for(state="attached")
    page.wait_for_function("() => document.querySelector('audio')?.currentTime >= 3")
    started = float(audio.evaluate("element => element.currentTime"))
    assert 3.0 <= started < 6.0, started


def override(page: Page) -> None:
    """Pass the greeting (failed by the machine) with a comment: the score that counts goes up."""
    before = effective_score(page)
    assert before == "28.6"
    form = page.get_by_test_id("stForm").filter(has_text="Save override")
    form.get_by_test_id("stRadio").get_by_text("pass", exact=True).click()
    form.get_by_label("Comment (the agent reads it)").fill("Greeted the caller: the recogniser missed it.")
    form.get_by_role("button", name="Save override").click()
    page.get_by_text(re.compile(r"Saved: .* is now pass; the score is")).wait_for()
    idle(page)
    after = effective_score(page)
    assert after != before and float(after) > float(before), (before, after)
    page.get_by_text("reviewed", exact=True).first.wait_for()


def test_a_qa_reviewer_filters_opens_plays_and_overrides(server: str, new_page: Any) -> None:
    page = new_page()
    log_in(page, server, "nomsa", "Calls")
    filter_and_open(page)
    play_evidence(page)
    override(page)
    shot(page, "call_detail")
    for link, title, name in (
        ("Agents", "Agents", "agents"),
        ("Calibration", "Calibration", "calibration"),
        ("Scorecards", "Scorecards", "scorecards"),
    ):
        go(page, link, title)
        shot(page, name)


def test_a_supervisor_sees_the_service_levels(server: str, new_page: Any) -> None:
    page = new_page()
    log_in(page, server, "sipho", "Calls")
    go(page, "Service levels", "Service levels")
    page.get_by_role("heading", name="IVR").wait_for()
    idle(page)
    shot(page, "service_levels")


def test_an_admin_sees_the_users_and_the_audit_log(server: str, new_page: Any) -> None:
    page = new_page()
    log_in(page, server, "admin", "Users")
    page.get_by_test_id("stDataFrame").first.wait_for()  # the users' table (drawn on a canvas)
    shot(page, "users")
    go(page, "Audit log", "Audit log")
    shot(page, "audit")


def test_an_agent_sees_their_own_calls_and_scores(server: str, new_page: Any) -> None:
    page = new_page()
    log_in(page, server, "thandi", "My calls")
    page.get_by_text("3 calls").wait_for()
    shot(page, "agent_calls")
    go(page, "Agents", "My scores")
    shot(page, "agent_scores")


def test_an_agent_following_a_link_to_another_agents_call_is_refused(server: str, new_page: Any) -> None:
    page = new_page()
    log_in(page, f"{server}/call_detail?call={GOOD_ACCOUNT}", "thandi")
    page.get_by_text("Not your call").wait_for()
    idle(page)
    assert page.get_by_text("Pieter").count() == 0  # nothing of the call is shown
    shot(page, "agent_refused")


def table_rows(engine: Engine, model: type[Any]) -> list[Any]:
    """Every row of the model's table, by id."""
    table: Table = model.__table__
    with engine.connect() as conn:
        return list(conn.execute(select(table).order_by(table.c.id)))


def dial(page: Page, engine: Engine) -> None:
    """Press Dial: the request waits for the dialer (none runs here), and the button is disabled."""
    page.get_by_role("button", name="Dial", exact=True).click()
    page.get_by_text("waiting for the dialer's compliance check").wait_for()
    idle(page)
    (request,) = table_rows(engine, DialRequest)
    assert (request.state, request.agent) == ("pending", THANDI)


def fill_promise(page: Page) -> None:
    """Right party reached, a promise of R 1 500.00 by today, a note."""
    page.get_by_test_id("stRadio").get_by_text("Yes", exact=True).click()
    page.get_by_text("you may discuss the account and the debt").wait_for()  # the page has run again
    idle(page)
    choose(page, "stSelectbox", "Outcome", "Promise to pay")
    amount = page.get_by_label("Amount (R)")
    amount.wait_for()
    idle(page)
    amount.fill("1500")
    amount.press("Enter")
    idle(page)
    page.get_by_label("Note").fill("Will pay at the municipal office on Friday.")
    page.get_by_label("Note").press("Tab")
    idle(page)


def test_an_agent_dials_and_records_a_promise_in_the_workspace(
    server: str, browser_db: Engine, new_page: Any
) -> None:
    page, started = new_page(), datetime.now(UTC)
    log_in(page, server, "thandi", "My calls")
    go(page, "Workspace", "Workspace")
    page.get_by_role("heading", name="Thabo Nkosi").wait_for()
    page.get_by_text("R 9 000.00").wait_for()
    dial(page, browser_db)
    fill_promise(page)
    shot(page, "workspace")
    page.get_by_role("button", name="Save outcome").click()
    page.get_by_text("Saved for account 1001: promise to pay, R 1 500.00").wait_for()
    page.get_by_role("heading", name="Anna Botha").wait_for()
    idle(page)
    (promise,) = [p for p in table_rows(browser_db, Promise) if p.made_at >= started]
    assert (promise.amount_cents, promise.instalment, promise.agent) == (150_000, 1, THANDI)
    assert page.get_by_label("Note").input_value() == ""  # a new, empty form for the next account
    assert page.get_by_test_id("stRadio").locator("input:checked").count() == 0
    shot(page, "workspace_next")


def test_a_supervisor_sees_the_collection_results(server: str, new_page: Any) -> None:
    page = new_page()
    log_in(page, server, "sipho", "Calls")
    go(page, "Collections", "Collections")
    page.locator(".vega-embed").nth(2).wait_for()
    idle(page)
    shot(page, "collections")
