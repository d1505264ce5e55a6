"""An upload is what it says it is: its bytes are checked against the declared type, which
is the type it is served back with."""

from __future__ import annotations

import struct
import zlib

import sqlalchemy as sa

from core.models import File

DRAWING = b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'
PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00"))
        + chunk(b"IEND", b"")
    )


async def upload(client, headers, name: str, content: bytes, mimetype: str):
    return await client.post("/files", files={"file": (name, content, mimetype)}, headers=headers)


async def test_a_page_declared_as_an_image_is_refused(
    client, acme, as_employee, sessions, tmp_path
) -> None:
    refused = await upload(client, as_employee, "cat.png", PAGE, "image/png")
    assert refused.status_code == 415, refused.text
    assert refused.json()["code"] == "file_type_refused"
    assert "not image/png" in refused.json()["detail"]
    assert "text/html" in refused.json()["detail"]
    async with sessions() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(File)) == 0
    assert not [p for p in (tmp_path / "files").rglob("*") if p.is_file()]


async def test_real_images_documents_and_text_are_accepted(client, acme, as_employee) -> None:
    for name, content, mimetype in [
        ("cat.png", tiny_png(), "image/png"),
        ("receipt.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
        ("notes.txt", "Taxi to the airport: 42 €\n".encode(), "text/plain"),
        ("claims.csv", b"employee,amount\nAda,1200\n", "text/csv"),
        ("claim.json", b'{"amount": 1200}', "application/json"),
    ]:
        answer = await upload(client, as_employee, name, content, mimetype)
        assert answer.status_code == 201, (name, answer.text)
        served = await client.get(f"/files/{answer.json()['id']}/content", headers=as_employee)
        assert served.headers["content-type"].startswith(mimetype)
        assert served.headers["x-content-type-options"] == "nosniff"


async def test_text_types_refuse_binary_content_and_pages(client, acme, as_employee) -> None:
    for name, content, mimetype, why in [
        ("page.txt", PAGE, "text/plain", "text/html"),
        ("drawing.txt", DRAWING, "text/plain", "svg"),
        ("tool.csv", b"MZ\x90\x00\x03\x00\x00\x00", "text/csv", "not text/csv"),
        ("data.txt", b"abc\x00def", "text/plain", "binary data"),
        ("latin.txt", "café".encode("latin-1"), "text/plain", "not UTF-8"),
    ]:
        answer = await upload(client, as_employee, name, content, mimetype)
        assert answer.status_code == 415, (name, answer.text)
        assert why in answer.json()["detail"], (name, answer.json()["detail"])
