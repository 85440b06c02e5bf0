#!/bin/sh
# /usr/bin/oss-chat: starts OSS Chat from its self-contained bundle in /opt/oss-chat.
exec /opt/oss-chat/oss-chat "$@"
