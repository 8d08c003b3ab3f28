"""Reflex configuration. Every value has a local default and an environment override."""

import os

import reflex as rx

_port = int(os.environ.get("TS_STORE_PORT", "3000"))

config = rx.Config(
    app_name="ts_store",
    db_url=os.environ.get("TS_STORE_DB_URL", "sqlite:///ts_store.db"),
    redis_url=os.environ.get("REFLEX_REDIS_URL") or None,
    telemetry_enabled=False,
    backend_host=os.environ.get("TS_STORE_HOST", "127.0.0.1"),
    frontend_port=_port,
    backend_port=int(os.environ.get("TS_STORE_BACKEND_PORT", str(_port))),
    api_url=os.environ.get("TS_STORE_API_URL", f"http://127.0.0.1:{_port}"),
    deploy_url=os.environ.get("TS_STORE_DEPLOY_URL", f"http://127.0.0.1:{_port}"),
    cors_allowed_origins=os.environ.get(
        "TS_STORE_CORS_ORIGINS", f"http://127.0.0.1:{_port},http://localhost:{_port}"
    ).split(","),
    show_built_with_reflex=False,
    default_color_mode="light",
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium")
        ),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
