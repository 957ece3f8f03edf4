"""Issue 17 in a real Chromium: the public list is kept by the browser and revalidated (304
after a reload), the copy it shows again still switches language (its CSRF token is the
session's and still valid), and a new version shows at the next visit."""

from __future__ import annotations

from pathlib import Path

from workareas import operations as area_ops

SHOTS = Path("/tmp/shots/h17cache")


def test_the_browser_revalidates_the_list_and_its_copy_still_works(world, db, app, live_server,
                                                                   page, monkeypatch):
    SHOTS.mkdir(parents=True, exist_ok=True)
    p = world.published_procedure()
    db.session.commit()
    answers: list[int] = []  # what the server answered (Chromium reports a 304 as 200)
    # read at the WSGI boundary: the 304 is answered before Flask (workareas.revalidation)
    pipeline = app.wsgi_app

    def answered(environ, start_response):
        def start(status, headers, exc_info=None):
            if environ.get("PATH_INFO") == "/addenda":
                answers.append(int(status.split()[0]))
            return start_response(status, headers, exc_info)
        return pipeline(environ, start)

    monkeypatch.setattr(app, "wsgi_app", answered)
    try:
        page.goto(live_server + "/addenda")
        page.reload()
        assert answers[:2] == [200, 304], answers
        assert page.locator("h1").inner_text() == "Gepubliceerde addenda"
        assert "Regio Aalst" in page.content()
        for width in (1280, 320):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(SHOTS / f"addenda-after-304-{width}.png"), full_page=True)

        # the copy served after the 304 carries a valid CSRF token: the language switch works
        # (on a wide screen: at 320 px it sits in the collapsed menu)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "Published addenda"
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(SHOTS / "addenda-english-1280.png"), full_page=True)

        # a new version: the next visit of a page the browser keeps shows it
        page.goto(live_server + f"/addenda/{p.id}")
        assert "Dubbel zoveel jongeren" not in page.content()
        world.clock.advance(days=1)
        content = area_ops.version_content(p.current_version)
        content["challenges"][0]["objectives"] = "Dubbel zoveel jongeren in begeleiding"
        area_ops.publish_new_version(p, content, "Doelstelling RU1 verduidelijkt.",
                                     actor=world.coordinator, now=world.clock.now)
        db.session.commit()
        page.reload()
        assert "Dubbel zoveel jongeren" in page.content()
        page.screenshot(path=str(SHOTS / "addendum-1280.png"), full_page=True)
    finally:
        monkeypatch.undo()
