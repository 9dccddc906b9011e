"""Photos of a case: added by the submitter or the handling unit, stripped of EXIF, limited."""

from __future__ import annotations

import struct
import zlib

import httpx
import pytest

from gonghui.proposals.bootstrap import create_app
from gonghui.proposals.settings import ProposalsSettings
from gonghui.shared.auth import Role
from tests.support.auth import bearer

pytestmark = pytest.mark.usefixtures("units")

REP = bearer(Role.REPRESENTATIVE, sub="rep-shen", area="330482")
OTHER_REP = bearer(Role.REPRESENTATIVE, sub="rep-lu", area="330482")
TOWN = bearer(Role.HANDLER, sub="town-desk", department="dushu-town")
GROUP = bearer(Role.REVIEWER, sub="group-1", area="330482")
CASE = {
    "kind": "issue",
    "title": "环卫工休息点漏雨",
    "body": "东湖路环卫工休息点屋顶漏雨，需要修缮。",
    "category": "transport",
    "area_code": "330482",
}


def segment(marker: int, payload: bytes) -> bytes:
    """A JPEG segment with its length."""
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


GPS = b"Exif\x00\x00GPSLatitude 30.70 N GPSLongitude 121.01 E"
JPEG = (
    b"\xff\xd8"
    + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    + segment(0xE1, GPS)
    + segment(0xFE, b"taken by 13812345678")
    + segment(0xDB, bytes(65))
    + segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
    + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    + b"\x12\x34\x56"
    + b"\xff\xd9"
)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    """A PNG chunk with its CRC."""
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


PNG = (
    b"\x89PNG\r\n\x1a\n"
    + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    + png_chunk(b"tEXt", b"Location\x00Pinghu Donghu Road 88")
    + png_chunk(b"IDAT", zlib.compress(b"\x00\x00"))
    + png_chunk(b"IEND", b"")
)


@pytest.fixture
async def api(database_url, proposals_engine, prefix, clock, redis_url):
    """The proposals app over ASGI, with a small photo limit."""
    settings = ProposalsSettings(
        database_url=database_url,
        redis_url=redis_url,
        stream_prefix=prefix,
        photo_max_bytes=4096,
        photos_per_case=2,
    )
    app = create_app(settings, clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://proposals"
    ) as client:
        yield client
    await app.state.engine.dispose()


async def photo(api, case_id: str, data: bytes, kind: str, headers: dict, caption: str = ""):
    """POST a photo."""
    return await api.post(
        f"/proposals/{case_id}/photos",
        params={"caption": caption} if caption else None,
        content=data,
        headers={**headers, "content-type": kind},
    )


async def test_a_photo_keeps_its_picture_and_loses_where_it_was_taken(api) -> None:
    case = (await api.post("/proposals", json=CASE, headers=REP)).json()

    added = await photo(api, case["id"], JPEG, "image/jpeg", REP, caption="联系人 13812345678")
    assert added.status_code == 201, added.text
    stored = await api.get(added.json()["url"], headers=REP)

    assert stored.headers["content-type"] == "image/jpeg"
    assert b"GPSLatitude" not in stored.content and b"13812345678" not in stored.content
    assert stored.content.startswith(b"\xff\xd8\xff\xe0") and b"\x12\x34\x56" in stored.content
    assert added.json()["caption"] == "联系人 13812345678"
    seen_by_group = (await api.get(f"/proposals/{case['id']}/photos", headers=GROUP)).json()
    assert seen_by_group["items"][0]["caption"] == "联系人 138****5678"

    png = await photo(api, case["id"], PNG, "image/png", REP)
    assert png.status_code == 201, png.text
    png_bytes = (await api.get(png.json()["url"], headers=REP)).content
    assert b"Donghu" not in png_bytes and b"IDAT" in png_bytes


async def test_photos_are_limited_in_type_size_number_and_who_adds_them(api) -> None:
    case = (await api.post("/proposals", json=CASE, headers=REP)).json()
    pid = case["id"]

    assert (await photo(api, pid, b"GIF89a....", "image/gif", REP)).status_code == 415
    assert (await photo(api, pid, b"not a jpeg", "image/jpeg", REP)).status_code == 415
    big = await photo(api, pid, JPEG + bytes(5000), "image/jpeg", REP)
    assert big.status_code == 413 and "KB" in big.json()["detail"]
    assert (await photo(api, pid, JPEG[:30], "image/jpeg", REP)).status_code == 422
    assert (await photo(api, pid, JPEG, "image/jpeg", OTHER_REP)).status_code == 403
    assert (await photo(api, pid, JPEG, "image/jpeg", TOWN)).status_code == 403
    assert (await api.get(f"/proposals/{pid}/photos", headers=OTHER_REP)).status_code == 403

    assert (await photo(api, pid, JPEG, "image/jpeg", REP)).status_code == 201
    assert (await photo(api, pid, JPEG, "image/jpeg", GROUP)).status_code == 201
    third = await photo(api, pid, PNG, "image/png", REP)
    assert third.status_code == 409 and "2" in third.json()["detail"]


async def test_the_handling_unit_adds_photos_of_its_progress(api) -> None:
    case = (await api.post("/proposals", json=CASE, headers=REP)).json()
    await api.post(f"/proposals/{case['id']}/accept", json={}, headers=GROUP)
    assigned = await api.post(
        f"/proposals/{case['id']}/assign", json={"unit_code": "dushu-town"}, headers=GROUP
    )
    assert assigned.status_code == 200, assigned.text

    added = await photo(api, case["id"], PNG, "image/png", TOWN, caption="维修完成")

    assert added.status_code == 201
    listed = (await api.get(f"/proposals/{case['id']}/photos", headers=REP)).json()["items"]
    assert [(p["uploaded_by"], p["caption"]) for p in listed] == [("town-desk", "维修完成")]
