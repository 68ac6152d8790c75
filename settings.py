"""The one settings object of Good Relations Atlas.

Every setting is read from an environment variable prefixed ``GRA_`` (for example
``GRA_CACHE_DIR``) or, failing that, from a top-level key of the same name without the
prefix, in lower case, in ``.streamlit/secrets.toml`` (for example ``cache_dir = "..."``).
Environment variables win. The table in README.md ("Configuration") documents each
field; a test fails when a field is undocumented.

Base URLs hold only the scheme and host (plus any mirror prefix): each fetcher appends
the publisher's real path, so a mirror that copies the publishers' paths works unchanged.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

PROJECT_ROOT = Path(__file__).resolve().parent
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"


class _SecretsTomlSource(PydanticBaseSettingsSource):
    """Reads top-level keys of ``.streamlit/secrets.toml`` that name a setting."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path | None = None) -> None:
        super().__init__(settings_cls)
        path = path or SECRETS_FILE
        self._values: dict[str, Any] = {}
        if path.is_file():
            with path.open("rb") as f:
                data = tomllib.load(f)
            fields = settings_cls.model_fields
            self._values = {k: v for k, v in data.items() if k in fields}

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._values)


class Settings(BaseSettings):
    """All configuration, typed and documented. See README.md, "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="GRA_", extra="ignore")

    cache_dir: Path = Field(
        default=PROJECT_ROOT / "cache",
        description="Where fetched data, parsed tables and the provenance manifest live.",
    )
    offline: bool = Field(
        default=False,
        description="1 = never touch the network: answer from the cache or fail clearly.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the report store; unset = the SQLite file reports.db in "
        "the project folder. PostgreSQL: postgresql+psycopg://user@host:5432/db.",
    )
    nomis_base_url: str = Field(
        default="https://www.nomisweb.co.uk",
        description="Nomis (Census 2021 bulk files, Census 2011 API).",
    )
    iod_base_url: str = Field(
        default="https://assets.publishing.service.gov.uk",
        description="GOV.UK assets host of the English Indices of Deprivation files.",
    )
    geoportal_base_url: str = Field(
        default="https://services1.arcgis.com",
        description="ONS Open Geography Portal ArcGIS REST services (boundaries, lookups).",
    )
    ons_hub_base_url: str = Field(
        default="https://hub.arcgis.com",
        description="ONS Open Geography hub downloads (OA21 to LSOA21 to MSOA21 to LAD22 CSV).",
    )
    hocl_base_url: str = Field(
        default="https://houseofcommonslibrary.github.io",
        description="House of Commons Library (MSOA names people use).",
    )
    police_base_url: str = Field(
        default="https://data.police.uk",
        description="data.police.uk API.",
    )
    postcodes_base_url: str = Field(
        default="https://api.postcodes.io",
        description="postcodes.io (postcode to LSOA/MSOA/LAD).",
    )
    http_timeout: float = Field(
        default=60.0, gt=0, description="Seconds to wait for a connection or for data."
    )
    http_retries: int = Field(
        default=4, ge=0, description="Retries after a connection error, a 429 or a 5xx."
    )
    http_backoff: float = Field(
        default=1.0, ge=0, description="First back-off in seconds; doubles per retry."
    )
    http_max_seconds: float = Field(
        default=1800.0, gt=0,
        description="Longest a download may take, retries included, however steadily data "
        "arrives.",
    )
    http_max_mb: float = Field(
        default=1024.0, gt=0, description="Largest body a download may have, in MB.",
    )
    postcode_lookup_seconds: float = Field(
        default=60.0, gt=0,
        description="Most seconds an import spends looking up its postcodes (in bulk).",
    )
    police_areas: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="LAD codes whose police.uk counts `refresh` fetches (comma-separated); "
        "an LSOA or MSOA code stands for its district, `all` for every district of England.",
    )
    police_months: int = Field(
        default=12, ge=1, le=60, description="How many of the latest police.uk months to fetch."
    )
    police_from: str | None = Field(
        default=None,
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="First police.uk month (YYYY-MM) to fetch; overrides police_months.",
    )
    police_to: str | None = Field(
        default=None,
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="Last police.uk month (YYYY-MM) to fetch; default the latest published.",
    )
    police_rate_per_second: float = Field(
        default=15.0, gt=0, description="data.police.uk's published limit: requests a second."
    )
    geoportal_services: dict[str, str] = Field(
        default_factory=dict,
        description='JSON {"layer": "ServiceName"} to pin ArcGIS service names (they change '
        "when ONS republishes); by default each layer tries its known names in turn.",
    )
    refresh_max_age_hours: float = Field(
        default=24 * 7, gt=0,
        description="`refresh --if-stale` skips datasets last refreshed fewer hours ago.",
    )
    refresh_stuck_hours: float = Field(
        default=6.0, gt=0,
        description="`refresh --if-stale` exits 1 when the refresh holding the lock has run "
        "this many hours or more (or its lock is stale).",
    )
    public_url: str | None = Field(
        default=None,
        description="The dashboard's public address (e.g. https://atlas.example.org), for "
        "the link back in exported profiles; unset = the address the browser used.",
    )
    strict_row_counts: bool = Field(
        default=True,
        description="Check national row counts (e.g. 33,755 LSOAs). 0 only for test fixtures.",
    )

    @field_validator("police_areas", mode="before")
    @classmethod
    def _split_codes(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [code.strip() for code in value.split(",") if code.strip()]
        return value

    @field_validator(
        "nomis_base_url",
        "iod_base_url",
        "geoportal_base_url",
        "ons_hub_base_url",
        "police_base_url",
        "postcodes_base_url",
        "hocl_base_url",
    )
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _SecretsTomlSource(settings_cls))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once. Tests call ``get_settings.cache_clear()``."""
    return Settings()
