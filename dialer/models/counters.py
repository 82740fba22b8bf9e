"""A campaign's running totals, kept by the domain in the transactions that change them (M5).

The dashboard reads these few rows instead of counting millions of leads and calls. They
are written only by :mod:`dialer.domain.reports.counters` and rebuilt from the rows by
``flask campaigns recount``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dialer.extensions import db
from dialer.models.base import UTCDateTime


class CampaignCounter(db.Model):
    """One named total of a campaign: leads by status, dialled, attempts, outcomes, surveys."""

    __tablename__ = "campaign_counters"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class CampaignCallHour(db.Model):
    """How many calls of a campaign were placed in one hour (UTC, on the hour)."""

    __tablename__ = "campaign_call_hours"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    calls: Mapped[int] = mapped_column(default=0)
