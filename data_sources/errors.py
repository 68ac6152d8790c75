"""Errors raised by the data layer, each with a message a maintainer can act on."""

from __future__ import annotations


class DataSourceError(Exception):
    """Base class of every error the data layer raises on purpose."""


class SourceError(DataSourceError):
    """A publisher's file or API could not be used; names the source, the URL and why."""

    def __init__(self, source: str, url: str, problem: str) -> None:
        self.source = source
        self.url = url
        self.problem = problem
        super().__init__(f"{source}: {problem} (URL: {url})")


class SourceUnavailableError(SourceError):
    """The publisher could not be reached, or answered with an HTTP error."""


class DownloadTooSlow(SourceUnavailableError):
    """A download did not finish within its overall time limit (``GRA_HTTP_MAX_SECONDS``)."""


class SourceFormatError(SourceError):
    """The publisher answered, but the file does not look as published."""


class OfflineError(DataSourceError):
    """The network was needed while GRA_OFFLINE=1."""


class NotCachedError(DataSourceError):
    """A table was asked for that the cache does not hold."""
