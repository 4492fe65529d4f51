"""The dashboard through the ASGI test client, on every backend: sign-in and sessions, CSRF,
admin-only actions, languages, and what each page shows for the demo data."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from service.config import REPO_ROOT
from service.dashboard.auth import FORM_COOKIE, LANGUAGE_COOKIE, SESSION_COOKIE
from service.db.api_keys import revoke_key
from service.db.models import Client, DashboardSession, Feedback, utcnow

PAGES = ("/", "/review", "/review?mode=new", "/overview")


def rows_in_order(html: str) -> list[str]:
    return re.findall(r'<td class="name"><a href="/clients/\d+">([^<]+)</a>', html)


def level_of(html: str) -> str:
    found = re.search(r'<div class="client-head">.*?class="level level-(\w+)"', html, re.S)
    assert found
    return found.group(1)


def count(html: str, label: str, window: str = "90d") -> int:
    found = re.search(rf'data-label="{label}" data-window="{window}">(\d+)', html)
    assert found
    return int(found.group(1))


# --------------------------------------------------------------------------- sign-in


def test_pages_send_strangers_to_sign_in(anonymous: Any) -> None:
    for path in (*PAGES, anonymous.client_path()):
        response = anonymous.client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    page = anonymous.client.get("/login")
    assert page.status_code == 200 and 'type="password"' in page.text


def test_sign_in_sets_a_hardened_session_cookie(anonymous: Any) -> None:
    response = anonymous.sign_in(anonymous.demo.reader_key)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=28800" in cookie
    assert anonymous.demo.reader_key not in cookie
    assert anonymous.client.get("/").status_code == 200


def test_wrong_key_is_refused_without_echoing_it(anonymous: Any, caplog: Any) -> None:
    caplog.set_level(logging.INFO)
    response = anonymous.sign_in("trk_not-a-real-key")
    assert response.status_code == 401 and "not valid" in response.text
    assert "trk_not-a-real-key" not in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert anonymous.client.get("/", follow_redirects=False).status_code == 303
    good = anonymous.sign_in(anonymous.demo.admin_key)
    assert good.status_code == 303
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert anonymous.demo.admin_key not in logged and "trk_not-a-real-key" not in logged


def test_next_page_after_sign_in_stays_on_this_site(anonymous: Any) -> None:
    token = anonymous.csrf("/login")
    for target, expected in (("/overview", "/overview"), ("https://evil.example/", "/"),
                             ("//evil.example", "/")):  # fmt: skip
        response = anonymous.client.post(
            "/login",
            data={"api_key": anonymous.demo.reader_key, "csrf_token": token, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == expected


def test_logout_ends_the_session_for_good(reader_pages: Any) -> None:
    stolen = reader_pages.client.cookies.get(SESSION_COOKIE)
    assert reader_pages.post("/logout", {}).headers["location"] == "/login"
    assert reader_pages.client.get("/", follow_redirects=False).status_code == 303
    reader_pages.client.cookies.clear()
    reader_pages.client.cookies.set(SESSION_COOKIE, stolen)  # the old cookie is worthless now
    assert reader_pages.client.get("/", follow_redirects=False).status_code == 303


def test_sessions_expire_and_die_with_their_key(reader_pages: Any) -> None:
    database = reader_pages.api.app.state.db
    with database.session() as session:
        session.execute(update(DashboardSession).values(expires_at=utcnow() - timedelta(1)))
    assert reader_pages.client.get("/", follow_redirects=False).status_code == 303

    assert reader_pages.sign_in(reader_pages.demo.reader_key).status_code == 303
    assert reader_pages.client.get("/").status_code == 200
    with database.session() as session:
        key_id = session.scalar(select(DashboardSession.api_key_id))
        revoke_key(session, key_id)
    assert reader_pages.client.get("/", follow_redirects=False).status_code == 303


def test_a_forged_or_tampered_cookie_is_refused(reader_pages: Any) -> None:
    value = reader_pages.client.cookies.get(SESSION_COOKIE)
    token, _, signature = value.rpartition(".")
    forged = (
        f"{token[:-1]}{'A' if token[-1] != 'A' else 'B'}.{signature}",
        f"{token}.x",
        "anything",
    )
    for cookie in forged:
        reader_pages.client.cookies.clear()
        reader_pages.client.cookies.set(SESSION_COOKIE, cookie)
        assert reader_pages.client.get("/", follow_redirects=False).status_code == 303
    reader_pages.client.cookies.clear()
    reader_pages.client.cookies.set(SESSION_COOKIE, value)
    assert reader_pages.client.get("/").status_code == 200


# --------------------------------------------------------------------------- CSRF and roles


def test_every_form_refuses_a_post_without_its_token(admin_pages: Any) -> None:
    client_id = admin_pages.demo.clients["Friendly Co"]
    message = re.search(r'action="/messages/(\d+)/labels"', admin_pages.client.get("/review").text)
    forms = {
        f"/messages/{message.group(1)}/labels": {"labels": "abuse"},
        f"/clients/{client_id}/addresses": {"kind": "address", "value": "x@evil.example"},
        f"/clients/{client_id}/addresses/remove": {"value": "friendly.example"},
        f"/clients/{client_id}/erase": {"confirm": "yes"},
        "/language": {"lang": "ru"},
        "/logout": {},
    }
    for path, data in forms.items():
        missing = admin_pages.post(path, data, token=False)
        wrong = admin_pages.post(path, data | {"csrf_token": "guess"}, token=False)
        foreign = admin_pages.post(path, data, headers={"Origin": "https://evil.example"})
        for response in (missing, wrong, foreign):
            assert response.status_code == 403, (path, response.status_code)
            assert "Form refused" in response.text
    with admin_pages.api.app.state.db.session() as session:
        assert session.get(Client, client_id) is not None
        assert session.scalar(select(func.count()).select_from(Feedback)) == 0
    page = admin_pages.client.get(admin_pages.client_path("Friendly Co"))
    assert "friendly.example" in page.text and "x@evil.example" not in page.text


def test_sign_in_form_needs_its_token_too(anonymous: Any) -> None:
    anonymous.client.get("/login")
    response = anonymous.client.post(
        "/login", data={"api_key": anonymous.demo.admin_key}, follow_redirects=False
    )
    assert response.status_code == 403
    anonymous.client.cookies.delete(FORM_COOKIE)
    response = anonymous.client.post(
        "/login",
        data={"api_key": anonymous.demo.admin_key, "csrf_token": "made-up"},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_erasure_is_for_admins_and_asks_first(reader_pages: Any) -> None:
    path = reader_pages.client_path("Deniz Yapı")
    assert "Erasure needs an admin API key" in reader_pages.client.get(path).text
    assert reader_pages.client.get(f"{path}/erase").status_code == 403
    refused = reader_pages.post(f"{path}/erase", {"confirm": "yes"})
    assert refused.status_code == 403 and "admin API key" in refused.text
    assert reader_pages.client.get(path).status_code == 200

    reader_pages.post("/logout", {})
    assert reader_pages.sign_in(reader_pages.demo.admin_key).status_code == 303
    confirm = reader_pages.client.get(f"{path}/erase")
    assert confirm.status_code == 200 and 'name="confirm"' in confirm.text
    unconfirmed = reader_pages.post(f"{path}/erase", {})
    assert unconfirmed.headers["location"] == f"{path}/erase"
    assert reader_pages.client.get(path).status_code == 200
    erased = reader_pages.post(f"{path}/erase", {"confirm": "yes"})
    assert erased.status_code == 303
    assert reader_pages.client.get(path).status_code == 404
    assert "Deniz Yapı" not in reader_pages.client.get("/").text


# --------------------------------------------------------------------------- languages


def test_language_from_accept_language_then_the_readers_choice(anonymous: Any) -> None:
    for header, lang, word in (("ru-RU,ru;q=0.9,en;q=0.5", "ru", "Вход"),
                               ("de-DE, tr;q=0.8", "tr", "Giriş yap"),
                               ("ko", "ko", "로그인"), ("fr", "en", "Sign in")):  # fmt: skip
        page = anonymous.client.get("/login", headers={"Accept-Language": header})
        assert f'<html lang="{lang}">' in page.text and word in page.text
    token = anonymous.csrf("/login")
    switched = anonymous.client.post(
        "/language",
        data={"lang": "ko", "csrf_token": token, "next": "/login"},
        follow_redirects=False,
    )
    assert switched.headers["location"] == "/login"
    assert f"{LANGUAGE_COOKIE}=ko" in switched.headers["set-cookie"]
    page = anonymous.client.get("/login", headers={"Accept-Language": "ru"})
    assert '<html lang="ko">' in page.text  # remembered over the browser's preference


@pytest.mark.parametrize("locale", ["en", "ko", "ru", "tr"])
def test_every_page_renders_in_every_language(admin_pages: Any, locale: str) -> None:
    admin_pages.client.cookies.set(LANGUAGE_COOKIE, locale)
    for path in (*PAGES, admin_pages.client_path(), f"{admin_pages.client_path()}/erase"):
        page = admin_pages.client.get(path)
        assert page.status_code == 200, path
        assert f'<html lang="{locale}">' in page.text


def test_dates_and_numbers_follow_the_locale(admin_pages: Any) -> None:
    scores = {"en": "0.93", "ru": "0,93", "tr": "0,93", "ko": "0.93"}
    for locale, score in scores.items():
        admin_pages.client.cookies.set(LANGUAGE_COOKIE, locale)
        page = admin_pages.client.get(admin_pages.client_path()).text
        assert f"<td>{score}</td>" in page
    admin_pages.client.cookies.set(LANGUAGE_COOKIE, "ru")
    assert re.search(r"\d{1,2} [а-я]{3,5}\. 20\d\d\s?г\.", admin_pages.client.get("/").text)


# --------------------------------------------------------------------------- pages


def test_clients_are_ranked_red_first_with_reasons_and_trend(admin_pages: Any) -> None:
    page = admin_pages.client.get("/")
    assert page.status_code == 200
    names = rows_in_order(page.text)
    assert names[0] == "Hostile Ltd" and names[1] == "한빛 디자인"
    assert names[-2:] != ["Hostile Ltd"] and len(names) == 7
    first_row = page.text.split('<tr class="row-')[1]
    assert first_row.startswith("red") and "Abuse in 2 messages" in first_row
    assert 'class="spark"' in first_row and "signals in the last 13 weeks" in first_row
    friendly = page.text.split("Friendly Co</a>")[1].split("</tr>")[0]
    assert "Has not answered our message" in friendly and "10 days" in friendly


def test_clients_search_and_filters(admin_pages: Any) -> None:
    assert rows_in_order(admin_pages.client.get("/?q=gloomy").text) == ["Gloomy GmbH"]
    assert rows_in_order(admin_pages.client.get("/?q=romashka.example").text) == ["ООО Ромашка"]
    greens = rows_in_order(admin_pages.client.get("/?risk=green").text)
    assert set(greens) == {"Deniz Yapı", "Friendly Co"}
    both = rows_in_order(admin_pages.client.get("/?risk=red&risk=amber").text)
    assert len(both) == 5 and "Deniz Yapı" not in both
    assert admin_pages.client.get("/?risk=purple").status_code == 422
    assert "No client matches" in admin_pages.client.get("/?q=nobody-at-all").text


def test_client_page_shows_reasons_evidence_in_place_and_folded_quotes(admin_pages: Any) -> None:
    page = admin_pages.client.get(admin_pages.client_path()).text
    assert level_of(page) == "red"
    assert "Any abuse is an immediate red".lower() in page.lower()
    assert re.search(
        r'<mark class="evidence ev-abuse ">Are you actually this incompetent, or is it an act\?'
        r'</mark><span class="ev-tag">Abuse 0.93</span> My nephew',
        page,
    )
    assert '<details class="fold"><summary>Quoted history</summary><pre>' in page
    assert "Here is mockup v2 for review." in page.split("Quoted history")[1]
    assert "CEO, Hostile Ltd" in page.split("<summary>Signature</summary>")[1]
    assert count(page, "abuse") == 2 and count(page, "unreasonable_demand", "all") == 2
    assert page.count('role="img"') >= 2  # timeline and reply gaps, as SVG
    assert "answered after 17 days" in page


def test_what_to_do_follows_the_reasons(admin_pages: Any) -> None:
    hostile = admin_pages.client.get(admin_pages.client_path()).text
    assert "skip the repair step" in hostile and "1. Repair the relationship" not in hostile
    assert "Abuse is not a misunderstanding" in hostile and "change-request process" in hostile
    assert "hand-over plan" in hostile

    slow = admin_pages.client.get(admin_pages.client_path("Slowpoke Inc")).text
    assert level_of(slow) == "amber"
    assert "1. Repair the relationship" in slow and "Step back and check your own part" in slow
    assert "ask for a deposit" in slow and "2. If that failed: end it professionally" in slow
    assert "Because:</span> Repeated slow responses: 2 messages" in slow
    assert "change-request process" not in slow

    gloomy = admin_pages.client.get(admin_pages.client_path("Gloomy GmbH")).text
    assert "regular check-ins" in gloomy

    green = admin_pages.client.get(admin_pages.client_path("Deniz Yapı")).text
    assert level_of(green) == "green" and 'id="advice"' not in green


def test_correction_goes_through_feedback_and_moves_the_aggregates(admin_pages: Any) -> None:
    path = admin_pages.client_path("Gloomy GmbH")
    before = admin_pages.client.get(path).text
    assert level_of(before) == "amber" and count(before, "abuse") == 0
    message_id = re.search(r'action="/messages/(\d+)/labels"', before).group(1)

    saved = admin_pages.post(
        f"/messages/{message_id}/labels",
        {"labels": "abuse,pessimism", "next": f"{path}#m{message_id}"},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{path}?saved={message_id}#m{message_id}"
    after = admin_pages.client.get(saved.headers["location"]).text
    assert level_of(after) == "red" and count(after, "abuse") == 1
    assert "Saved: message" in after and "added by a reviewer" in after

    api = admin_pages.api
    feedback = api.get(f"/v1/messages/{message_id}/feedback").json()
    assert feedback[0]["labels"] == ["abuse", "pessimism"]
    assert feedback[0]["reviewer"] == "dashboard:anna"
    client_id = admin_pages.demo.clients["Gloomy GmbH"]
    assert api.get(f"/v1/clients/{client_id}").json()["risk_level"] == "red"
    ranked = rows_in_order(admin_pages.client.get("/").text)
    assert ranked.index("Gloomy GmbH") < ranked.index("Slowpoke Inc")

    review = admin_pages.client.get("/review").text
    assert re.search(r"<strong>1</strong> correction waiting for the next retraining", review)
    bad = admin_pages.post(f"/messages/{message_id}/labels", {"labels": "rudeness"})
    assert bad.status_code == 422


def test_review_puts_the_least_sure_first(admin_pages: Any) -> None:
    page = admin_pages.client.get("/review").text
    assert "messages not reviewed yet" in page and "v4" in page
    listed = re.findall(r'<li class="review-item" id="m(\d+)"', page)
    assert listed
    with admin_pages.api.app.state.db.sessionmaker() as session:
        from service.dashboard.releases import ThresholdsCache
        from service.dashboard.views import doubt
        from service.db.models import Message

        messages = {m.id: m for m in session.scalars(select(Message))}
        releases = REPO_ROOT / "models" / "releases"

        def margin(message_id: str) -> float:
            m = messages[int(message_id)]
            return doubt(m.scores, ThresholdsCache(releases)(m.release, m.language))

    margins = [margin(i) for i in listed]
    assert margins == sorted(margins)
    newest = re.findall(r'<li class="review-item" id="m(\d+)"', admin_pages.client.get(
        "/review?mode=new").text)  # fmt: skip
    dates = [messages[int(i)].occurred_at for i in newest]
    assert dates == sorted(dates, reverse=True)


def test_overview_shows_weekly_labels_queue_model_and_languages(admin_pages: Any) -> None:
    page = admin_pages.client.get("/overview").text
    assert "Serving release v4." in page and "macro F1 0.92" in page
    assert re.search(r"<th scope=\"row\">Classified</th><td>15</td>", page)
    assert "Korean" in page and "Russian" in page and "Turkish" in page
    assert "Flagged messages per label and week, all clients" in page
    assert re.search(r'class="tile-level">Red</span> <span class="tile-number">2 clients', page)
    assert "Σ 4</text>" in page.split('row-name" x="0"')[1] or "Σ" in page


def test_address_mapping_is_managed_on_the_client_page(admin_pages: Any) -> None:
    friendly = admin_pages.client_path("Friendly Co")
    added = admin_pages.post(
        f"{friendly}/addresses", {"kind": "address", "value": "Olivia.Extra@Other.example"}
    )
    assert added.status_code == 303
    assert "olivia.extra@other.example" in admin_pages.client.get(friendly).text
    conflict = admin_pages.post(
        f"{friendly}/addresses", {"kind": "domain", "value": "gloomy.example"}
    )
    assert conflict.status_code == 409 and "already belongs to another client" in conflict.text
    moved = admin_pages.post(
        f"{friendly}/addresses", {"kind": "domain", "value": "gloomy.example", "move": "true"}
    )
    assert moved.status_code == 303
    page = admin_pages.client.get(friendly).text
    assert "never work" in page and level_of(page) == "amber"  # Gloomy's mail came along
    removed = admin_pages.post(f"{friendly}/addresses/remove", {"value": "gloomy.example"})
    assert removed.status_code == 303
    assert "<code>gloomy.example</code>" not in admin_pages.client.get(friendly).text


def test_unknown_things_are_404_pages_not_errors(admin_pages: Any) -> None:
    assert admin_pages.client.get("/clients/999999").status_code == 404
    assert admin_pages.post("/messages/999999/labels", {"labels": ""}).status_code == 404
    assert admin_pages.client.get("/?page=0").status_code == 422


def test_pages_carry_a_strict_content_security_policy(admin_pages: Any) -> None:
    for path in (*PAGES, admin_pages.client_path(), "/login"):
        response = admin_pages.client.get(path)
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert (
            "frame-ancestors 'none'" in policy and response.headers["cache-control"] == "no-store"
        )
        assert response.headers["x-content-type-options"] == "nosniff"
        assert not re.search(r"<script(?![^>]*\bsrc=)", response.text)  # no inline script
        assert " style=" not in response.text and "http://" not in response.text.replace(
            "http://www.w3.org", ""
        )
    assert admin_pages.client.get("/static/dashboard.css").status_code == 200


def test_a_read_only_key_looks_but_does_not_correct(anonymous: Any) -> None:
    """Scopes hold in the dashboard as in the API: ``read`` signs in, corrections need
    ``write``; a key for posting mail (``inbound``) does not sign in at all."""
    assert anonymous.sign_in(anonymous.demo.viewer_key).status_code == 303
    assert anonymous.client.get(anonymous.client_path("Deniz Yapı")).status_code == 200
    found = re.search(r'action="/messages/(\d+)/labels"', anonymous.client.get("/review").text)
    assert found is not None
    message_id = found.group(1)
    refused = anonymous.post(f"/messages/{message_id}/labels", {"labels": "abuse"})
    assert refused.status_code == 403 and "write scope" in refused.text


def test_an_inbound_key_cannot_sign_in(anonymous: Any) -> None:
    from service.db.api_keys import create_key
    from service.db.models import Scope

    with anonymous.api.app.state.db.session() as session:
        key = create_key(session, "script", [Scope.INBOUND]).key
    assert anonymous.sign_in(key).status_code == 401


def test_failed_sign_ins_share_the_auth_failure_budget(anonymous: Any) -> None:
    """Guessing keys on the sign-in form is limited like any other credential check."""
    anonymous.api.app.state.auth_limiter.limit = 3
    for _ in range(3):
        assert anonymous.sign_in("trk_not-a-key").status_code == 401
    blocked = anonymous.sign_in(anonymous.demo.admin_key)
    assert blocked.status_code == 429 and blocked.headers["retry-after"]
