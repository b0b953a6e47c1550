"""The database behind the dashboard: one engine per configuration, and cached reads.

Settings come from the environment as for every ``callcentre`` command
(``CALLCENTRE_*``, ``DATABASE_URL``, ``CALLCENTRE_CONFIG``); ``callcentre dashboard``
passes its own options that way. The dashboard only reads and writes the
database: it never holds an AMI or SIP connection and never runs speech recognition.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import streamlit as st
from sqlalchemy import Connection, Engine

from callcentre.bootstrap import App, build_app
from callcentre.schema import SchemaOutOfDate
from callcentre.settings import Settings, SettingsError, load_settings
from qa.library import Library, load_library

P = ParamSpec("P")
R = TypeVar("R")

#: Lists and figures may be this many seconds old; a change made in the dashboard clears them at once.
READ_TTL_SECONDS = 60


def config_key() -> str:
    """A digest of the configuration this process reads: the key of every cache here."""
    items = sorted(
        (name, value)
        for name, value in os.environ.items()
        if name == "DATABASE_URL" or name.startswith("CALLCENTRE_")
    )
    return hashlib.sha256(repr(items).encode()).hexdigest()


@st.cache_resource(show_spinner=False)
def _app(key: str) -> App:
    return build_app(load_settings())


def app() -> App:
    """The suite's wiring for this configuration (an error on the page if the schema is out of date)."""
    try:
        return _app(config_key())
    except (SchemaOutOfDate, SettingsError) as exc:
        st.error(str(exc))
        st.stop()


def engine() -> Engine:
    """The database engine."""
    return app().engine


def settings() -> Settings:
    """The effective settings."""
    return app().settings


@st.cache_resource(show_spinner=False)
def _library(key: str) -> Library:
    qa = load_settings().qa
    return load_library(qa.resolved_scorecards_dir(), qa.municipality_names())


def library() -> Library:
    """The scorecards in use (the configured folder, or the shipped ones)."""
    return _library(config_key())


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False, max_entries=1024)
def _cached(key: str, module: str, name: str, args: tuple[Any, ...], kwargs: tuple[Any, ...]) -> Any:
    if not module.startswith("dashboard."):
        raise ValueError(f"not a query of the dashboard: {module}.{name}")
    function = getattr(importlib.import_module(module), name)
    with _app(key).engine.connect() as connection:
        return function(connection, *args, **dict(kwargs))


def read(query: Callable[Concatenate[Connection, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``query(connection, *args, **kwargs)``, cached per configuration and arguments."""
    named = tuple(sorted(kwargs.items()))
    return cast(R, _cached(config_key(), query.__module__, query.__name__, args, named))


def clear_reads() -> None:
    """Forget cached reads (after a review, a dispute or a user change)."""
    _cached.clear()
