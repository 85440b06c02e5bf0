"""OSS Chat: a private, offline desktop chat app for gpt-oss running through llama.cpp."""

__version__ = "0.1.0"

APP_NAME = "OSS Chat"
APP_SLUG = "oss-chat"
# One reverse-DNS id everywhere: desktop entry, macOS bundle, AppStream, Windows AppUserModelID.
APP_ID = "org.osschat.OSSChat"
