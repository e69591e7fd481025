"""Imports every model module, so that metadata and Alembic see the whole schema."""
from .accounts.models import ApiToken, LoginThrottle, User, UserRole  # noqa: F401
from .audit.models import AuditEvent  # noqa: F401
from .directory.models import (  # noqa: F401
    Area,
    Attribute,
    Contact,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    SharedResourceList,
    Taxonomy,
    TaxonomyTerm,
)
from .notifications.models import MailMessage, Notification  # noqa: F401
from .search.models import IndexOutbox  # noqa: F401
from .matching.models import StoredProfile, UnmetNeed  # noqa: F401
from .referrals.models import Client, Consent, FollowUp, Referral, ReferralEvent, ReferralNeed  # noqa: F401
from .listings.models import ProblemReport  # noqa: F401
from .crosswalk.models import CrosswalkMapping, CrosswalkRejection  # noqa: F401
from .cases.models import CaseCondition, CasePlanEntry, CaseRecord  # noqa: F401
from .people.models import PeerSupporter  # noqa: F401
from .transfer.models import ReferralCriterion, TransferCriterion  # noqa: F401
