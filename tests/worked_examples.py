"""SPEC's worked examples of usage counting (§5), shared by the tests of the rules, the
fast engine and the evidence: each one written once, with the builders that spell them.

The rules test holds `usage.rules` to these figures; `tests/usage/test_engine_core.py`
and `tests/usage/test_evidence.py` run the same sessions through the engine and the
evidence, so the three can never drift apart.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from usage.rules import AgentSession, AgentsUsed, IvrSession


def at(moment: str) -> datetime:
    """'2024-06-10 09:15:30' in UTC."""
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


def agent(agent_id: str, login: str, logout: str, *, premium: bool = False) -> AgentSession:
    return AgentSession(
        agent_id=agent_id, premium=premium, login_at=at(login), logout_at=at(logout)
    )


def ivr(start: str, end: str) -> IvrSession:
    return IvrSession(started_at=at(start), ended_at=at(end))


# --- named agents (cycle from 2024-06-09) -------------------------------------------

NAMED_SESSIONS = [
    agent("ann", "2024-06-09 08:00", "2024-06-09 12:00"),
    agent("ann", "2024-06-11 08:00", "2024-06-11 12:00", premium=True),
    agent("bob", "2024-06-08 22:00", "2024-06-09 01:00"),  # across the cycle start
    agent("cat", "2024-06-08 20:00", "2024-06-09 00:00", premium=True),  # ends at it
    agent("dan", "2024-06-10 10:00", "2024-06-10 10:00", premium=True),  # zero length
    agent("eve", "2024-06-10 23:59:59", "2024-06-11 00:00:00"),
]


NAMED_CYCLE_START = date(2024, 6, 9)
NAMED_EXAMPLES = [
    (date(2024, 6, 9), AgentsUsed(standard=2, premium=0)),  # ann, bob
    (date(2024, 6, 10), AgentsUsed(standard=3, premium=0)),  # + eve
    # ann turned premium: counted once, as premium only.
    (date(2024, 6, 11), AgentsUsed(standard=2, premium=1)),
]


# --- concurrent agents ----------------------------------------------------------------

# (sessions, usage on 2024-06-10); test_engine_core runs these through the engine too.
CONCURRENT_EXAMPLES: list[tuple[list[AgentSession], tuple[int, int]]] = [
    # Present 09:00, 09:15, 09:30, 09:45 -> counted at 09:45.
    ([agent("a", "2024-06-10 09:00", "2024-06-10 10:00")], (1, 0)),
    # Three periods are not enough.
    ([agent("a", "2024-06-10 09:00", "2024-06-10 09:45")], (0, 0)),
    # 59 s of the fourth period: not present; 60 s: present.
    ([agent("a", "2024-06-10 09:00", "2024-06-10 09:45:59")], (0, 0)),
    ([agent("a", "2024-06-10 09:00", "2024-06-10 09:46:00")], (1, 0)),
    # 60 s at the end of the first period is enough too.
    ([agent("a", "2024-06-10 09:14", "2024-06-10 09:46")], (1, 0)),
    ([agent("a", "2024-06-10 09:14:01", "2024-06-10 09:46")], (0, 0)),
    # Overlapping sessions of one agent are one login.
    (
        [
            agent("a", "2024-06-10 09:00", "2024-06-10 10:00"),
            agent("a", "2024-06-10 09:10", "2024-06-10 10:30"),
        ],
        (1, 0),
    ),
    # Two 30 s logins in one period add up to presence.
    (
        [
            agent("a", "2024-06-10 09:00", "2024-06-10 09:45"),
            agent("a", "2024-06-10 09:50:00", "2024-06-10 09:50:30"),
            agent("a", "2024-06-10 09:55:00", "2024-06-10 09:55:30"),
        ],
        (1, 0),
    ),
    # Premium if any session in the four periods is premium, even a short one.
    (
        [
            agent("a", "2024-06-10 09:00", "2024-06-10 10:00"),
            agent("a", "2024-06-10 09:20", "2024-06-10 09:20:10", premium=True),
        ],
        (0, 1),
    ),
    # ... but a premium session before p-3 does not make it premium at p.
    (
        [
            agent("a", "2024-06-10 08:00", "2024-06-10 09:00", premium=True),
            agent("a", "2024-06-10 09:00", "2024-06-10 11:00"),
        ],
        (1, 1),
    ),
    # Two agents at once; standard and premium maxima are taken separately.
    (
        [
            agent("a", "2024-06-10 09:00", "2024-06-10 10:00"),
            agent("b", "2024-06-10 09:00", "2024-06-10 10:00"),
            agent("c", "2024-06-10 14:00", "2024-06-10 15:00", premium=True),
        ],
        (2, 1),
    ),
    # Logged in from the evening before: p-3..p-1 of 00:00 lie in the previous day.
    ([agent("a", "2024-06-09 23:15", "2024-06-10 00:15")], (1, 0)),
    # Periods are counted on the day they start: 23:45 belongs to June 10.
    ([agent("a", "2024-06-10 23:00", "2024-06-11 00:00")], (1, 0)),
    ([agent("a", "2024-06-10 23:15", "2024-06-11 00:15")], (0, 0)),
    # A separate login alone in the fourth period needs its own 60 s.
    (
        [
            agent("a", "2024-06-10 09:00", "2024-06-10 09:45"),
            agent("a", "2024-06-10 09:50:00", "2024-06-10 09:50:59"),
        ],
        (0, 0),
    ),
    (
        [
            agent("a", "2024-06-10 09:00", "2024-06-10 09:45"),
            agent("a", "2024-06-10 09:50:00", "2024-06-10 09:51:00", premium=True),
        ],
        (0, 1),
    ),
]


# --- IVR ports ------------------------------------------------------------------------

# (sessions, usage on 2024-06-10); test_engine_core runs these through the engine too.
IVR_EXAMPLES: list[tuple[list[IvrSession], int]] = [
    ([], 0),
    ([ivr("2024-06-10 10:00:00", "2024-06-10 10:01:00")], 1),
    # Two short sessions in one minute occupy two ports even without overlapping.
    (
        [
            ivr("2024-06-10 10:00:30", "2024-06-10 10:00:40"),
            ivr("2024-06-10 10:00:50", "2024-06-10 10:01:10"),
        ],
        2,
    ),
    # [start, end): ending exactly on a minute does not touch the next one.
    (
        [
            ivr("2024-06-10 10:00:59", "2024-06-10 10:01:00"),
            ivr("2024-06-10 10:01:00", "2024-06-10 10:02:00"),
        ],
        1,
    ),
    ([ivr("2024-06-10 10:00:30", "2024-06-10 10:00:30")], 0),  # zero length
    # Only minutes of this day count.
    (
        [
            ivr("2024-06-09 23:59:00", "2024-06-10 00:00:00"),
            ivr("2024-06-09 23:59:30", "2024-06-10 00:00:00"),
            ivr("2024-06-09 23:59:30", "2024-06-10 00:00:01"),
        ],
        1,
    ),
    ([ivr("2024-06-10 23:59:30", "2024-06-11 00:30:00")] * 3, 3),  # duplicates count
]
