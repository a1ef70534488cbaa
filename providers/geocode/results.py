"""What the geocoder answers: a place with its precision, or a reason and the
candidates, and where in a message a place was named."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PRECISIONS = ("exact", "zip", "city", "county", "state")  # most precise first
REASONS = frozenset({"empty", "not_found", "ambiguous", "outside_us", "unknown_zip"})
MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    precision: str  # "exact" | "zip" | "city" | "county" | "state"
    display_name: str  # plain text, e.g. "Philadelphia, PA 19134", "Springfield, MO", "Nevada"
    state: str | None  # USPS code
    county: str | None = None  # e.g. "Philadelphia County"
    postal_code: str | None = None  # five digits, as text


@dataclass(frozen=True)
class GeocodeResult:
    place: Place | None
    # For "ambiguous": the choices, most populous first. For "outside_us" on a
    # name like "Toronto": the US namesakes, in case one was meant.
    candidates: tuple[Place, ...] = ()
    reason: str | None = None  # None when place is set, else one of REASONS

    @property
    def ok(self) -> bool:
        return self.place is not None


@dataclass(frozen=True)
class PlaceMention:
    start: int
    end: int
    text: str
    result: GeocodeResult


def found(place: Place) -> GeocodeResult:
    return GeocodeResult(place=place)


def failed(reason: str, candidates: Sequence[Place] = ()) -> GeocodeResult:
    return GeocodeResult(place=None, candidates=tuple(candidates)[:MAX_CANDIDATES], reason=reason)
