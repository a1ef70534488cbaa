"""What changed between two registries: services added, removed, and changed per field.

Each side is read as an HSDS document (providers.hsds), from a registry's database URL or an
HSDS JSON file, so a registry before an import can be compared with the registry after it, or
with the file about to be imported. Services are matched by id: the importers give a listing the
same id on every import (providers.ingest.stable_id).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from providers import hsds
from providers.registry import Registry

EXAMPLES = 3


def read_side(where: str) -> dict:
    """An HSDS document from a JSON file, or from the registry at a database URL."""
    if "://" not in where:
        return hsds.read_document(Path(where))
    registry = Registry(where, migrate=False)
    with registry.Session() as session:
        return hsds.export_document(session)


def _address(a: dict) -> str:
    return ", ".join(filter(None, [a.get("address_1"), a.get("address_2"), a.get("city"),
                                   " ".join(filter(None, [a.get("state_province"), a.get("postal_code")]))]))


def compared_fields(service: dict) -> dict[str, str]:
    """The fields a person acts on, each as one comparable text."""
    addresses = sorted(_address(a) for sal in service.get("service_at_locations") or []
                       for a in ((sal.get("location") or {}).get("addresses") or []))
    phones = sorted(p.get("number", "") + (f" x{p['extension']}" if p.get("extension") else "")
                    for p in service.get("phones") or [])
    terms = sorted({(a.get("taxonomy_term") or {}).get("code") or a.get("taxonomy_term_id", "")
                    for a in service.get("attributes") or []})
    return {"name": service.get("name") or "", "address": "; ".join(addresses), "phone": "; ".join(phones),
            "terms": " ".join(terms)}


@dataclass
class FieldChange:
    service_id: str
    name: str
    old: str
    new: str

    def example(self, field_name: str) -> str:
        if field_name == "terms":  # a long list: say only what went and what came
            old, new = set(self.old.split()), set(self.new.split())
            what = " ".join([*(f"+{t}" for t in sorted(new - old)), *(f"-{t}" for t in sorted(old - new))])
        else:
            what = f"{self.old or '(none)'!r} -> {self.new or '(none)'!r}"
        return f"{self.name} [{self.service_id}]: {what}"


@dataclass
class RegistryDiff:
    old_count: int
    new_count: int
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: dict[str, list[FieldChange]] = field(default_factory=dict)  # field -> its changes
    unchanged: int = 0

    def lines(self) -> list[str]:
        out = [f"old: {self.old_count} services, new: {self.new_count} services"]
        for verb, services in (("added", self.added), ("removed", self.removed)):
            line = f"{verb}: {len(services)}"
            if services:
                line += ", e.g. " + "; ".join(f"{s.get('name')} [{s['id']}]" for s in services[:EXAMPLES])
            out.append(line)
        changed_services = {c.service_id for changes in self.changed.values() for c in changes}
        out.append(f"changed: {len(changed_services)} services")
        for field_name in ("name", "address", "phone", "terms"):
            changes = self.changed.get(field_name, [])
            out.append(f"  {field_name}: {len(changes)}")
            out.extend(f"    {c.example(field_name)}" for c in changes[:EXAMPLES])
        out.append(f"unchanged: {self.unchanged}")
        return out


def compare(old: dict, new: dict) -> RegistryDiff:
    old_services = {s["id"]: s for s in old["services"] if isinstance(s, dict) and s.get("id")}
    new_services = {s["id"]: s for s in new["services"] if isinstance(s, dict) and s.get("id")}
    diff = RegistryDiff(len(old_services), len(new_services))
    diff.added = [new_services[i] for i in sorted(new_services.keys() - old_services.keys())]
    diff.removed = [old_services[i] for i in sorted(old_services.keys() - new_services.keys())]
    for service_id in sorted(old_services.keys() & new_services.keys()):
        before, after = compared_fields(old_services[service_id]), compared_fields(new_services[service_id])
        differing = [name for name in before if before[name] != after[name]]
        for name in differing:
            diff.changed.setdefault(name, []).append(
                FieldChange(service_id, after["name"], before[name], after[name]))
        diff.unchanged += not differing
    return diff
