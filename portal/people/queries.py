"""Reading peer supporters and volunteers. The service page shows staff counts by kind and training
status, never names (they are often people in recovery); names are for the organisation that
manages them (listings) and administrators."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import ngettext
from sqlalchemy import func, select

from ..extensions import db
from .models import PEOPLE_KINDS, TRAINING_STATUSES, PeerSupporter, peer_supporter_service


@dataclass(frozen=True)
class PeopleCount:
    kind: str
    training_status: str
    count: int

    @property
    def text(self) -> str:
        """"2 trained peer supporters", "1 volunteer in training" …"""
        return _COUNT_TEXT[(self.kind, self.training_status)](self.count)


_COUNT_TEXT = {
    ("peer_supporter", "trained"): lambda n: ngettext("%(num)d trained peer supporter",
                                                      "%(num)d trained peer supporters", n),
    ("peer_supporter", "in_training"): lambda n: ngettext("%(num)d peer supporter in training",
                                                          "%(num)d peer supporters in training", n),
    ("peer_supporter", "not_trained"): lambda n: ngettext("%(num)d peer supporter not trained yet",
                                                          "%(num)d peer supporters not trained yet", n),
    ("volunteer", "trained"): lambda n: ngettext("%(num)d trained volunteer", "%(num)d trained volunteers", n),
    ("volunteer", "in_training"): lambda n: ngettext("%(num)d volunteer in training",
                                                     "%(num)d volunteers in training", n),
    ("volunteer", "not_trained"): lambda n: ngettext("%(num)d volunteer not trained yet",
                                                     "%(num)d volunteers not trained yet", n),
}


def counts_for_service(service_id: str) -> list[PeopleCount]:
    """Peer supporters and volunteers working in one service, by kind and training status (kinds and
    statuses in their fixed order; only non-zero counts)."""
    rows = db.session.execute(
        select(PeerSupporter.kind, PeerSupporter.training_status, func.count(PeerSupporter.id))
        .join(peer_supporter_service, peer_supporter_service.c.peer_supporter_id == PeerSupporter.id)
        .where(peer_supporter_service.c.service_id == service_id)
        .group_by(PeerSupporter.kind, PeerSupporter.training_status))
    found = {(kind, status): count for kind, status, count in rows}
    return [PeopleCount(kind, status, found[(kind, status)])
            for kind in PEOPLE_KINDS for status in reversed(TRAINING_STATUSES) if found.get((kind, status))]


def people_of(organization_id: str) -> list[PeerSupporter]:
    return list(db.session.scalars(select(PeerSupporter).where(PeerSupporter.organization_id == organization_id)
                                   .order_by(PeerSupporter.kind, PeerSupporter.display_name, PeerSupporter.id)))
