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
