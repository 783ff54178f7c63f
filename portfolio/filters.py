"""The portfolio filters every page shares, and the SQL that selects the projects they match.

The SQL is put together from fixed fragments only; every value the user chose is bound as a
named parameter.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Filters:
    """What the user has narrowed the portfolio to. Empty means no narrowing."""

    funders: tuple[str, ...] = ()
    implementers: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    text: str = ""
    include_illustrative: bool = True
    # Set for viewers: internal projects are not theirs to see, whatever else they choose.
    public_only: bool = False
    # Off when descriptions (or beneficiary institutions) are withheld from the viewer, so a
    # search cannot probe them.
    search_descriptions: bool = True
    search_beneficiaries: bool = True

    def is_narrowed(self) -> bool:
        return self != Filters(
            include_illustrative=self.include_illustrative,
            public_only=self.public_only,
            search_descriptions=self.search_descriptions,
            search_beneficiaries=self.search_beneficiaries,
        )


ORG_IN_ROLE = (
    "p.project_id IN (SELECT project_id FROM project_orgs"
    " WHERE role = '{role}' AND list_contains(${name}, org_id))"
)
TEXT_MATCH = """(
    contains(lower(p.title), $text) OR contains(lower(p.project_id), $text)
    OR ($search_descriptions AND contains(lower(coalesce(p.description, '')), $text))
    OR contains(lower(coalesce(p.programme, '')), $text)
    OR p.project_id IN (
        SELECT po.project_id FROM project_orgs po JOIN organisations o USING (org_id)
        WHERE ($search_beneficiaries OR po.role <> 'beneficiary')
        AND (contains(lower(o.name), $text) OR contains(lower(coalesce(o.acronym, '')), $text))))"""


def project_filter(filters: Filters) -> tuple[str, dict]:
    """A WHERE condition over `projects p` and its parameters."""
    conditions, params = ["TRUE"], {}
    if filters.funders:
        conditions.append(ORG_IN_ROLE.format(role="funding", name="funders"))
        params["funders"] = list(filters.funders)
    if filters.implementers:
        conditions.append(ORG_IN_ROLE.format(role="implementing", name="implementers"))
        params["implementers"] = list(filters.implementers)
    if filters.countries:
        conditions.append(
            "p.project_id IN (SELECT project_id FROM project_countries"
            " WHERE list_contains($countries, country))"
        )
        params["countries"] = list(filters.countries)
    if filters.sectors:
        conditions.append(
            "p.project_id IN (SELECT project_id FROM project_sectors WHERE list_contains($sectors, sector))"
        )
        params["sectors"] = list(filters.sectors)
    if filters.statuses:
        conditions.append("list_contains($statuses, p.status)")
        params["statuses"] = list(filters.statuses)
    # A project runs in a year when its dates overlap it; a project without dates matches no year.
    if filters.year_from is not None:
        conditions.append("coalesce(p.end_date, p.start_date) >= make_date($year_from, 1, 1)")
        params["year_from"] = filters.year_from
    if filters.year_to is not None:
        conditions.append("coalesce(p.start_date, p.end_date) <= make_date($year_to, 12, 31)")
        params["year_to"] = filters.year_to
    if filters.text.strip():
        conditions.append(TEXT_MATCH)
        params["text"] = filters.text.strip().lower()
        params["search_descriptions"] = filters.search_descriptions
        params["search_beneficiaries"] = filters.search_beneficiaries
    if not filters.include_illustrative:
        conditions.append("NOT p.illustrative")
    if filters.public_only:
        conditions.append("p.visibility = 'public'")
    return " AND ".join(conditions), params
