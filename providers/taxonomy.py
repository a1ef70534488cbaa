"""The one controlled vocabulary of the navigator.

Slots, search filters, importers and messages all speak these terms; free text
is never compared. A term's id is ``facet:code`` (``medication:buprenorphine``).
SAMHSA's service codes and FindTreatment.gov's labels map onto the terms here, so
an importer never invents its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

TAXONOMY_ID = "b6f1c7a2-5d0e-4f7e-9a3c-6e0f2d1c9b10"
TAXONOMY_NAME = "Treatment navigator vocabulary"
TAXONOMY_URI = "urn:treatment-navigator:taxonomy:1"

# How a facet filters a search (see providers.search):
#   required  - the listing must have the term (what the person needs)
#   exclusive - a listing that reports this facet but not the term is left out
#               (it says which payments it takes, and Medicaid is not one)
#   preferred - never excludes; a match ranks higher and is shown as matched
FACETS: dict[str, str] = {
    "need": "required",
    "medication": "required",
    "support": "required",
    "setting": "exclusive",
    "payment": "exclusive",
    "population": "preferred",
    "language": "preferred",
    "access": "preferred",
}


@dataclass(frozen=True)
class Term:
    facet: str
    code: str
    label: str  # plain words for a person on a phone
    description: str = ""
    samhsa_codes: tuple[str, ...] = ()
    findtreatment_labels: tuple[str, ...] = ()  # FindTreatment.gov f3 values
    parent: str | None = None  # id of a broader term
    need: str | None = None  # which need this term serves, for supports
    iso_code: str | None = None  # languages

    @property
    def id(self) -> str:
        return f"{self.facet}:{self.code}"


def _t(facet: str, code: str, label: str, **kw) -> Term:
    if "samhsa_codes" in kw:
        kw["samhsa_codes"] = tuple(kw["samhsa_codes"])
    if "findtreatment_labels" in kw:
        kw["findtreatment_labels"] = tuple(kw["findtreatment_labels"])
    return Term(facet, code, label, **kw)


TERMS: tuple[Term, ...] = (
    # What a person came for.
    _t("need", "treatment", "treatment", description="Medication or other treatment for opioid use."),
    _t("need", "harm_reduction", "harm reduction",
       description="Naloxone, clean supplies, test strips and other ways to stay safer."),
    _t("need", "recovery_support", "recovery support",
       description="Peer support, meetings and recovery communities."),
    # Medications for opioid use disorder.
    _t("medication", "methadone", "methadone",
       description="A daily liquid dose from a certified clinic (opioid treatment program).",
       samhsa_codes=["MU"],
       findtreatment_labels=["Methadone", "Methadone maintenance", "Methadone maintenance for predetermined time",
                             "Methadone used in Treatment"]),
    _t("medication", "buprenorphine", "buprenorphine (Suboxone)",
       description="A film or tablet (Suboxone, Subutex, Zubsolv) any prescriber can give; also a monthly shot.",
       samhsa_codes=["BU", "BUM"],
       findtreatment_labels=["Buprenorphine used in Treatment", "Buprenorphine maintenance",
                             "Buprenorphine maintenance for predetermined time", "Prescribes/administers buprenorphine",
                             "Buprenorphine with naloxone  (Suboxone®)", "Buprenorphine without naloxone"]),
    _t("medication", "buprenorphine_injectable", "buprenorphine shot (Sublocade, Brixadi)",
       description="Extended-release buprenorphine given as a weekly or monthly shot.",
       samhsa_codes=["BERI"], parent="medication:buprenorphine",
       findtreatment_labels=["Buprenorphine (extended-release, injectable, for example, Sublocade®)"]),
    _t("medication", "naltrexone", "naltrexone",
       description="Blocks opioids; you need 7-10 days without opioids before the first dose.",
       samhsa_codes=["NU"],
       findtreatment_labels=["Naltrexone used in Treatment", "Prescribes/administers naltrexone",
                             "Relapse prevention from naltrexone"]),
    _t("medication", "naltrexone_oral", "naltrexone pills", samhsa_codes=[], parent="medication:naltrexone",
       findtreatment_labels=["Naltrexone (oral)"]),
    _t("medication", "naltrexone_injectable", "naltrexone shot (Vivitrol)",
       description="A monthly naltrexone shot.", samhsa_codes=["VTRL"], parent="medication:naltrexone",
       findtreatment_labels=["Extended-release, injectable Naltrexone (Vivitrol®)"]),
    # Where and how care happens.
    _t("setting", "outpatient", "outpatient", samhsa_codes=["OP", "OMB"],
       findtreatment_labels=["Outpatient", "Regular outpatient treatment",
                             "Outpatient methadone/buprenorphine or naltrexone treatment"]),
    # Certified OTPs are outpatient programs: asking for outpatient care finds them.
    _t("setting", "otp", "opioid treatment program (methadone clinic)", samhsa_codes=["OTP"],
       parent="setting:outpatient",
       findtreatment_labels=["SAMHSA-certified Opioid Treatment Program"]),
    _t("setting", "intensive_outpatient", "intensive outpatient", parent="setting:outpatient",
       findtreatment_labels=["Intensive outpatient treatment", "Partial hospitalization/day treatment",
                             "Outpatient day treatment or partial hospitalization"]),
    _t("setting", "residential", "residential (live-in)", samhsa_codes=["RES"],
       findtreatment_labels=["Residential", "Short-term residential", "Long-term residential"]),
    _t("setting", "hospital_inpatient", "hospital inpatient", samhsa_codes=["HI"],
       findtreatment_labels=["Hospital inpatient"]),
    _t("setting", "detox", "detox (withdrawal care)", samhsa_codes=["DT"],
       findtreatment_labels=["Detoxification", "Hospital inpatient detoxification", "Outpatient detoxification",
                             "Residential detoxification"]),
    _t("setting", "telehealth", "telehealth (phone or video)", samhsa_codes=["TELE"],
       findtreatment_labels=["Telemedicine/telehealth", "Computerized treatment/telemedicine"]),
    # A kind of place, not a kind of treatment: HRSA's list says where health centers are, not
    # whether one prescribes a medication. See HEALTH_CENTER.
    _t("setting", "health_center", "community health center",
       description="A federally funded clinic for primary care that charges on a sliding fee by income. Many "
                   "prescribe buprenorphine; the list does not say which."),
    # Payment.
    _t("payment", "medicaid", "Medicaid", samhsa_codes=["MD"], findtreatment_labels=["Medicaid"]),
    _t("payment", "medicare", "Medicare", samhsa_codes=["MC"], findtreatment_labels=["Medicare"]),
    _t("payment", "private_insurance", "private insurance", samhsa_codes=["PI"],
       findtreatment_labels=["Private health insurance"]),
    _t("payment", "self_pay", "cash or self-pay", samhsa_codes=["SF"], findtreatment_labels=["Cash or self-payment"]),
    _t("payment", "sliding_fee", "sliding fee (based on income)", samhsa_codes=["SS"],
       findtreatment_labels=["Sliding fee scale (fee is based on income and other factors)"]),
    _t("payment", "free", "free", samhsa_codes=["NP"],
       findtreatment_labels=["No payment accepted",
                             "Treatment at no charge or minimal payment for clients who cannot afford to pay"]),
    _t("payment", "military", "military or VA", samhsa_codes=["MI"],
       findtreatment_labels=["Military insurance (e.g., TRICARE)", "U.S. Department of VA funds"]),
    _t("payment", "ihs_tribal", "IHS or tribal", samhsa_codes=["ITU"],
       findtreatment_labels=["IHS/Tribal/Urban (ITU) funds"]),
    _t("payment", "state_funded", "state or SAMHSA funded (low or no cost)", samhsa_codes=["SAMF", "SI"],
       findtreatment_labels=["Federal, or any government funding for substance abuse programs",
                             "State-financed health insurance plan other than Medicaid", "Other State funds",
                             "SAMHSA funding/block grants"]),
    # Populations served by special programs.
    _t("population", "pregnant_postpartum", "pregnant or postpartum", samhsa_codes=["PW"],
       findtreatment_labels=["Pregnant/postpartum women"]),
    _t("population", "adolescents", "teens", samhsa_codes=["AD"],
       findtreatment_labels=["Adolescents", "Children/adolescents"]),
    _t("population", "young_adults", "young adults", samhsa_codes=["TAY"],
       findtreatment_labels=["Transitional age young adults", "Young adults"]),
    _t("population", "veterans", "veterans", samhsa_codes=["VET"], findtreatment_labels=["Veterans"]),
    _t("population", "lgbtq", "LGBTQ+", samhsa_codes=["GL"],
       findtreatment_labels=["Lesbian, gay, bisexual, or transgender (LGBT) clients"]),
    _t("population", "justice_involved", "people involved with the courts", samhsa_codes=["CJ"],
       findtreatment_labels=["Clients referred from the court/judicial system"]),
    _t("population", "women", "women", samhsa_codes=["WN"], findtreatment_labels=["Adult women"]),
    _t("population", "men", "men", samhsa_codes=["MN"], findtreatment_labels=["Adult men"]),
    _t("population", "seniors", "older adults", samhsa_codes=["SE"],
       findtreatment_labels=["Seniors or older adults", "Seniors (65 or older)"]),
    # Languages other than English.
    _t("language", "spanish", "Spanish", samhsa_codes=["SP"], findtreatment_labels=["Spanish"], iso_code="es"),
    _t("language", "asl", "sign language", samhsa_codes=["AH"],
       findtreatment_labels=["Services for the deaf and hard of hearing", "American Sign Language (ASL)"],
       iso_code="ase"),
    _t("language", "arabic", "Arabic", samhsa_codes=["F4"], findtreatment_labels=["Arabic"], iso_code="ar"),
    _t("language", "chinese", "Chinese", samhsa_codes=["F17"], findtreatment_labels=["Chinese"], iso_code="zh"),
    _t("language", "haitian_creole", "Haitian Creole", samhsa_codes=["F19"], findtreatment_labels=["Haitian Creole"],
       iso_code="ht"),
    _t("language", "vietnamese", "Vietnamese", samhsa_codes=["F92"], findtreatment_labels=["Vietnamese"],
       iso_code="vi"),
    _t("language", "russian", "Russian", findtreatment_labels=["Russian"], iso_code="ru"),
    _t("language", "portuguese", "Portuguese", findtreatment_labels=["Portuguese"], iso_code="pt"),
    _t("language", "french", "French", findtreatment_labels=["French"], iso_code="fr"),
    _t("language", "korean", "Korean", findtreatment_labels=["Korean"], iso_code="ko"),
    _t("language", "german", "German", findtreatment_labels=["German"], iso_code="de"),
    # How to get in.
    _t("access", "walk_in", "walk-in or same day"),
    _t("access", "accepts_medication_from_elsewhere", "continues medication started elsewhere",
       samhsa_codes=["MOA"], findtreatment_labels=["Accepts clients on opioid medication"]),
    # Harm reduction.
    _t("support", "naloxone", "naloxone (Narcan)", description="Medicine that reverses an opioid overdose.",
       samhsa_codes=["NOE"], need="harm_reduction"),
    _t("support", "syringe_services", "syringe services", description="New needles and supplies, and safe disposal.",
       need="harm_reduction"),
    _t("support", "fentanyl_test_strips", "fentanyl test strips", need="harm_reduction"),
    _t("support", "drug_checking", "drug checking", description="Testing what is in your drugs.",
       need="harm_reduction"),
    _t("support", "overdose_prevention_line", "overdose prevention line",
       description="Someone stays on the phone while you use and sends help if you stop answering.",
       need="harm_reduction"),
    _t("support", "crisis_line", "crisis line", description="Talk or text with someone now.", need="harm_reduction"),
    _t("support", "helpline", "treatment helpline", description="Free help finding treatment.", need="treatment"),
    _t("support", "poison_control", "poison control", need="harm_reduction"),
    # Recovery supports.
    _t("support", "peer_support", "peer support", samhsa_codes=["PEER"],
       findtreatment_labels=["Consumer-run (peer-support) services"], need="recovery_support"),
    _t("support", "recovery_coach", "recovery coach", samhsa_codes=["RC"], need="recovery_support"),
    _t("support", "mutual_aid", "mutual-aid meetings (NA, SMART)", samhsa_codes=["SHG"],
       findtreatment_labels=["Self-help groups"], need="recovery_support"),
    _t("support", "recovery_community_org", "recovery community organization", need="recovery_support"),
    _t("support", "recovery_housing", "recovery housing", samhsa_codes=["HS"],
       findtreatment_labels=["Housing services", "Supported housing"], need="recovery_support"),
)

# Health centers are their own tier (providers.search): a search finds them only when it asks for
# this term, they serve no need, and no medication filter ever matches one.
HEALTH_CENTER = "setting:health_center"

BY_ID: dict[str, Term] = {t.id: t for t in TERMS}
_BY_SAMHSA: dict[str, Term] = {c: t for t in TERMS for c in t.samhsa_codes}
_BY_FT_LABEL: dict[str, Term] = {lbl.lower(): t for t in TERMS for lbl in t.findtreatment_labels}

class UnknownTerm(ValueError):
    pass


def term(term_id: str) -> Term:
    try:
        return BY_ID[term_id]
    except KeyError:
        raise UnknownTerm(f"{term_id!r} is not in the vocabulary") from None


def terms_of(facet: str) -> list[Term]:
    if facet not in FACETS:
        raise UnknownTerm(f"{facet!r} is not a facet; facets are {', '.join(FACETS)}")
    return [t for t in TERMS if t.facet == facet]


def resolve(facet: str, code: str) -> Term:
    """The term for a facet and a code or id: ('payment', 'medicaid')."""
    code = code.strip().lower().replace("-", "_").replace(" ", "_")
    if ":" in code:
        facet_part, _, code = code.partition(":")
        if facet_part != facet:
            raise UnknownTerm(f"{facet_part}:{code} is not a {facet}")
    found = BY_ID.get(f"{facet}:{code}")
    if found is None:
        known = ", ".join(t.code for t in terms_of(facet))
        raise UnknownTerm(f"{code!r} is not a {facet}; choose from {known}")
    return found


def from_samhsa(code: str) -> Term | None:
    return _BY_SAMHSA.get(code.strip().upper())


def from_findtreatment_label(label: str) -> Term | None:
    return _BY_FT_LABEL.get(label.strip().lower())


def ancestors(term_id: str) -> list[str]:
    """The term's broader terms, nearest first."""
    out = []
    parent = BY_ID[term_id].parent
    while parent:
        out.append(parent)
        parent = BY_ID[parent].parent
    return out


def with_ancestors(term_ids) -> set[str]:
    """A listing offering the Vivitrol shot offers naltrexone: search matches on both."""
    out = set()
    for tid in term_ids:
        out.add(tid)
        out.update(ancestors(tid))
    return out


def needs_of(term_ids) -> set[str]:
    """The needs (treatment, harm reduction, recovery support) a set of terms serves."""
    needs = set()
    for tid in term_ids:
        t = BY_ID.get(tid)
        if t is None:
            continue
        if t.facet == "need":
            needs.add(t.id)
        elif t.facet == "medication" or (t.facet == "setting" and t.id not in ("setting:telehealth", HEALTH_CENTER)):
            needs.add("need:treatment")
        elif t.need:
            needs.add(f"need:{t.need}")
    return needs


@dataclass(frozen=True)
class Filters:
    """What a person asked for, as vocabulary term ids, by facet."""

    terms: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, *term_ids: str) -> Filters:
        for tid in term_ids:
            term(tid)
        return cls(frozenset(term_ids))

    def by_facet(self, facet: str) -> list[str]:
        return sorted(t for t in self.terms if BY_ID[t].facet == facet)
