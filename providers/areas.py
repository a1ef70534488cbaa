"""Where a virtual, mobile or telehealth service is available.

An HSDS service_area names its shape by ``uri`` when the shape ships with the
project (the nation, a set of states, a circle) and carries a GeoJSON
``extent`` for any other polygon. Either way it becomes a shapely geometry.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

from shapely import prepared
from shapely.geometry import Point, shape

from providers import geo

URI_PREFIX = "urn:treatment-navigator:area:"


class BadArea(ValueError):
    pass


@dataclass(frozen=True)
class Area:
    kind: str  # nationwide | states | radius | polygon
    states: tuple[str, ...] = ()
    center: tuple[float, float] | None = None
    radius_miles: float | None = None
    extent: str | None = None  # GeoJSON geometry, for polygons

    @classmethod
    def nationwide(cls) -> Area:
        return cls("nationwide")

    @classmethod
    def of_states(cls, *codes: str) -> Area:
        codes = tuple(sorted({c.strip().upper() for c in codes}))
        unknown = [c for c in codes if c not in geo.STATES]
        if not codes or unknown:
            raise BadArea(f"unknown state codes {unknown or codes!r}")
        return cls("states", states=codes)

    @classmethod
    def circle(cls, lat: float, lng: float, radius_miles: float) -> Area:
        if radius_miles <= 0:
            raise BadArea("a radius must be positive")
        return cls("radius", center=(lat, lng), radius_miles=radius_miles)

    @classmethod
    def polygon(cls, geojson: str | dict) -> Area:
        text = geojson if isinstance(geojson, str) else json.dumps(geojson)
        try:
            geometry = shape(json.loads(text))
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            raise BadArea(f"not a GeoJSON geometry: {e}") from None
        if geometry.geom_type not in ("Polygon", "MultiPolygon") or not geometry.is_valid:
            raise BadArea("a service area polygon must be a valid Polygon or MultiPolygon")
        return cls("polygon", extent=text)

    @classmethod
    def from_hsds(cls, uri: str | None, extent: str | None) -> Area:
        if uri and uri.startswith(URI_PREFIX):
            kind, _, rest = uri[len(URI_PREFIX):].partition(":")
            if kind == "us":
                return cls.nationwide()
            if kind == "states":
                return cls.of_states(*rest.split(","))
            if kind == "radius":
                try:
                    lat, lng, miles = (float(x) for x in rest.split(","))
                except ValueError:
                    raise BadArea(f"bad radius area {uri!r}") from None
                return cls.circle(lat, lng, miles)
        if extent:
            return cls.polygon(extent)
        raise BadArea(f"a service area needs a known uri or an extent (got uri={uri!r})")

    @property
    def uri(self) -> str | None:
        if self.kind == "nationwide":
            return URI_PREFIX + "us"
        if self.kind == "states":
            return URI_PREFIX + "states:" + ",".join(self.states)
        if self.kind == "radius":
            lat, lng, miles = self._circle()
            return f"{URI_PREFIX}radius:{lat:.6f},{lng:.6f},{miles:g}"
        return None

    @property
    def name(self) -> str:
        if self.kind == "nationwide":
            return "United States"
        if self.kind == "states":
            return ", ".join(geo.STATES[c].name for c in self.states)
        if self.kind == "radius":
            return f"within {self.radius_miles:g} miles"
        return "service area"

    @cached_property
    def geometry(self):
        if self.kind == "nationwide":
            return geo.nation_shape()
        if self.kind == "states":
            return geo.states_shape(self.states)
        if self.kind == "radius":
            # Degrees are not miles: this shape is for drawing; contains() measures geodesically.
            lat, lng, miles = self._circle()
            return Point(lng, lat).buffer(miles / 69.0)
        if self.extent is None:
            raise BadArea("a polygon area needs an extent")
        return shape(json.loads(self.extent))

    @cached_property
    def _prepared(self):
        return prepared.prep(self.geometry)

    def _circle(self) -> tuple[float, float, float]:
        """(latitude, longitude, miles) of a radius area."""
        if self.center is None or self.radius_miles is None:
            raise BadArea("a radius area needs a center and a radius")
        return self.center[0], self.center[1], self.radius_miles

    def contains(self, lat: float, lng: float, state: str | None = None) -> bool:
        """`state`: the point's state when the caller already knows it (geo.state_at)."""
        if self.kind == "radius":
            center_lat, center_lng, miles = self._circle()
            return geo.geodesic_miles(lat, lng, center_lat, center_lng) <= miles
        if self.kind in ("nationwide", "states"):
            state = state or geo.state_at(lat, lng)
            return state is not None and (self.kind == "nationwide" or state in self.states)
        return self._prepared.contains(Point(lng, lat))
