#!/bin/bash
# The gateway's health check (compose runs it inside the container; bash, no curl needed):
# 200 from the monitor URI means HAProxy runs and every backend has a ready replica.
exec 3<>/dev/tcp/127.0.0.1/8404 || exit 1
printf 'GET /gateway/healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
read -r -t 2 _ status _ <&3 || exit 1
[ "$status" = 200 ]
