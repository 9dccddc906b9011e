"""Sign-in codes for workers, texted on the SMS channel; only the front asks (role `service`)."""

from __future__ import annotations

import logging
from typing import Annotated

import apprise
from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from gonghui.notify.settings import NotifySettings
from gonghui.shared.auth import Principal, Role, require
from gonghui.shared.privacy import mask_text

log = logging.getLogger(__name__)

Front = Annotated[Principal, Depends(require(Role.SERVICE))]


class SignInCodeIn(BaseModel):
    """A code to text to a worker who is signing in."""

    mobile: str = Field(pattern=r"^1[3-9]\d{9}$", description="Mainland mobile, 11 digits.")
    code: str = Field(pattern=r"^\d{6}$", description="The six-digit code.")
    valid_minutes: int = Field(5, ge=1, le=30, description="How long the code works.")


class SignInCodeSent(BaseModel):
    """How the code went out."""

    channel: str = Field(description="`sms`, or `log` in development with no SMS gateway.")


def sign_in_codes_router(settings: NotifySettings) -> APIRouter:
    """`POST /sign-in-codes`: text a one-time code (the front's own token only)."""
    router = APIRouter(tags=["sign-in"])

    @router.post("/sign-in-codes", summary="Text a worker their one-time sign-in code")
    async def send_code(body: SignInCodeIn, _: Front) -> SignInCodeSent:
        text = (
            f"【工会服务】您的登录验证码是 {body.code}，{body.valid_minutes} 分钟内有效。"
            "如非本人操作，请忽略本短信。"
        )
        if settings.sign_in_sms_url:
            sender = apprise.Apprise()
            if not sender.add(settings.sign_in_sms_url.replace("{mobile}", body.mobile)):
                raise HTTPException(503, "短信通道配置有误 (sign_in_sms_url_unusable)")
            if not await sender.async_notify(title="登录验证码", body=text):
                log.warning("sign-in code to %s: the SMS gateway refused it", body.mobile)
                raise HTTPException(503, "短信发送失败，请稍后再试 (sms_failed)")
            return SignInCodeSent(channel="sms")
        if settings.environment != "development":
            raise HTTPException(503, "短信通道未配置 (sign_in_sms_url_not_set)")
        # Development only: the code is read from this log line instead of a phone.
        log.warning(
            "development sign-in code %s for %s (NOTIFY_SIGN_IN_SMS_URL not set, nothing sent)",
            body.code,
            mask_text(body.mobile),
        )
        return SignInCodeSent(channel="log")

    return router
