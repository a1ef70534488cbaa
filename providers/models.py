"""The registry's tables: Open Referral HSDS 3.0, one table per HSDS object.

Column names are HSDS field names, so an HSDS export is a read of these rows.
Provenance lives where HSDS puts it: ``service.assured_date`` is the date the
listing was last checked, and a ``metadata`` row per service names its source
(``updated_by``: the source's label, ``replacement_value``: its file or feed).

``listing`` and ``listing_term`` are not HSDS: they are a search index derived
from the HSDS rows on every import (see providers.index), rebuilt, never edited.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import declarative_base, relationship

# SQLAlchemy 1.4 ships no type information (its mypy plugin needs sqlalchemy2-stubs): the base is Any to mypy.
Base: Any = declarative_base()

ID = String(36)


class Organization(Base):
    __tablename__ = "organization"
    id = Column(ID, primary_key=True)
    name = Column(Text, nullable=False)
    alternate_name = Column(Text)
    description = Column(Text, nullable=False, default="")
    email = Column(Text)
    website = Column(Text)

    services = relationship("Service", back_populates="organization", cascade="all, delete-orphan")
    locations = relationship("Location", back_populates="organization", cascade="all, delete-orphan")


class Service(Base):
    __tablename__ = "service"
    id = Column(ID, primary_key=True)
    organization_id = Column(ID, ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    name = Column(Text, nullable=False)
    alternate_name = Column(Text)
    description = Column(Text)
    url = Column(Text)
    email = Column(Text)
    status = Column(String(20), nullable=False, default="active")
    interpretation_services = Column(Text)
    application_process = Column(Text)
    fees_description = Column(Text)
    eligibility_description = Column(Text)
    assured_date = Column(String(10))  # ISO date the listing was last checked
    last_modified = Column(String(32))

    organization = relationship("Organization", back_populates="services")
    service_at_locations = relationship("ServiceAtLocation", back_populates="service", cascade="all, delete-orphan")
    phones = relationship("Phone", back_populates="service", cascade="all, delete-orphan")
    schedules = relationship("Schedule", back_populates="service", cascade="all, delete-orphan")
    service_areas = relationship("ServiceArea", back_populates="service", cascade="all, delete-orphan")


class Location(Base):
    __tablename__ = "location"
    id = Column(ID, primary_key=True)
    organization_id = Column(ID, ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    location_type = Column(String(10), nullable=False)  # physical | postal | virtual
    url = Column(Text)
    name = Column(Text)
    alternate_name = Column(Text)
    description = Column(Text)
    transportation = Column(Text)
    latitude = Column(Float)
    longitude = Column(Float)
    external_identifier = Column(Text)
    external_identifier_type = Column(Text)

    organization = relationship("Organization", back_populates="locations")
    addresses = relationship("Address", back_populates="location", cascade="all, delete-orphan")
    service_at_locations = relationship("ServiceAtLocation", back_populates="location", cascade="all, delete-orphan")

    __table_args__ = (Index("ix_location_lat_lng", "latitude", "longitude"),)


class Address(Base):
    __tablename__ = "address"
    id = Column(ID, primary_key=True)
    location_id = Column(ID, ForeignKey("location.id", ondelete="CASCADE"), index=True)
    attention = Column(Text)
    address_1 = Column(Text, nullable=False)
    address_2 = Column(Text)
    city = Column(Text, nullable=False)
    region = Column(Text)  # we keep the county here
    state_province = Column(String(2), nullable=False)
    postal_code = Column(String(10), nullable=False)  # text: 02134 keeps its zero
    country = Column(String(2), nullable=False, default="US")
    address_type = Column(String(10), nullable=False, default="physical")

    location = relationship("Location", back_populates="addresses")


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"
    id = Column(ID, primary_key=True)
    service_id = Column(ID, ForeignKey("service.id", ondelete="CASCADE"), index=True, nullable=False)
    location_id = Column(ID, ForeignKey("location.id", ondelete="CASCADE"), index=True, nullable=False)
    description = Column(Text)

    service = relationship("Service", back_populates="service_at_locations")
    location = relationship("Location", back_populates="service_at_locations")


class Phone(Base):
    __tablename__ = "phone"
    id = Column(ID, primary_key=True)
    location_id = Column(ID, ForeignKey("location.id", ondelete="CASCADE"), index=True)
    service_id = Column(ID, ForeignKey("service.id", ondelete="CASCADE"), index=True)
    organization_id = Column(ID, ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    service_at_location_id = Column(ID, ForeignKey("service_at_location.id", ondelete="CASCADE"))
    number = Column(String(40), nullable=False)
    extension = Column(String(10))
    type = Column(String(10))  # RFC 6350: voice, text (SMS), fax, ...
    description = Column(Text)

    service = relationship("Service", back_populates="phones")


class Schedule(Base):
    __tablename__ = "schedule"
    id = Column(ID, primary_key=True)
    service_id = Column(ID, ForeignKey("service.id", ondelete="CASCADE"), index=True)
    location_id = Column(ID, ForeignKey("location.id", ondelete="CASCADE"), index=True)
    service_at_location_id = Column(ID, ForeignKey("service_at_location.id", ondelete="CASCADE"))
    valid_from = Column(String(10))
    valid_to = Column(String(10))
    dtstart = Column(String(10))
    timezone = Column(Float)
    until = Column(String(10))
    count = Column(Integer)
    wkst = Column(String(2))
    freq = Column(String(10))
    interval = Column(Integer)
    byday = Column(String(40))
    byweekno = Column(String(40))
    bymonthday = Column(String(40))
    byyearday = Column(String(40))
    description = Column(Text)
    opens_at = Column(String(12))
    closes_at = Column(String(12))
    schedule_link = Column(Text)
    attending_type = Column(Text)
    notes = Column(Text)

    service = relationship("Service", back_populates="schedules")


class ServiceArea(Base):
    __tablename__ = "service_area"
    id = Column(ID, primary_key=True)
    service_id = Column(ID, ForeignKey("service.id", ondelete="CASCADE"), index=True)
    service_at_location_id = Column(ID, ForeignKey("service_at_location.id", ondelete="CASCADE"))
    name = Column(Text)
    description = Column(Text)
    extent = Column(Text)  # GeoJSON geometry, see providers.areas
    extent_type = Column(String(10))
    uri = Column(Text)  # urn:treatment-navigator:area:... names a shipped shape

    service = relationship("Service", back_populates="service_areas")


class Taxonomy(Base):
    __tablename__ = "taxonomy"
    id = Column(ID, primary_key=True)
    name = Column(Text, nullable=False)
    description = Column(Text, nullable=False, default="")
    uri = Column(Text)
    version = Column(Text)


class TaxonomyTerm(Base):
    __tablename__ = "taxonomy_term"
    id = Column(ID, primary_key=True)
    code = Column(String(80), nullable=False, unique=True)  # the vocabulary's facet:code
    name = Column(Text, nullable=False)
    description = Column(Text, nullable=False, default="")
    parent_id = Column(ID, ForeignKey("taxonomy_term.id"))
    taxonomy = Column(Text)
    taxonomy_id = Column(ID, ForeignKey("taxonomy.id"))
    language = Column(String(8))
    term_uri = Column(Text)


class Attribute(Base):
    __tablename__ = "attribute"
    id = Column(ID, primary_key=True)
    link_id = Column(ID, nullable=False, index=True)
    taxonomy_term_id = Column(ID, ForeignKey("taxonomy_term.id"), nullable=False)
    link_type = Column(String(40))
    link_entity = Column(String(40), nullable=False)  # service, location, ...
    value = Column(Text)
    label = Column(Text)

    taxonomy_term = relationship("TaxonomyTerm")


class Metadata(Base):
    __tablename__ = "metadata"
    id = Column(ID, primary_key=True)
    resource_id = Column(ID, nullable=False, index=True)
    resource_type = Column(String(40), nullable=False)
    last_action_date = Column(String(10), nullable=False)
    last_action_type = Column(String(40), nullable=False)
    field_name = Column(Text, nullable=False, default="")
    previous_value = Column(Text, nullable=False, default="")
    replacement_value = Column(Text, nullable=False, default="")
    updated_by = Column(Text, nullable=False, default="")


class Listing(Base):
    """Search index: one row per service at a location, or per virtual service."""

    __tablename__ = "listing"
    id = Column(ID, primary_key=True)  # service_at_location.id, or service.id when virtual
    kind = Column(String(10), nullable=False)  # physical | virtual
    latitude = Column(Float)
    longitude = Column(Float)
    terms = Column(Text, nullable=False)  # space-separated term ids, with their broader terms
    card = Column(Text, nullable=False)  # JSON: what a message shows (see providers.index)


class ListingTerm(Base):
    """One row per (term, physical listing): the bounding-box index of a search."""

    __tablename__ = "listing_term"
    term = Column(String(80), primary_key=True)
    latitude = Column(Float, primary_key=True)
    longitude = Column(Float, primary_key=True)
    listing_id = Column(ID, primary_key=True)
    terms = Column(Text, nullable=False)

    __table_args__ = {"sqlite_with_rowid": False}


class RegistryInfo(Base):
    """Key-value facts about the registry: its generation bumps on every import."""

    __tablename__ = "registry_info"
    key = Column(String(40), primary_key=True)
    value = Column(Text, nullable=False)


class ListingReport(Base):
    """Someone said a listing is wrong. Not HSDS, and kept across imports: the listing, the reason,
    the channel and the day, nothing about the person. Deleted when a navigator reviews the listing."""

    __tablename__ = "listing_report"
    id = Column(ID, primary_key=True)
    listing_id = Column(ID, nullable=False, index=True)
    reason = Column(String(20), nullable=False)  # providers.reports.REASONS
    channel = Column(String(20), nullable=False)  # providers.reports.CHANNELS
    term = Column(String(80))  # what the search was for, when the reason is "doesn't offer this"
    day = Column(String(10), nullable=False)


class ListingReview(Base):
    """A navigator's check of a listing: a source of its own, applied to the HSDS rows on every import."""

    __tablename__ = "listing_review"
    id = Column(ID, primary_key=True)
    listing_id = Column(ID, nullable=False, index=True)
    outcome = Column(String(20), nullable=False)  # providers.reports.OUTCOMES
    reviewer = Column(Text, nullable=False)  # the organization whose navigators checked it
    day = Column(String(10), nullable=False)
    address_1 = Column(Text)  # moved: the new address
    city = Column(Text)
    state_province = Column(String(2))
    postal_code = Column(String(10))
    phone = Column(String(40))  # new phone
    term = Column(String(80))  # not offered: the vocabulary term to remove
