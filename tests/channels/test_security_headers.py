"""Security headers: a Content-Security-Policy on every page, framing only for the embeddable chat, Secure cookies.
The gateway routes to a scripted core (`tests/scripted_core.py`) except in the browser, where the model answers."""

from typing import Any, List

import httpx
from playwright.async_api import expect
from starlette.routing import Route

from bot.gateway.app import create_app
from tests.channels.webchat.test_webchat import open_page
from tests.conftest import NO_ACTION_SERVER, NO_MODEL, gateway_settings, serve
from tests.scripted_core import like_the_model

SITE = "http://hope.localhost:1"  # an allowed origin that is not the gateway


def plain_get_paths(app: Any) -> List[str]:
    """Every GET route without path parameters, read from the app itself (new pages are covered too)."""
    return [r.path for r in app.routes if isinstance(r, Route) and "GET" in (r.methods or ()) and "{" not in r.path]


async def test_every_response_has_a_policy_and_only_the_embed_page_may_be_framed(database_url) -> None:  # type: ignore[no-untyped-def]
    settings = gateway_settings(database_url, NO_ACTION_SERVER, NO_MODEL, WEBCHAT_ALLOWED_ORIGINS=SITE)
    app = create_app(settings, core=like_the_model())
    paths = plain_get_paths(app)
    assert {"/", "/widget.js", "/webchat/embed", "/console/login", "/healthz", "/readyz"} <= set(paths)
    async with serve(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        responses = {path: await http.get(path) for path in paths}
        responses["/webchat/static/webchat.css"] = await http.get("/webchat/static/webchat.css")
        responses["/no-such-page"] = await http.get("/no-such-page")
        responses["POST /webhooks/rest/webhook"] = await http.post("/webhooks/rest/webhook", content=b"{not json")
        responses["POST /console/login"] = await http.post("/console/login", data={"email": "x"})
    assert responses["/no-such-page"].status_code == 404
    assert responses["POST /webhooks/rest/webhook"].status_code == 400
    for name, response in responses.items():
        policy = response.headers.get("content-security-policy", "")
        assert "default-src" in policy, name
        assert response.headers.get("x-content-type-options") == "nosniff", name
        if name == "/webchat/embed":
            assert f"frame-ancestors {SITE}" in policy and "x-frame-options" not in response.headers
        else:
            assert "frame-ancestors 'none'" in policy, name
            assert response.headers.get("x-frame-options") == "DENY", name
    assert responses["/healthz"].headers["content-security-policy"].startswith("default-src 'none'")


async def test_the_embed_page_escapes_what_the_address_sets(scripted_gateway) -> None:  # type: ignore[no-untyped-def]
    hostile = '"><script>alert(1)</script>'
    async with scripted_gateway() as base_url, httpx.AsyncClient(base_url=base_url) as http:
        page = await http.get("/webchat/embed", params={"title": hostile, "greeting": hostile, "color": "red;x"})
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert 'data-color=""' in page.text
    assert "frame-ancestors *" in page.headers["content-security-policy"]  # no WEBCHAT_ALLOWED_ORIGINS: any site


async def test_console_cookies_are_secure_behind_https_and_when_configured(scripted_gateway) -> None:  # type: ignore[no-untyped-def]
    https = {"X-Forwarded-Proto": "https"}  # what a TLS-terminating proxy on 127.0.0.1 sends
    async with scripted_gateway() as base_url, httpx.AsyncClient(base_url=base_url) as http:
        plain = (await http.get("/console/login")).headers["set-cookie"]
        behind_https = (await http.get("/console/login", headers=https)).headers["set-cookie"]
    async with (
        scripted_gateway(CONSOLE_SECURE_COOKIES="true") as base_url,
        httpx.AsyncClient(base_url=base_url) as http,
    ):
        configured = (await http.get("/console/login")).headers["set-cookie"]
    for cookie in (plain, behind_https, configured):
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in plain
    assert "Secure" in behind_https and "Secure" in configured


async def test_another_site_may_frame_the_chat_but_not_the_console(gateway, browser) -> None:  # type: ignore[no-untyped-def]
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse

    async with gateway() as base_url:

        async def index(_: Any) -> HTMLResponse:
            return HTMLResponse(
                '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hope</title></head><body>'
                f'<iframe title="chat" src="{base_url}/webchat/embed?title=Ask+Hope" width="420" height="640"></iframe>'
                f'<iframe title="console" src="{base_url}/console/login" width="420" height="200"></iframe>'
                "</body></html>"
            )

        async with serve(Starlette(routes=[Route("/", index)])) as site:
            page, _ = await open_page(browser, site + "/")
            chat = page.frame_locator('iframe[title="chat"]')
            await expect(chat.get_by_role("dialog", name="Ask Hope")).to_be_visible()
            box = chat.get_by_label("Your message")
            await box.fill("are you a bot?")
            await box.press("Enter")
            await expect(chat.locator(".tb-bot").nth(1)).to_contain_text("not a person")
            console = page.frame_locator('iframe[title="console"]')
            await expect(console.get_by_role("button", name="Sign in")).to_have_count(0)
            console_frame = await (await page.wait_for_selector('iframe[title="console"]')).content_frame()
            assert console_frame is not None and not console_frame.url.startswith(base_url)  # an error page
            assert "Sign in" not in await console_frame.content()
            await page.context.close()
