"""The interactive API documentation works without internet: its viewer is served by the
platform itself (shipped with the web app's build), not fetched from a CDN."""

from __future__ import annotations

from api.app import SCALAR


async def test_the_api_docs_page_loads_its_viewer_from_the_platform(client) -> None:
    page = await client.get("/schema", headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.text
    assert SCALAR in html and "/schema-assets/scalar.css" in html
    assert "cdn.jsdelivr.net" not in html and "https://" not in html.split("<body")[0]
    viewer = await client.get(SCALAR)
    assert viewer.status_code == 200
    assert viewer.headers["content-type"].startswith(("application/javascript", "text/javascript"))
    assert len(viewer.content) > 1_000_000  # the whole viewer, not a stub
    styles = await client.get("/schema-assets/scalar.css")
    assert styles.status_code == 200 and styles.headers["content-type"].startswith("text/css")
