"""Between picker records and the draft's display snapshots (`PatientChoice`, `SiteChoice`):
the draft keeps what the form showed, so a restored draft shows the same card offline."""

from __future__ import annotations

from impilo_desktop.domain import PatientChoice, SiteChoice
from impilo_desktop.ui.order_entry.records import PatientRecord, SiteRecord


def patient_choice(record: PatientRecord) -> PatientChoice:
    return PatientChoice(
        id=record.id,
        first_name=record.first_name,
        last_name=record.last_name,
        date_of_birth=record.date_of_birth or None,
        external_identifier=record.external_identifier or None,
        email=record.email or None,
        site_id=record.site_id,
        site_name=record.site_name or None,
        archived=record.archived,
    )


def patient_record(choice: PatientChoice) -> PatientRecord:
    return PatientRecord(
        id=choice.id or 0,
        first_name=choice.first_name,
        last_name=choice.last_name,
        date_of_birth=choice.date_of_birth or "",
        external_identifier=choice.external_identifier or "",
        email=choice.email or "",
        site_id=choice.site_id,
        site_name=choice.site_name or "",
        city="",
        archived=choice.archived is True,
    )


def site_choice(record: SiteRecord) -> SiteChoice:
    return SiteChoice(
        id=record.id,
        name=record.name,
        city=record.city or None,
        state=record.state or None,
        active=record.active,
    )


def site_record(choice: SiteChoice) -> SiteRecord:
    return SiteRecord(
        id=choice.id or 0,
        name=choice.display_name,
        city=choice.city or "",
        state=choice.state or "",
        active=choice.active is not False,
    )
