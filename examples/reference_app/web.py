"""The reference app's pages: FastAPI over one FamilyCoordination per web worker.

Start it with ``bash examples/reference_app/run.sh`` (which seeds a store and
starts the projection worker beside the web workers), or by hand::

    uvicorn --app-dir examples --factory reference_app.web:create_app --workers 2

with ``FAMILIEKOORDINERING_STORE``, ``FAMILIEKOORDINERING_MASTER_KEY_FILE``,
``REFERENCE_APP_DIRECTORY`` and ``REFERENCE_APP_SESSION_KEY_FILE`` set.

How it embeds the library:

- **One application per process, shared by its threads.** Each web worker
  process opens one :class:`~familiekoordinering.FamilyCoordination` when it
  starts (the lifespan below; never before a fork) and closes it when it stops.
  The handlers are plain ``def`` functions: FastAPI runs them in its thread
  pool, and they share that one application.
- **The views are the projection worker's.** The web workers only query them;
  ``familiekoordinering projections run``, a process of its own, folds new
  events in.
- **Read your writes.** After a command, the handler redirects to the plan with
  ``?after=`` the log's position (:meth:`FamilyCoordination.position`); the
  plan's query waits, with ``wait_for``, until the views hold it.
- **The authentication boundary.** The session (a signed cookie) holds the
  key of the user who signed in; :meth:`Directory.user` turns it into an
  ``Actor`` on every request. Everything the library returns is shown through
  Jinja2 with autoescaping: a name is text, never markup.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, cast
from uuid import UUID

import jinja2
from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.middleware.sessions import SessionMiddleware

from familiekoordinering import (
    AccessDeniedError,
    Agency,
    AgencyKind,
    Channel,
    ConsentRequiredError,
    FamiliekoordineringError,
    FamilyCoordination,
    FamilyKnows,
    MemberId,
    NotFoundError,
    Role,
    Topic,
    load_master_key,
)
from familiekoordinering.views import ViewsBehindError
from reference_app.directory import Directory, SignedIn
from reference_app.seed import today

__all__ = ["Settings", "create_app"]

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,  # every value is escaped: a name like <script> is text
    undefined=jinja2.StrictUndefined,
)

HEADERS = {
    # Defence in depth: no script runs even if a value escaped the escaping.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # pages of personal data are not cached
}

LANGUAGES = ("nb", "nn", "da", "en")


class Settings:
    """Where the store, its key, the directory and the session key are."""

    def __init__(
        self, store: str, master_key_file: Path, directory: Path, session_key_file: Path
    ) -> None:
        self.store = store
        self.master_key_file = master_key_file
        self.directory = directory
        self.session_key_file = session_key_file

    @classmethod
    def from_environment(cls) -> Settings:
        """The settings from the environment (the same variables as the command line)."""
        try:
            return cls(
                os.environ["FAMILIEKOORDINERING_STORE"],
                Path(os.environ["FAMILIEKOORDINERING_MASTER_KEY_FILE"]),
                Path(os.environ["REFERENCE_APP_DIRECTORY"]),
                Path(os.environ["REFERENCE_APP_SESSION_KEY_FILE"]),
            )
        except KeyError as missing:
            raise SystemExit(
                f"set {missing}: bash examples/reference_app/run.sh sets them all"
            ) from None


class SignInRequiredError(Exception):
    """Nobody is signed in (or the session names nobody known)."""


def coordination(request: Request) -> FamilyCoordination:
    """The web worker's application (a dependency of every page that reads or writes)."""
    return cast(FamilyCoordination, request.app.state.coordination)


def signed_in(request: Request) -> SignedIn:
    """Who is signed in, as the library's actor; the sign-in page if nobody is."""
    directory = cast(Directory, request.app.state.directory)
    user = directory.user(request.session.get("user"))
    if user is None:
        raise SignInRequiredError
    return user


App = Annotated[FamilyCoordination, Depends(coordination)]
User = Annotated[SignedIn, Depends(signed_in)]


def blank_form(on: date) -> dict[str, Any]:
    """The contact form as it first shows: a phone call today, the family present."""
    return {"agency": "nav", "unit": "", "purpose": "", "channel": "phone",
            "family_knows": "present", "occurred_on": on.isoformat(),
            "topics": [], "members": []}  # fmt: skip


def page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a template (escaping every value) with the app's security headers."""
    html = TEMPLATES.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=HEADERS)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app; each web worker process calls this once (``uvicorn --factory``)."""
    settings = settings or Settings.from_environment()
    directory = Directory.load(settings.directory)

    @asynccontextmanager
    async def lifespan(web: FastAPI) -> AsyncIterator[None]:
        # Opened in the worker process itself, after any fork: connections are
        # never shared across processes. The master key comes from a file only
        # its owner may read (load_master_key refuses any other).
        coordination = FamilyCoordination(
            settings.store, master_key=load_master_key(settings.master_key_file)
        )
        coordination.views.status()  # opens the views once, before the threads use them
        web.state.coordination = coordination
        try:
            yield
        finally:
            coordination.close()

    web = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    web.state.directory = directory
    web.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_key_file.read_text(encoding="ascii").strip(),
        session_cookie="reference_app_session",
        max_age=8 * 3600,  # keep sessions short
        same_site="strict",
        https_only=os.environ.get("REFERENCE_APP_HTTPS_ONLY") == "1",
    )

    def csrf_token(request: Request) -> str:
        token = request.session.get("csrf")
        if not isinstance(token, str):
            token = secrets.token_urlsafe(24)
            request.session["csrf"] = token
        return token

    def check_csrf(request: Request, token: str) -> None:
        expected = request.session.get("csrf")
        if not isinstance(expected, str) or not secrets.compare_digest(expected, token):
            raise AccessDeniedError("the form has expired: open the page again")

    # ------------------------------------------------------------ errors

    @web.exception_handler(SignInRequiredError)
    def sign_in_first(request: Request, _: Exception) -> Response:
        return RedirectResponse("/sign-in", status_code=303)

    def error_page(status: int, title: str) -> Callable[[Request, Exception], Response]:
        def handler(request: Request, error: Exception) -> Response:
            user = directory.user(request.session.get("user"))
            return page("error.html", status, user=user, title=title,
                        message=str(error), csrf=csrf_token(request))  # fmt: skip

        return handler

    web.add_exception_handler(NotFoundError, error_page(404, "Not found"))
    web.add_exception_handler(AccessDeniedError, error_page(403, "Not allowed"))
    web.add_exception_handler(
        ViewsBehindError, error_page(503, "Not up to date yet: reload in a moment")
    )

    # ------------------------------------------------------------ sign-in

    @web.get("/sign-in")
    def sign_in_form(request: Request) -> Response:
        return page("sign_in.html", user=None, directory=directory,
                    csrf=csrf_token(request))  # fmt: skip

    @web.post("/sign-in")
    def sign_in(
        request: Request, user: Annotated[str, Form()], csrf: Annotated[str, Form()]
    ) -> Response:
        check_csrf(request, csrf)
        if directory.user(user) is None:
            raise AccessDeniedError("no such user in the directory")
        request.session.clear()  # a new session for a new sign-in
        request.session["user"] = user
        return RedirectResponse("/", status_code=303)

    @web.post("/sign-out")
    def sign_out(request: Request, csrf: Annotated[str, Form()]) -> Response:
        check_csrf(request, csrf)
        request.session.clear()
        return RedirectResponse("/sign-in", status_code=303)

    @web.get("/")
    def home(user: User) -> Response:
        if user.actor.role is Role.FAMILY_MEMBER:
            return RedirectResponse("/our-family", status_code=303)
        return RedirectResponse("/caseload", status_code=303)

    # ------------------------------------------------------------ staff

    @web.get("/caseload")
    def caseload(request: Request, app: App, user: User) -> Response:
        actor = user.actor
        mine = actor.role is Role.COORDINATOR
        entries = app.views.caseload(
            on=today(), actor=actor, coordinator_id=actor.user_id if mine else None
        )
        return page("caseload.html", user=user, entries=entries, mine=mine,
                    csrf=csrf_token(request))  # fmt: skip

    def plan_page(
        request: Request,
        app: FamilyCoordination,
        user: SignedIn,
        family_id: UUID,
        *,
        after: int | None = None,
        refusal: FamiliekoordineringError | None = None,
        form: dict[str, Any] | None = None,
        recorded: bool = False,
    ) -> Response:
        on = today()
        # wait_for: the views hold everything up to the position the command
        # left (read your writes), or ViewsBehindError after the timeout.
        plan = app.views.plan(family_id, actor=user.actor, wait_for=after, timeout=10)
        permitted = app.views.consent_register(family_id, on=on, actor=user.actor)
        return page(
            "plan.html",
            409 if refusal is not None else 200,
            user=user,
            plan=plan,
            permitted=permitted,
            refusal=refusal,
            consent_refused=isinstance(refusal, ConsentRequiredError),
            reasons=list(getattr(refusal, "reasons", ())),
            form=form or blank_form(on),
            recorded=recorded,
            agencies=list(AgencyKind),
            topics=list(Topic),
            channels=list(Channel),
            csrf=csrf_token(request),
        )

    @web.get("/families/{family_id}")
    def plan(
        request: Request,
        family_id: UUID,
        app: App,
        user: User,
        after: int | None = None,
        recorded: bool = False,
    ) -> Response:
        return plan_page(request, app, user, family_id, after=after, recorded=recorded)

    @web.post("/families/{family_id}/contacts")
    def record_contact(
        request: Request,
        family_id: UUID,
        app: App,
        user: User,
        csrf: Annotated[str, Form()],
        agency: Annotated[AgencyKind, Form()],
        purpose: Annotated[str, Form()],
        channel: Annotated[Channel, Form()],
        family_knows: Annotated[str, Form()],
        occurred_on: Annotated[date, Form()],
        unit: Annotated[str, Form()] = "",
        topics: Annotated[list[Topic] | None, Form()] = None,
        members: Annotated[list[UUID] | None, Form()] = None,
    ) -> Response:
        check_csrf(request, csrf)
        form = {
            "agency": agency.value, "unit": unit, "purpose": purpose,
            "channel": channel.value, "family_knows": family_knows,
            "occurred_on": occurred_on.isoformat(),
            "topics": [t.value for t in topics or ()],
            "members": [str(m) for m in members or ()],
        }  # fmt: skip
        try:
            app.record_contact(
                family_id,
                agency=Agency(agency, unit.strip() or None),
                topics=topics or [],
                member_ids=[MemberId(m) for m in members or ()],
                purpose=purpose,
                channel=channel,
                family_knows=FamilyKnows.present()
                if family_knows == "present"
                else FamilyKnows.inform_afterwards(),
                occurred_on=occurred_on,
                actor=user.actor,
            )
        except (AccessDeniedError, NotFoundError):
            raise
        except FamiliekoordineringError as refused:
            # Nothing was stored: the coordinator sees why, with the form as filled.
            return plan_page(request, app, user, family_id, refusal=refused, form=form)
        # Post/redirect/get, carrying the log's position for read-your-writes.
        return RedirectResponse(
            f"/families/{family_id}?after={app.position()}&recorded=true",
            status_code=303,
        )

    # ------------------------------------------------------------ the family

    @web.get("/our-family")
    def our_family(
        request: Request, app: App, user: User, lang: str | None = None
    ) -> Response:
        if user.family_id is None:
            raise AccessDeniedError("this page is a family member's own")
        language = lang if lang in LANGUAGES else user.language
        timeline = app.timeline(user.family_id, language=language, actor=user.actor)
        entries = app.access_entries(user.family_id, actor=user.actor)
        return page("family.html", user=user, timeline=timeline, entries=entries,
                    language=language, languages=LANGUAGES,
                    csrf=csrf_token(request))  # fmt: skip

    return web
