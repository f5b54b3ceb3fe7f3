"""Who is in the demo: the support team of seed 001 and about 300 customer organizations.

The team is the example of seed 001: eight agents and a lead — L1 (5 agents), L2 (2),
L3 (1 agent, with an engineering rotation behind them). The lead (Sam Milner) and the backup
(Amanda Ortiz) own the weekly escalation review of seed 000.

Customers are split by tier so that they file 15 % / 45 % / 40 % of the tickets
(enterprise / business = "Mid-Market" / starter = "SMB", seed 001). A few organizations
escalate by habit; they say so in ``raw["demo_truth"]["habitual_escalator"]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from supportops.demo.calendar import instant as to_instant
from supportops.demo.calendar import local_epoch
from supportops.model import Agent, Group, Organization

SOURCE = "demo"
TIERS = ("enterprise", "business", "starter")
SEGMENTS = {"enterprise": "Enterprise", "business": "Mid-Market", "starter": "SMB"}
#: Share of tickets each customer tier files (seed 001: Enterprise 15 %, Mid-Market 45 %, SMB 40 %).
TICKET_SHARE = (0.15, 0.45, 0.40)
ORG_COUNTS = (30, 110, 160)  # about 300 organizations
MRR_MEDIAN = (16_000.0, 2_800.0, 350.0)
CONTACTS = ((4, 12), (2, 7), (1, 4))
CSMS = ("Rachel Adams", "Tom Becker", "Ines Moreau", "Kwame Mensah", "Laura Chen")

GROUPS = (
    Group(id="demo:support-l1", name="Support L1", tier="L1"),
    Group(id="demo:support-l2", name="Support L2", tier="L2"),
    Group(id="demo:support-l3", name="Support L3/Engineering", tier="L3"),
)
GROUP_OF_TIER = {g.tier: g.name for g in GROUPS}


@dataclass(frozen=True, slots=True)
class Member:
    key: str
    name: str
    tier: str | None
    skills: tuple[str, ...]
    role: str = "agent"
    #: Days before the first demo day they joined; negative = joined during the demo span,
    #: as a fraction of it (see :func:`team`).
    joined: float = 400

    @property
    def id(self) -> str:
        return f"{SOURCE}:{self.key}"


LEAD = Member("sam.milner", "Sam Milner", None, ("escalations", "billing", "reviews"), "lead", 1500)
MEMBERS = (
    LEAD,
    Member("amanda.ortiz", "Amanda Ortiz", "L1", ("login", "billing", "account_admin"), joined=900),
    Member("priya.raman", "Priya Raman", "L1", ("api", "integrations", "login"), joined=620),
    Member("luis.herrera", "Luis Herrera", "L1", ("billing", "reporting", "how_to"), joined=410),
    Member("hannah.kim", "Hannah Kim", "L1", ("notifications", "data_import", "login")),
    # Marcus joins a third of the way into the demo span: a new hire ramping up.
    Member("marcus.bell", "Marcus Bell", "L1", ("how_to", "account_admin"), joined=-0.3),
    Member(
        "chloe.dubois",
        "Chloe Dubois",
        "L2",
        ("api", "integrations", "notifications", "performance"),
        joined=1100,
    ),
    Member(
        "ethan.walsh",
        "Ethan Walsh",
        "L2",
        ("billing", "data_import", "reporting", "login", "account_admin"),
        joined=700,
    ),
    Member(
        "noah.fischer",
        "Noah Fischer",
        "L3",
        ("api", "performance", "data_import", "integrations"),
        joined=1300,
    ),
)


def start_date(member: Member, first: date, last: date) -> date:
    if member.joined >= 0:
        return first - timedelta(days=int(member.joined))
    return first + timedelta(days=int(-member.joined * (last - first).days))


def team(first: date, last: date) -> list[Agent]:
    """The nine :class:`Agent` records; everyone reports to the lead."""
    return [
        Agent(
            id=m.id,
            name=m.name,
            email=f"{m.key}@support.demo.example",
            tier=m.tier,
            team="Support" if m.tier != "L3" else "Support Engineering",
            skills=m.skills,
            manager_id=None if m.role == "lead" else LEAD.id,
            start_date=start_date(m, first, last),
            role=m.role,
        )
        for m in MEMBERS
    ]


ROOTS = (
    "Acorn",
    "Bluepeak",
    "Brightline",
    "Cedar",
    "Cobalt",
    "Copperleaf",
    "Crescent",
    "Driftwood",
    "Ember",
    "Evergreen",
    "Fairview",
    "Falcon",
    "Foxglove",
    "Granite",
    "Harbor",
    "Highland",
    "Ironwood",
    "Juniper",
    "Keystone",
    "Lakeside",
    "Lantern",
    "Maple",
    "Meridian",
    "Northwind",
    "Oakridge",
    "Orchid",
    "Pinnacle",
    "Quarry",
    "Redwood",
    "Riverbend",
    "Sable",
    "Silverline",
    "Summit",
    "Sunfield",
    "Tidewater",
    "Trillium",
    "Upland",
    "Vantage",
    "Willow",
    "Zephyr",
    "Aspen",
    "Beacon",
    "Clearwater",
    "Dovetail",
    "Greenfield",
    "Hollow Creek",
    "Kestrel",
    "Larkspur",
    "Mosaic",
    "Nimbus",
)
TRADES = (
    "Logistics",
    "Health",
    "Analytics",
    "Dental",
    "Foods",
    "Realty",
    "Media",
    "Robotics",
    "Outfitters",
    "Insurance",
    "Labs",
    "Legal",
    "Energy",
    "Freight",
    "Learning",
    "Clinics",
    "Software",
    "Capital",
    "Studios",
    "Hospitality",
    "Manufacturing",
    "Biotech",
    "Apparel",
    "Travel",
    "Security",
    "Retail",
    "Pharma",
    "Architects",
    "Payments",
    "Marine",
)
SUFFIX = {
    "enterprise": ("Group", "Holdings", "Inc.", "Corporation"),
    "business": ("Inc.", "Co.", "", "", "LLC"),
    "starter": ("", "", "", "Co.", "LLC"),
}
FIRST = (
    "Alex",
    "Jamie",
    "Morgan",
    "Taylor",
    "Jordan",
    "Casey",
    "Riley",
    "Avery",
    "Quinn",
    "Drew",
    "Maria",
    "David",
    "Sarah",
    "Michael",
    "Emily",
    "Daniel",
    "Olivia",
    "James",
    "Sofia",
    "Liam",
    "Aisha",
    "Kenji",
    "Mateo",
    "Fatima",
    "Lucas",
    "Chen",
    "Elena",
    "Omar",
    "Grace",
    "Tomasz",
    "Nadia",
    "Ravi",
    "Hana",
    "Diego",
    "Ingrid",
    "Kofi",
    "Mei",
    "Pierre",
    "Zoe",
    "Andre",
)
LAST = (
    "Smith",
    "Garcia",
    "Nguyen",
    "Patel",
    "Johnson",
    "Brown",
    "Martinez",
    "Lee",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "Lopez",
    "Hill",
    "Scott",
    "Green",
    "Baker",
    "Nelson",
    "Carter",
    "Mitchell",
    "Perez",
    "Roberts",
    "Turner",
    "Phillips",
    "Campbell",
    "Parker",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Morris",
    "Rogers",
    "Reed",
    "Cook",
    "Morgan",
    "Murphy",
    "Bailey",
    "Rivera",
    "Cooper",
)


@dataclass(slots=True)
class Customers:
    """The organizations plus what the generator needs to sample tickets from them."""

    records: list[Organization]
    tier: np.ndarray  # tier index per organization
    activity: np.ndarray  # relative ticket rate within its tier
    habit: np.ndarray  # 1, or how many times the baseline rate a habitual escalator escalates
    contacts: list[list[tuple[str, str]]]  # (name, email) per organization
    names: list[str]


def customers(rng: np.random.Generator, first: date) -> Customers:
    n = sum(ORG_COUNTS)
    combos = rng.choice(len(ROOTS) * len(TRADES), size=n, replace=False)
    tier = np.repeat(np.arange(len(TIERS)), ORG_COUNTS)
    activity = rng.lognormal(0.0, 0.7, size=n)
    habit = np.ones(n)
    # Habitual escalators: two enterprise and one or two business accounts, all busy ones.
    n_business = int(rng.integers(1, 3))
    for t, k in ((0, 2), (1, n_business)):
        idx = np.flatnonzero(tier == t)
        busy = idx[activity[idx] >= np.quantile(activity[idx], 0.6)]
        chosen = rng.choice(busy, size=k, replace=False)
        habit[chosen] = rng.uniform(5.0, 8.0, size=k)
        activity[chosen] = np.maximum(activity[chosen], np.quantile(activity[idx], 0.85))
    records: list[Organization] = []
    contacts: list[list[tuple[str, str]]] = []
    names: list[str] = []
    for i in range(n):
        root, trade = ROOTS[combos[i] // len(TRADES)], TRADES[combos[i] % len(TRADES)]
        tname = TIERS[tier[i]]
        suffix = SUFFIX[tname][int(rng.integers(len(SUFFIX[tname])))]
        name = f"{root} {trade} {suffix}".strip()
        slug = f"{root} {trade}".lower().replace(" ", "-")
        domain = f"{slug}.example"
        lo, hi = CONTACTS[tier[i]]
        people = []
        for _ in range(int(rng.integers(lo, hi + 1))):
            fn, ln = FIRST[int(rng.integers(len(FIRST)))], LAST[int(rng.integers(len(LAST)))]
            people.append((f"{fn} {ln}", f"{fn.lower()}.{ln.lower()}@{domain}"))
        contacts.append(people)
        names.append(name)
        mrr = MRR_MEDIAN[tier[i]] * float(rng.lognormal(0.0, 0.45))
        since = first - timedelta(days=int(rng.integers(60, 2200)))
        records.append(
            Organization(
                id=f"{SOURCE}:{slug}",
                name=name,
                tier=tname,
                segment=SEGMENTS[tname],
                mrr=round(mrr, -1 if tier[i] else -2),
                csm=CSMS[int(rng.integers(len(CSMS)))] if tname != "starter" else None,
                created_at=to_instant(local_epoch(since, 9)),
                raw={
                    "domain": domain,
                    "plan": {
                        "enterprise": "Enterprise",
                        "business": "Business",
                        "starter": "Starter",
                    }[tname],
                    "demo_truth": {"habitual_escalator": bool(habit[i] > 1.0)},
                },
            )
        )
    return Customers(records, tier, activity, habit, contacts, names)


def groups() -> list[Group]:
    return list(GROUPS)
