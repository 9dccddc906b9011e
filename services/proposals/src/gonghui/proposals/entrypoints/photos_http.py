"""Photos of a case (现场照片): the submitter and the handling unit add them, readers see them."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field

from gonghui.proposals.adapters.unit_of_work import ProposalsUnitOfWork
from gonghui.proposals.domain.model import Case
from gonghui.proposals.domain.photos import TYPES, Photo, PhotoRefused, cleaned
from gonghui.proposals.entrypoints.access import (
    STAFF,
    UNITS,
    CaseReader,
    forbidden,
    in_area,
    may_read_case,
)
from gonghui.shared.auth import Principal
from gonghui.shared.clock import SHANGHAI, LocalTime
from gonghui.shared.envelope import new_event_id
from gonghui.shared.http import NotFound
from gonghui.shared.privacy import mask_text


class PhotoOut(BaseModel):
    """A photo of a case, without its bytes (fetch `url` for them)."""

    id: str
    uploaded_by: str
    uploaded_at: LocalTime
    uploaded_at_local: str = Field(description="The time in Asia/Shanghai, for people.")
    content_type: str
    size: int
    caption: str | None = Field(
        description="The uploader's caption; phone and ID numbers masked for everyone else."
    )
    url: str

    @classmethod
    def of(cls, photo: Photo, reader: Principal) -> PhotoOut:
        """The view of a photo for one reader."""
        caption = photo.caption
        if caption and reader.sub != photo.uploaded_by:
            caption = mask_text(caption)
        return cls(
            id=photo.id,
            uploaded_by=photo.uploaded_by,
            uploaded_at=photo.uploaded_at,
            uploaded_at_local=photo.uploaded_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            content_type=photo.content_type,
            size=photo.size,
            caption=caption,
            url=f"/proposals/{photo.proposal_id}/photos/{photo.id}",
        )


def may_add_photos(caller: Principal, case: Case) -> None:
    """The submitter, staff of the case's area, or a unit handling it (lead or co-handling)."""
    if caller.sub == case.submitted_by:
        return
    if caller.role in STAFF:
        in_area(caller, case.area_code)
        return
    if caller.role in UNITS and caller.department in (case.unit_code, *case.co_units):
        return
    raise forbidden(
        "只有提交人、办理单位和工会工作人员可以上传照片",
        "only the submitter, the handling unit and union staff add photos",
    )


def photos_router(
    uow_factory: Callable[[], ProposalsUnitOfWork], *, max_bytes: int, per_case: int
) -> APIRouter:
    """Routes for a case's photos."""
    router = APIRouter(prefix="/proposals/{proposal_id}/photos", tags=["proposals"])

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        summary="Add a photo: the body is the JPEG or PNG itself; metadata (EXIF, GPS) stripped",
        responses={413: {"description": "Too big"}, 415: {"description": "Not JPEG or PNG"}},
    )
    async def add_photo(
        proposal_id: str,
        request: Request,
        caller: CaseReader,
        caption: str | None = Query(None, max_length=200, description="What it shows, zh-CN."),
    ) -> PhotoOut:
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if content_type not in TYPES:
            raise HTTPException(
                415, f"只接受 JPEG 或 PNG 照片 (Content-Type must be one of {', '.join(TYPES)})"
            )
        declared = request.headers.get("content-length", "")
        if declared.isdecimal() and int(declared) > max_bytes:
            raise HTTPException(413, f"照片不能超过 {max_bytes // 1024} KB (limit {max_bytes})")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_bytes:
                raise HTTPException(413, f"照片不能超过 {max_bytes // 1024} KB (limit {max_bytes})")
        try:
            data, kind = cleaned(bytes(body), max_bytes=max_bytes)
        except PhotoRefused as refused:
            raise HTTPException(refused.status, str(refused)) from refused
        async with uow_factory() as uow:
            case = await _found(uow, proposal_id)
            may_add_photos(caller, case)
            if await uow.photos.count(proposal_id) >= per_case:
                raise HTTPException(
                    409, f"每个事项最多 {per_case} 张照片 (at most {per_case} photos per case)"
                )
            photo = Photo(
                id=new_event_id(),
                proposal_id=proposal_id,
                uploaded_by=caller.sub,
                uploaded_at=uow.clock.now(),
                content_type=kind,
                size=len(data),
                caption=caption,
            )
            uow.photos.add(photo, data)
            await uow.commit()
        return PhotoOut.of(photo, caller)

    @router.get("", summary="A case's photos, oldest first")
    async def list_photos(proposal_id: str, caller: CaseReader) -> dict[str, list[PhotoOut]]:
        async with uow_factory() as uow:
            may_read_case(caller, await _found(uow, proposal_id))
            found = await uow.photos.of(proposal_id)
        return {"items": [PhotoOut.of(p, caller) for p in found]}

    @router.get(
        "/{photo_id}",
        summary="One photo's bytes",
        response_class=Response,
        responses={200: {"content": {t: {} for t in TYPES}}},
    )
    async def photo(proposal_id: str, photo_id: str, caller: CaseReader) -> Response:
        async with uow_factory() as uow:
            may_read_case(caller, await _found(uow, proposal_id))
            found = await uow.photos.content(proposal_id, photo_id)
        if found is None:
            raise NotFound(f"no photo {photo_id} of case {proposal_id}")
        content_type, data = found
        return Response(
            data,
            media_type=content_type,
            headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    return router


async def _found(uow: ProposalsUnitOfWork, proposal_id: str) -> Case:
    case = await uow.proposals.get(proposal_id)
    if case is None:
        raise NotFound(f"no case {proposal_id}")
    return case
