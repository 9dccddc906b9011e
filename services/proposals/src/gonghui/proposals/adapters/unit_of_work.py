"""The proposals unit of work."""

from sqlalchemy.ext.asyncio import AsyncSession

from gonghui.proposals.adapters.participation import (
    DiscussionRepository,
    DutyRepository,
    KeyContactRepository,
    RatingRepository,
)
from gonghui.proposals.adapters.photos import PhotoRepository
from gonghui.proposals.adapters.problems import OutcomeRatingRepository, ProblemRepository
from gonghui.proposals.adapters.repositories import (
    CaseRepository,
    DeadlineRepository,
    RoutingRepository,
)
from gonghui.proposals.adapters.stats import StatsQueries
from gonghui.shared.envelope import CloudEvent
from gonghui.shared.uow import UnitOfWork


class ProposalsUnitOfWork(UnitOfWork):
    """Cases and everything around them, committed together with outgoing events."""

    proposals: CaseRepository
    deadlines: DeadlineRepository
    routing: RoutingRepository
    discussions: DiscussionRepository
    ratings: RatingRepository
    key_contacts: KeyContactRepository
    duty: DutyRepository
    photos: PhotoRepository
    problems: ProblemRepository
    outcome_ratings: OutcomeRatingRepository

    def open_repositories(self, session: AsyncSession) -> None:
        """Attach the repositories to the new session."""
        self.proposals = CaseRepository(session)
        self.deadlines = DeadlineRepository(session)
        self.routing = RoutingRepository(session)
        self.discussions = DiscussionRepository(session)
        self.ratings = RatingRepository(session)
        self.key_contacts = KeyContactRepository(session)
        self.duty = DutyRepository(session)
        self.photos = PhotoRepository(session)
        self.problems = ProblemRepository(session)
        self.outcome_ratings = OutcomeRatingRepository(session)

    def stats(self, *, area_prefix: str | None) -> StatsQueries:
        """The statistics queries, limited to an area (None: everywhere)."""
        return StatsQueries(self.session, area_prefix=area_prefix)

    def audit_disclosure(
        self, envelope: CloudEvent, *, recipient: str, fields: list[str], stream: str
    ) -> None:
        """A work item carrying a number in full to its unit goes into the personal-data audit."""
        self.key_contacts.audit_read(
            envelope.subject or envelope.id,
            reader=recipient,
            role="named_recipient",
            at=self.clock.now(),
            purpose=f"{envelope.type} {envelope.id}: {','.join(fields)} unmasked on {stream}"[:200],
        )
