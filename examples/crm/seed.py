"""The sample data: CRM users matching agentbar's demo agents, and 50 contacts.

The contacts' numbers are written the way people type them — national, dotted, spaced, E.164 —
so a screen pop (always E.164) finds them only through normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SeedUser:
    user_id: str
    name: str
    password: str
    extension_name: str
    extension_phone: str


@dataclass(frozen=True)
class SeedContact:
    name: str
    company: str
    email: str
    phone: str
    """As written in the record, in one of several formats."""
    status: str
    """`lead` (not a customer yet: the outbound list) or `customer`."""


# Demo only: password = user id, as agentbar's own demo agents.
USERS = [
    SeedUser(f"agent{n}", f"Agent {n}", f"agent{n}", f"SIP 100{n}", f"100{n}") for n in range(1, 6)
]

_FIRST = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances", "Dennis",
    "Radia", "Niklaus", "Hedy", "John", "Katherine", "Tim", "Shafi", "Leslie", "Sophie", "Linus",
    "Adele", "Bjarne", "Anita", "Guido", "Jean",
]  # fmt: skip
_LAST = [
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson",
    "Allen", "Ritchie", "Perlman", "Wirth", "Lamarr", "Backus", "Johnson", "Berners-Lee",
    "Goldwasser", "Lamport", "Wilson", "Torvalds", "Goldberg", "Stroustrup", "Borg", "van Rossum",
    "Sammet",
]  # fmt: skip
_COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella Ltd", "Hooli", "Vandelay Imports"]
_AREAS = ["408", "415", "650", "212", "310"]


def _written(index: int) -> str:
    """The index-th contact's number, in one of five formats people use."""
    area, line = _AREAS[index % len(_AREAS)], f"{100 + index:04d}"
    formats = [
        f"({area}) 555-{line}",
        f"{area}.555.{line}",
        f"+1 {area} 555 {line}",
        f"+1{area}555{line}",
        f"1-{area}-555-{line}",
    ]
    return formats[(index // len(_AREAS)) % len(formats)]


def _contact(index: int) -> SeedContact:
    first = _FIRST[index % len(_FIRST)]
    last = _LAST[(index * 7 + index // len(_FIRST)) % len(_LAST)]
    company = _COMPANIES[index % len(_COMPANIES)]
    domain = company.split()[0].lower()
    return SeedContact(
        name=f"{first} {last}",
        company=company,
        email=f"{first.lower()}.{last.lower().replace(' ', '')}@{domain}.example",
        phone=_written(index),
        status="lead" if index % 3 == 0 else "customer",
    )


CONTACTS = [_contact(index) for index in range(50)]
