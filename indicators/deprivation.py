"""Deprivation: IoD 2019 carried onto LSOA 2021, and district summaries of LSOA deprivation.

Two pure functions on the cached File 7 tables (see :mod:`data_sources.iod_lsoa`):

* :func:`map_iod2019_to_lsoa21` puts the IoD 2019 values (published on LSOA 2011) on
  LSOA 2021 codes with the ONS LSOA 2011 → 2021 lookup, so that 2019 and 2025 can be shown
  on one geography. The native LSOA 2011 table is left untouched (it stays in the cache
  for export).
* :func:`compute_district_summaries` computes the official summary measures of the
  English Indices of Deprivation (File 10) for any parent of LSOAs: population-weighted
  average score and average rank, the proportion of LSOAs in England's most deprived
  10%, extent and local concentration. :func:`compute_msoa_summaries` is the same for
  MSOA 2021 parents.

Conventions of the indices: LSOA rank 1 is the most deprived and N (32,844 LSOAs in
2019, 33,755 in 2025) the least; decile 1 is the most deprived 10%. For the summaries
the ranks are reversed (N + 1 − rank) so that a *higher* average rank or local
concentration means *more* deprived, as in File 10.

Reference: McLennan D. et al. (2019), *The English Indices of Deprivation 2019: Technical
Report*, MHCLG, the chapter and appendix on summary measures for higher-level
geographies; the extent weights below were checked against the published File 10 (see
``tests/test_deprivation.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

DOMAINS: tuple[str, ...] = (
    "income",
    "employment",
    "education",
    "health",
    "crime",
    "barriers",
    "living_environment",
    "idaci",
    "idaopi",
)
"""Domains and supplementary indices summarised in File 10, besides the IMD."""

OFFICIAL_DENOMINATORS: dict[str, str] = {
    "employment": "pop_working_age",
    "idaci": "pop_children_0_15",
    "idaopi": "pop_60_plus",
}
"""File 7 population denominators of the domains not weighted by total population."""

SUMMARY_MEASURES: tuple[str, ...] = (
    "avg_score",
    "avg_rank",
    "pct_most_deprived_10",
    "extent",
    "local_concentration",
)
"""Summary measures per domain: output columns are ``<domain>_<measure>``."""

WEIGHTED_MEASURES = ("avg_score", "avg_rank", "extent", "local_concentration")
FITS = {"U": "exact", "S": "exact", "M": "merged", "X": "complex"}
LOCAL_SHARE = 0.1


# ---------------------------------------------------------------- IoD 2019 on LSOA 2021


def map_iod2019_to_lsoa21(
    iod2019_lsoa: pd.DataFrame, lookup_lsoa11_lsoa21: pd.DataFrame
) -> pd.DataFrame:
    """Carry IoD 2019 values from LSOA 2011 onto LSOA 2021 codes with the ONS lookup.

    Parameters
    ----------
    iod2019_lsoa : DataFrame
        The cached ``iod2019_lsoa`` table for all of England: ``area_code`` (LSOA 2011),
        ``imd_score``, ``imd_rank``, ``imd_decile`` and any ``<domain>_score/_rank/_decile``
        and ``pop_*`` denominator columns. It is not modified; keep it for exports of
        the native 2011 values.
    lookup_lsoa11_lsoa21 : DataFrame
        The cached ``lookup_lsoa11_lsoa21`` table: ``lsoa11_code``, ``lsoa21_code`` and
        ``change`` (U unchanged, S split, M merged, X complex), one row per pair.

    Returns
    -------
    DataFrame
        One row per LSOA 2021 with at least one 2011 parent in ``iod2019_lsoa`` (LSOA
        2021 areas of Wales are left out), sorted by code: ``area_code`` (LSOA 2021),
        ``imd_score_2019``, ``imd_rank_2019``, ``imd_decile_2019``, the same three for
        every domain with a column in the input, ``iod2019_fit`` (``exact``,
        ``merged`` or ``complex``) and ``iod2019_lsoa11_codes`` (the 2011 parents used,
        ``;``-separated). ``attrs["notes"]`` says which weights were used and which
        values are missing and why.

    Raises
    ------
    ValueError
        If a column is missing, a change code is not U, S, M or X, or the IMD score is
        missing for a 2011 LSOA.

    Notes
    -----
    * **exact** (U unchanged, S split): the LSOA 2021 takes the values of its only 2011
      parent; each part of a split LSOA takes its parent's values.
    * **merged** (M: several 2011 LSOAs form one 2021 LSOA): each score is the
      population-weighted mean of the parents' scores, weighted by the domain's File 7
      denominator (working-age population for Employment, children 0-15 for IDACI,
      60 and over for IDAOPI, total population otherwise; mid-2015, excluding
      prisoners), or equal weights when that column is absent or blank for a parent.
      Its rank is then re-derived against the full 2019 distribution: 1 + the number of
      2019 LSOAs in England with a higher score (rank 1 most deprived; the other LSOAs
      are not re-ranked), and its decile is ceil(10 · rank / N) with N the number of
      2019 LSOAs, which reproduces the published deciles. A domain with ranks but no
      scores in the input (e.g. the national mirror's copy) has no rank or decile for
      merged areas, since ranks cannot be averaged into a rank.
    * **complex** (X: boundaries redrawn across several LSOAs): the best-fit parent, the
      2011 parent with the largest total population (the first by code when equal or
      when populations are absent), gives all values.
    """
    _check_columns(iod2019_lsoa, ["area_code", "imd_score", "imd_rank", "imd_decile"])
    _check_columns(lookup_lsoa11_lsoa21, ["lsoa11_code", "lsoa21_code", "change"])
    if iod2019_lsoa["imd_score"].isna().any():
        raise ValueError("iod2019_lsoa has missing imd_score values")
    links = _links(iod2019_lsoa, lookup_lsoa11_lsoa21)
    stems = ["imd", *(d for d in DOMAINS if _stem_columns(iod2019_lsoa, d))]
    notes: list[str] = []
    best = _best_fit(links)
    merged = links[links["iod2019_fit"] == "merged"]
    merged_codes = pd.Index(merged["lsoa21_code"].unique()).sort_values()
    columns: dict[str, pd.Series] = {}
    for stem in stems:
        exact = _stem_values(best, stem)
        combined = _merge_stem(merged, merged_codes, iod2019_lsoa, stem, notes)
        for measure in ("score", "rank", "decile"):
            if measure in exact:
                columns[f"{stem}_{measure}_2019"] = pd.concat(
                    [exact[measure], combined[measure]]
                )
    result = pd.DataFrame(columns)
    result.index.name = "area_code"
    codes = links.groupby("lsoa21_code")["lsoa11_code"].agg(lambda s: ";".join(sorted(s)))
    fits = links.groupby("lsoa21_code")["iod2019_fit"].first()
    result["iod2019_fit"] = fits.reindex(result.index).astype("string")
    result["iod2019_lsoa11_codes"] = codes.reindex(result.index).astype("string")
    result = result.sort_index().reset_index()
    result.attrs["notes"] = notes
    return result


def _links(iod: pd.DataFrame, lookup: pd.DataFrame) -> pd.DataFrame:
    """Lookup pairs whose 2011 LSOA is in ``iod``, with the fit and the parent's values."""
    pairs = lookup[["lsoa11_code", "lsoa21_code", "change"]].drop_duplicates()
    unknown = sorted(set(pairs["change"].dropna()) - set(FITS))
    if unknown or pairs["change"].isna().any():
        raise ValueError(f"lookup change codes must be U, S, M or X; found {unknown or 'blanks'}")
    pairs = pairs.assign(iod2019_fit=pairs["change"].map(FITS))
    values = iod.rename(columns={"area_code": "lsoa11_code"})
    return pairs.merge(values, on="lsoa11_code", how="inner")


def _best_fit(links: pd.DataFrame) -> pd.DataFrame:
    """One parent row per non-merged LSOA 2021: the only one, or the most populous."""
    single = links[links["iod2019_fit"] != "merged"]
    order = ["lsoa21_code", "lsoa11_code"]
    ascending = [True, True]
    if "pop_total" in single:
        single = single.assign(_pop=single["pop_total"].astype("Float64").fillna(-1))
        order, ascending = ["lsoa21_code", "_pop", "lsoa11_code"], [True, False, True]
    chosen = single.sort_values(order, ascending=ascending).drop_duplicates("lsoa21_code")
    return chosen.set_index("lsoa21_code")


def _stem_values(rows: pd.DataFrame, stem: str) -> dict[str, pd.Series]:
    """The score, rank and decile columns of ``stem`` present in ``rows``, typed."""
    kinds = {"score": "Float64", "rank": "Int64", "decile": "Int64"}
    return {m: rows[f"{stem}_{m}"].astype(kind) for m, kind in kinds.items()
            if f"{stem}_{m}" in rows}


def _merge_stem(
    merged: pd.DataFrame, codes: pd.Index, iod: pd.DataFrame, stem: str, notes: list[str]
) -> dict[str, pd.Series]:
    """Weighted scores of merged LSOAs 2021 and their ranks in the 2019 distribution."""
    out: dict[str, pd.Series] = {}
    present = _stem_columns(iod, stem)
    if f"{stem}_score" not in iod:
        if len(codes) and present:
            notes.append(f"{stem}: no scores in the input, so the {len(codes)} merged LSOAs "
                         "2021 have no 2019 rank or decile (ranks cannot be averaged).")
        return {m: pd.Series(pd.NA, index=codes, dtype="Int64")
                for m in ("rank", "decile") if f"{stem}_{m}" in iod}
    weight_column = OFFICIAL_DENOMINATORS.get(stem, "pop_total")
    weights = _merge_weights(merged, weight_column)
    if len(codes):
        how = (f"weighted by {weight_column}" if weight_column in merged
               else "with equal weights (no population column)")
        notes.append(f"{stem}: scores of the {len(codes)} merged LSOAs 2021 are means of "
                     f"their 2011 parents' scores {how}.")
    score = merged[f"{stem}_score"].astype("Float64").astype("float64")
    key = merged["lsoa21_code"]
    mean = (score * weights).groupby(key).sum() / weights.groupby(key).sum()
    mean = mean.where(~score.isna().groupby(key).any()).reindex(codes)
    out["score"] = mean.astype("Float64")
    rank = pd.Series(_rank_in(iod[f"{stem}_score"], mean.to_numpy()), index=codes)
    if f"{stem}_rank" in iod:
        out["rank"] = rank.astype("Int64")
    if f"{stem}_decile" in iod:
        out["decile"] = np.ceil(10 * rank / len(iod)).astype("Int64")
    return out


def _rank_in(national: pd.Series, scores: np.ndarray) -> np.ndarray:
    """Rank of each score among the national scores: 1 + how many are higher; NaN if blank."""
    ordered = np.sort(national.dropna().to_numpy(dtype="float64"))
    higher = len(ordered) - np.searchsorted(ordered, scores, side="right")
    return np.where(np.isnan(scores), np.nan, 1.0 + higher)


def _merge_weights(merged: pd.DataFrame, column: str) -> pd.Series:
    """Parent weights: ``column``, or 1 for every parent of an area missing any of it."""
    if column not in merged:
        return pd.Series(1.0, index=merged.index)
    weights = merged[column].astype("Float64").astype("float64")
    blank = weights.isna().groupby(merged["lsoa21_code"]).transform("any")
    return weights.where(~blank, 1.0)


def _stem_columns(frame: pd.DataFrame, stem: str) -> list[str]:
    return [f"{stem}_{m}" for m in ("score", "rank", "decile") if f"{stem}_{m}" in frame]


# ---------------------------------------------------------------- 2011 LSOAs in 2021 areas


def best_fit_parents(
    lookup_lsoa11_lsoa21: pd.DataFrame,
    parents: pd.DataFrame,
    residents21: pd.Series | None = None,
    residents11: pd.Series | None = None,
) -> pd.DataFrame:
    """The 2022 district and 2021 MSOA where most of each 2011 LSOA's residents live.

    A 2011 LSOA that the ONS lookup maps to several 2021 LSOAs (split ``S``, or complex
    ``X``) can straddle districts or MSOAs; it is placed whole in the district holding
    the largest share of its residents, then in the MSOA of that district holding the
    largest share (ties: the lowest code).

    Parameters
    ----------
    lookup_lsoa11_lsoa21
        ``lsoa11_code``, ``lsoa21_code`` pairs.
    parents
        Indexed by LSOA 2021 code, columns ``lad`` and ``msoa``.
    residents21
        Residents of each 2021 LSOA (Census 2021, or IoD 2025 denominators); equal for
        every LSOA when None (LSOAs are drawn to hold similar numbers of people).
    residents11
        Residents of each 2011 LSOA (the IoD 2019 denominators, mid-2015); equal when None.

    Returns
    -------
    DataFrame
        Indexed by ``lsoa11_code``: ``lad``, ``msoa`` and ``lsoa21_count`` (how many
        2021 LSOAs it maps to).

    Notes
    -----
    A 2021 LSOA made from parts of several 2011 LSOAs (``M`` or ``X``) shares its
    residents among them in proportion to their own residents, so a 2011 LSOA's residents
    in a district are estimated as Σ residents21(c) · residents11(p) / Σ_{p' of c}
    residents11(p') over its 2021 LSOAs c in the district.
    """
    pairs = lookup_lsoa11_lsoa21[["lsoa11_code", "lsoa21_code"]].drop_duplicates()
    pairs = pairs[pairs["lsoa21_code"].isin(parents.index)].reset_index(drop=True)
    weight11 = _weights(residents11, pairs["lsoa11_code"])
    share = weight11 / weight11.groupby(pairs["lsoa21_code"]).transform("sum")
    pairs["people"] = _weights(residents21, pairs["lsoa21_code"]) * share
    pairs = pairs.join(parents[["lad", "msoa"]], on="lsoa21_code")
    district = _largest(pairs, "lad")
    inside = pairs[pairs["lad"] == pairs["lsoa11_code"].map(district)]
    result = pd.DataFrame({"lad": district, "msoa": _largest(inside, "msoa")})
    result["lsoa21_count"] = pairs.groupby("lsoa11_code").size()
    result.index.name = "lsoa11_code"
    return result


def _weights(values: pd.Series | None, codes: pd.Series) -> pd.Series:
    """``values`` of ``codes`` as floats; missing ones the mean of the known (1 if none)."""
    if values is None:
        return pd.Series(1.0, index=codes.index)
    found = pd.to_numeric(codes.map(values), errors="coerce").astype("float64")
    fill = found.mean() if found.notna().any() else 1.0
    return found.fillna(fill).set_axis(codes.index)


def _largest(pairs: pd.DataFrame, parent: str) -> pd.Series:
    """Per 2011 LSOA, the ``parent`` with most of its people (the lowest code on a tie)."""
    people = pairs.groupby(["lsoa11_code", parent])["people"].sum().reset_index()
    people = people.sort_values(["lsoa11_code", "people", parent],
                                ascending=[True, False, True])
    return people.drop_duplicates("lsoa11_code").set_index("lsoa11_code")[parent]


# ---------------------------------------------------------------- district summaries


def compute_district_summaries(
    lsoa: pd.DataFrame,
    parent: str = "lad_code",
    score: str = "imd_score",
    rank: str = "imd_rank",
    population: str = "pop_total",
    n_england: int | None = None,
    domains: Sequence[str] | None = None,
    denominators: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Compute the IoD summary measures of every parent area from its LSOAs.

    Parameters
    ----------
    lsoa : DataFrame
        One row per LSOA with ``parent``, ``score``, ``rank`` and ``population``, and
        optionally ``<domain>_score`` / ``<domain>_rank`` for the domains and the
        denominators of ``denominators``.
    parent : str
        Column with the code of the parent area (default ``"lad_code"``).
    score, rank : str
        The IMD score and rank columns (rank 1 most deprived). The output prefix is
        ``score`` without its ``_score`` suffix (``imd``).
    population : str
        Weights of the population-weighted measures: the IoD denominators
        (``pop_total``, mid-2015 for IoD 2019) reproduce File 10; another population
        (e.g. Census 2021) gives the same measures with other weights.
    n_england : int, optional
        Number of LSOAs in England the ranks run over (32,844 for IoD 2019, 33,755 for
        IoD 2025). By default the largest rank in ``lsoa``, which is right only when
        ``lsoa`` holds all of England; pass it for a subset, or for IoD 2019 values
        carried onto LSOA 2021.
    domains : sequence of str, optional
        Domains to summarise besides the IMD; by default every one of :data:`DOMAINS`
        with a ``<domain>_rank`` or ``<domain>_score`` column.
    denominators : mapping of str to str, optional
        Weight column per domain; by default :data:`OFFICIAL_DENOMINATORS` (working-age
        population for Employment, children for IDACI, 60 and over for IDAOPI), every
        other domain weighted by ``population``. Pass ``{}`` to weight all by
        ``population``.

    Returns
    -------
    DataFrame
        Indexed by the parent code (index named ``parent``, sorted), with ``n_lsoas`` and
        for each summarised prefix (``imd`` and the domains) the columns
        ``<prefix>_avg_score``, ``<prefix>_avg_rank``, ``<prefix>_pct_most_deprived_10``,
        ``<prefix>_extent`` and ``<prefix>_local_concentration`` (float, unrounded).
        ``attrs["notes"]`` says which measures are NA and why.

    Raises
    ------
    ValueError
        If ``parent`` or ``rank`` is missing, a parent code is blank, a rank lies outside
        1..``n_england``, or a population is negative.

    Notes
    -----
    Following the English Indices of Deprivation 2019 Technical Report (summary measures
    for higher-level geographies), for a parent with LSOAs i, population pᵢ, P = Σ pᵢ,
    score sᵢ, rank rᵢ and reversed rank Rᵢ = N + 1 − rᵢ (N = ``n_england``):

    * ``avg_score`` = Σ pᵢ sᵢ / P, the population-weighted average score;
    * ``avg_rank`` = Σ pᵢ Rᵢ / P, the population-weighted average of reversed ranks
      (higher is more deprived, as in File 10);
    * ``pct_most_deprived_10``: the proportion (0 to 1, not weighted) of the parent's
      LSOAs in England's most deprived 10%, i.e. with 10 · rᵢ ≤ N;
    * ``extent`` = Σ pᵢ wᵢ / P, the proportion of the population living in the most
      deprived 30% of LSOAs nationally, on a sliding scale: with the national
      percentile cᵢ = ceil(100 · rᵢ / N), wᵢ = 1 for cᵢ ≤ 10, then falling in equal
      steps from 0.95 at cᵢ = 11 to 0.05 at cᵢ = 30, and 0 beyond. These are the
      weights that reproduce the published File 10 extents (all 317 districts of 2019
      to their 4 decimals, within rounding), not the 30%-to-50% scale of earlier
      editions;
    * ``local_concentration``: the population-weighted average of the reversed ranks
      of the parent's most deprived LSOAs that together hold exactly 10% of its
      population; the LSOA crossing the 10% line counts with just the part of its
      population needed to reach it.

    A measure is NA for a parent when an input it needs is absent or blank for any of
    its LSOAs, or its population is 0: the population-weighted measures need the
    population column (the national mirror's IoD 2025 File 7 has no denominators, so
    only ``pct_most_deprived_10`` is given there), ``avg_score`` needs scores.
    Everything is computed with group sums over all LSOAs at once, with no loop per
    parent.
    """
    _check_columns(lsoa, [parent, rank])
    codes, parents = _factorize(lsoa, parent)
    n = _n_england(lsoa, rank, n_england)
    prefix = score.removesuffix("_score")
    weights = OFFICIAL_DENOMINATORS if denominators is None else dict(denominators)
    chosen = list(DOMAINS) if domains is None else list(domains)
    stems = [(prefix, score, rank, population)]
    stems += [(d, f"{d}_score", f"{d}_rank", weights.get(d, population)) for d in chosen
              if d != prefix and (f"{d}_rank" in lsoa or f"{d}_score" in lsoa)]
    groups = _Groups(codes, len(parents))
    result = pd.DataFrame(index=pd.Index(parents, name=parent))
    result["n_lsoas"] = groups.count
    notes: list[str] = []
    for stem, score_col, rank_col, pop_col in stems:
        measures, why = _summarise(lsoa, groups, n, score_col, rank_col, pop_col)
        for measure in SUMMARY_MEASURES:
            result[f"{stem}_{measure}"] = measures[measure]
        notes += [f"{stem}_{measure}: NA because {reason}." for measure, reason in why.items()]
    result.attrs["notes"] = notes
    return result


def compute_msoa_summaries(
    lsoa: pd.DataFrame, parent: str = "msoa21_code", **kwargs: Any
) -> pd.DataFrame:
    """Compute the IoD summary measures of MSOAs 2021 from their LSOAs 2021.

    Parameters
    ----------
    lsoa : DataFrame
        One row per LSOA 2021 with its MSOA 2021 code in ``parent`` and the columns
        :func:`compute_district_summaries` needs.
    parent : str
        Column with the MSOA code (default ``"msoa21_code"``).
    **kwargs
        Passed to :func:`compute_district_summaries` (``population``, ``n_england`` …).

    Returns
    -------
    DataFrame
        As :func:`compute_district_summaries`, indexed by MSOA code. These are not
        published by MHCLG: the method is the official district one applied to MSOAs.
    """
    return compute_district_summaries(lsoa, parent=parent, **kwargs)


class _Groups:
    """Group sums over LSOAs by parent, with ``codes`` 0..n-1 from factorizing parents."""

    def __init__(self, codes: np.ndarray, n: int) -> None:
        self.codes = codes
        self.n = n
        self.count = np.bincount(codes, minlength=n)

    def sum(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.codes, weights=values, minlength=self.n)

    def any(self, mask: np.ndarray) -> np.ndarray:
        return self.sum(mask.astype("float64")) > 0


def _summarise(
    lsoa: pd.DataFrame, groups: _Groups, n: int, score: str, rank: str, population: str
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The five measures of one domain per parent, and the reason for each NA column."""
    nan = np.full(groups.n, np.nan)
    measures = dict.fromkeys(SUMMARY_MEASURES, nan)
    why: dict[str, str] = {}
    r = _numbers(lsoa, rank) if rank in lsoa else None
    p = _numbers(lsoa, population) if population in lsoa else None
    s = _numbers(lsoa, score) if score in lsoa else None
    if p is not None and (p < 0).any():
        raise ValueError(f"column {population!r} has negative populations")
    if r is not None:
        _check_ranks(r, rank, n)
        measures["pct_most_deprived_10"] = _pct_most_deprived(groups, r, n)
    else:
        why.update(dict.fromkeys(("pct_most_deprived_10", "avg_rank", "extent",
                                  "local_concentration"), f"the input has no {rank} column"))
    if p is None:
        reason = (f"the input has no {population} column (population-weighted measures "
                  "need the IoD population denominators)")
        why.update({m: reason for m in WEIGHTED_MEASURES if m not in why})
        return measures, why
    total = _masked_total(groups, p)
    if s is not None:
        measures["avg_score"] = _weighted_mean(groups, p, s, total)
    else:
        why["avg_score"] = f"the input has no {score} column"
    if r is not None:
        reversed_rank = n + 1 - r
        measures["avg_rank"] = _weighted_mean(groups, p, reversed_rank, total)
        measures["extent"] = _weighted_mean(groups, p, _extent_weights(r, n), total)
        measures["local_concentration"] = _local_concentration(groups, p, r, n, total)
    return measures, why


def _pct_most_deprived(groups: _Groups, r: np.ndarray, n: int) -> np.ndarray:
    """Share of each parent's LSOAs with 10 · rank ≤ N; NA where a rank is blank."""
    in_top = np.where(np.isnan(r), 0.0, (10 * r <= n).astype("float64"))
    share = groups.sum(in_top) / np.maximum(groups.count, 1)
    return np.where(groups.any(np.isnan(r)), np.nan, share)


def _masked_total(groups: _Groups, p: np.ndarray) -> np.ndarray:
    """Each parent's population; NaN where a population is blank or the total is 0."""
    total = groups.sum(np.nan_to_num(p))
    return np.where(groups.any(np.isnan(p)) | (total <= 0), np.nan, total)


def _weighted_mean(
    groups: _Groups, p: np.ndarray, values: np.ndarray, total: np.ndarray
) -> np.ndarray:
    """Σ pᵢ vᵢ / P per parent; NaN where a value is blank."""
    weighted = groups.sum(np.nan_to_num(p * values))
    return np.where(groups.any(np.isnan(values)), np.nan, weighted / total)


def _extent_weights(r: np.ndarray, n: int) -> np.ndarray:
    """1 up to the 10th national percentile, 0.95 → 0.05 over the 11th-30th, then 0."""
    percentile = np.ceil(100 * r / n)
    sliding = 0.95 - (percentile - 11) * 0.9 / 19
    return np.where(percentile <= 10, 1.0, np.where(percentile <= 30, sliding, 0.0))


def _local_concentration(
    groups: _Groups, p: np.ndarray, r: np.ndarray, n: int, total: np.ndarray
) -> np.ndarray:
    """Reversed-rank average over the most deprived LSOAs holding 10% of the population."""
    order = np.lexsort((r, groups.codes))
    codes, pop, ranks = groups.codes[order], np.nan_to_num(p[order]), r[order]
    cumulative = np.cumsum(pop)
    before_group = np.concatenate([[0.0], np.cumsum(groups.sum(np.nan_to_num(p)))])[codes]
    before = cumulative - pop - before_group
    target = LOCAL_SHARE * total[codes]
    part = np.clip(target - before, 0.0, pop)
    weighted = np.bincount(codes, weights=np.nan_to_num(part * (n + 1 - ranks)), minlength=groups.n)
    concentration = weighted / (LOCAL_SHARE * total)
    return np.where(groups.any(np.isnan(r)), np.nan, concentration)


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    series = frame[column]
    if not pd.api.types.is_numeric_dtype(series):
        raise ValueError(f"column {column!r} is not numeric ({series.dtype})")
    return series.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


def _check_ranks(r: np.ndarray, column: str, n: int) -> None:
    known = r[~np.isnan(r)]
    if ((known < 1) | (known > n) | (known % 1 != 0)).any():
        raise ValueError(f"column {column!r} has ranks outside 1..{n} (n_england)")


def _n_england(lsoa: pd.DataFrame, rank: str, n_england: int | None) -> int:
    if n_england is not None:
        return int(n_england)
    largest = lsoa[rank].max()
    if pd.isna(largest):
        raise ValueError(f"column {rank!r} has no ranks; pass n_england")
    return int(largest)


def _factorize(frame: pd.DataFrame, parent: str) -> tuple[np.ndarray, pd.Index]:
    codes, parents = pd.factorize(frame[parent], sort=True)
    if (codes < 0).any():
        raise ValueError(f"column {parent!r} has {int((codes < 0).sum())} missing codes")
    return codes, pd.Index(parents)


def _check_columns(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame]
    if missing:
        raise ValueError(f"input lacks columns: {', '.join(missing)}")
