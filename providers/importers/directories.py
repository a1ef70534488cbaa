"""Federal files that give the registry's listings their phones and payment: SAMHSA's 2015
national directory, SAMHSA's 2020 OTP directory with phone numbers, CMS's 2022 list of opioid
treatment programs enrolled in Medicare, HRSA's 2021 health center sites; and New Jersey's
syringe access programs, a local list (provenance in providers/data/README.md).

None of the federal files creates a listing. The 2015 directory is ten years old: a facility it alone
describes may have closed, so its rows only add what they say to a listing a newer file has at
the same street address or phone. The 2020 OTP directory and the CMS list have no coordinates,
so a program they alone describe has no point to search from; it is counted in the import
report ("no listing at this address") rather than placed at a guessed point.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from providers import taxonomy
from providers.ingest import Draft, ImportReport, MalformedFile, Source

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DIRECTORY_2015_FILE = DATA_DIR / "samhsa" / "samhsa_directory_2015.csv"
OTP_PHONES_FILE = DATA_DIR / "samhsa" / "samhsa_otp_directory_phones_2020.csv"
CMS_OTP_FILE = DATA_DIR / "cms" / "cms_medicare_otps_2022.csv"

DIRECTORY_2015_SOURCE = Source("samhsa_directory_2015", "SAMHSA national directory", "samhsa_directory_2015.csv",
                               "2015")
OTP_PHONES_SOURCE = Source("samhsa_otp_directory_phones_2020", "SAMHSA opioid treatment program directory",
                           "samhsa_otp_directory_phones_2020.csv", "2020-07-04")
# CMS's names are in capitals and cut at 35 characters ("BAART BEHAVIORAL HEALTH SERVICES IN"):
# a person is never shown one over another source's spelling.
CMS_SOURCE = Source("cms_medicare_otps_2022", "Medicare enrollment (CMS)", "cms_medicare_otps_2022.csv", "2022",
                    names_shown=False)

HRSA_FILE = DATA_DIR / "hrsa" / "hrsa_health_centers_2021.csv"
# Health center names are often capitals and abbreviations ("NORTHERN REGION COMM HLTH CTR").
# A site at no treatment listing's address becomes a health center listing, never a medication one.
HRSA_SOURCE = Source("hrsa_health_centers_2021", "HRSA health center list", "hrsa_health_centers_2021.csv",
                     "2021-01", names_shown=False, own_listing_terms=frozenset({taxonomy.HEALTH_CENTER}))
NJ_SSP_FILE = DATA_DIR / "local" / "nj_syringe_services_2020.csv"
NJ_SSP_SOURCE = Source("nj_syringe_services_2020", "New Jersey Department of Health", "nj_syringe_services_2020.csv",
                       "2020-12")

DIRECTORY_2015_HEADER = ["Name1", "Name2", "Name3", "Address1", "Address2", "Address3", "City", "State", "ZIP_Code",
                         "Contact", "Note", "Keys", "loc_ID", "Longitude", "Latitude", "Match Score"]
OTP_PHONES_HEADER = ["Program Name", "DBA", "Street", "City", "State", "Zipcode", "Phone", "Certification",
                     "FullCertification"]
CMS_HEADER = ["NPI", "PROVIDER NAME", "ADDRESS LINE 1", "ADDRESS LINE 2", "CITY", "STATE", "ZIP",
              "MEDICARE ID EFFECTIVE DATE", "PHONE"]

# The 2015 directory's `Keys` that the data README's legend defines and the vocabulary holds.
# Medication codes are left out on purpose: every listing a 2015 row can join has its
# medications from a newer file (2020 locator, 2021 OTP directory), and the newer word wins.
# Codes the legend does not define, or marks as unsure (OD, HH, OTPA), are not read.
DIRECTORY_2015_KEYS: dict[str, tuple[str, ...]] = {
    "SF": ("payment:self_pay",), "MD": ("payment:medicaid",), "MC": ("payment:medicare",),
    "PI": ("payment:private_insurance",), "MI": ("payment:military",), "SS": ("payment:sliding_fee",),
    "NP": ("payment:free",), "IHS": ("payment:ihs_tribal",),
    "OP": ("setting:outpatient",), "ORT": ("setting:outpatient",), "OIT": ("setting:outpatient",),
    "ODT": ("setting:outpatient", "setting:detox"), "RES": ("setting:residential",),
    "RS": ("setting:residential",), "RL": ("setting:residential",), "RD": ("setting:residential", "setting:detox"),
    "HID": ("setting:hospital_inpatient", "setting:detox"), "HIT": ("setting:hospital_inpatient",),
    "DT": ("setting:detox",),
    "PW": ("population:pregnant_postpartum",), "AD": ("population:adolescents",),
    "YAD": ("population:young_adults",), "SE": ("population:seniors",), "VET": ("population:veterans",),
    "GL": ("population:lgbtq",), "CJ": ("population:justice_involved",), "WN": ("population:women",),
    "MN": ("population:men",),
    "SP": ("language:spanish",), "AH": ("language:asl",), "F4": ("language:arabic",), "F17": ("language:chinese",),
    "F19": ("language:haitian_creole",), "F92": ("language:vietnamese",),
}
for _terms in DIRECTORY_2015_KEYS.values():
    for _t in _terms:
        taxonomy.term(_t)  # fail at import time, not silently, if the vocabulary changes

HRSA_HEADER = ["name", "st_abbr", "city", "address", "phone", "testing_status", "lon", "lat"]
NJ_SSP_HEADER = ["ID", "ADDRESS", "CITY", "ST", "ZIP", "Longitude", "Latitude", "Match Score"]
# A temporary COVID-19 testing site is not a place to ask about treatment.
_TEMPORARY = re.compile(r"\b(temporary|covid)", re.I)
# Nor is a mobile unit (its address is where it parks), a site for one group (a school's pupils,
# children, women, a shelter's guests), a pharmacy, an office or a dental clinic.
_NOT_A_CLINIC_FOR_ADULTS = re.compile(
    r"\b(mobile|schools?|elementary|academy|prep|students?|sbhc|head start|early learning|pediatrics?|kids"
    r"|child|children'?s?|youth|teens?|adolescents?|boys|girls|women'?s?|men's|ob|gyn|wic|shelter|housing"
    r"|pharmacy|administration|administrative|corporate|offices|dentistry)\b"
    r"|\bvan\b(?!\s+\w)|^(?!.*\b(medical|health)\b).*\bdental\b", re.I)

OTP_TERMS = frozenset({"setting:otp", "medication:methadone"})
CMS_TERMS = OTP_TERMS | {"payment:medicare"}

_PHONE = re.compile(r"\(?(\d{3})\)?[\s.-]*(\d{3})-\s*(\d{4})(?:\s*(?:x|ext\.?)\s*(\d+))?", re.I)
_SUITE = re.compile(r"(ste|suite|unit|fl|floor|rm|room|bldg|building|apt|#)\b", re.I)
_KEEP_UPPER = {"N", "S", "E", "W", "NE", "NW", "SE", "SW", "PO", "US", "II", "III", "IV"}


def format_phone(area: str, exchange: str, line: str, extension: str | None = None) -> str:
    number = f"({area}) {exchange}-{line}"
    return f"{number} ext. {extension}" if extension else number


def phones_in(text: str) -> list[str]:
    """Every phone number in a field like "(334)428-5050 Intake: (334)428-5040x12", formatted one way."""
    return [format_phone(*m.groups()) for m in _PHONE.finditer(text or "")]


def read_directory_2015(path: Path = DIRECTORY_2015_FILE) -> tuple[list[Draft], ImportReport]:
    report = ImportReport(f"{DIRECTORY_2015_SOURCE.label}, 2015")
    drafts = []
    for line, row in _rows(path, DIRECTORY_2015_HEADER, "utf-8", report):
        name = (row["Name1"] or "").strip()
        street = (row["Address1"] or "").strip()
        zip5 = _zip5(row["ZIP_Code"])
        if not name or not street or zip5 is None:
            report.skip("missing name, street or ZIP code")
            continue
        terms = {t for code in (row["Keys"] or "").split("/") for t in DIRECTORY_2015_KEYS.get(code.strip(), ())}
        lat, lng = _float(row["Latitude"]), _float(row["Longitude"])
        draft = Draft(key=f"dir2015:{line}", source=DIRECTORY_2015_SOURCE, name=name, organization=name,
                      alternate_name=(row["Name2"] or "").strip() or None, latitude=lat, longitude=lng,
                      address_1=street, address_2=(row["Address2"] or "").strip() or None,
                      city=row["City"].strip(), state=row["State"].strip(), postal_code=zip5, terms=terms,
                      external_ids=[("samhsa_directory_2015_loc_id", row["loc_ID"].strip())])
        contact = row["Contact"] or ""
        main, _, intake = contact.partition("Intake")
        for number in phones_in(main):
            draft.add_phone(number, "voice", "main")
        for number in phones_in(intake):
            draft.add_phone(number, "voice", "intake")
        drafts.append(draft)
    return drafts, report


def read_otp_phones_2020(path: Path = OTP_PHONES_FILE) -> tuple[list[Draft], ImportReport]:
    report = ImportReport(f"{OTP_PHONES_SOURCE.label} with phones, Jul 2020")
    drafts = []
    for line, row in _rows(path, OTP_PHONES_HEADER, "utf-8-sig", report):
        name = (row["DBA"] or "").strip() or (row["Program Name"] or "").strip()
        street = (row["Street"] or "").strip()
        zip5 = _zip5(row["Zipcode"])
        if not name or not street or zip5 is None:
            report.skip("missing name, street or ZIP code")
            continue
        draft = Draft(key=f"otp2020:{line}", source=OTP_PHONES_SOURCE, name=name,
                      organization=(row["Program Name"] or "").strip() or name, address_1=street,
                      city=row["City"].strip(), state=row["State"].strip(), postal_code=zip5, terms=set(OTP_TERMS),
                      external_ids=[("samhsa_otp_directory_2020_line", str(line))])
        for number in phones_in(row["Phone"]):
            draft.add_phone(number, "voice", "main")
        drafts.append(draft)
    return drafts, report


def read_cms_otps_2022(path: Path = CMS_OTP_FILE) -> tuple[list[Draft], ImportReport]:
    report = ImportReport(f"{CMS_SOURCE.label}, 2022")
    drafts = []
    for line, row in _rows(path, CMS_HEADER, "utf-8-sig", report):
        name = (row["PROVIDER NAME"] or "").strip()
        street = _title(row["ADDRESS LINE 1"])
        zip5 = _zip5(row["ZIP"])
        if not name or not street or zip5 is None:
            report.skip("missing name, street or ZIP code")
            continue
        npis = (row["NPI"] or "").split()  # one enrollment can hold two NPIs: "1003081399 1013055110"
        draft = Draft(key=f"cms:{line}", source=CMS_SOURCE, name=_title(name), organization=_title(name),
                      address_1=street, address_2=_suite(row["ADDRESS LINE 2"]), city=_title(row["CITY"]),
                      state=row["STATE"].strip(), postal_code=_zip_plus_4(row["ZIP"]), terms=set(CMS_TERMS),
                      external_ids=[("npi", npi) for npi in npis])
        digits = re.sub(r"\D", "", (row["PHONE"] or "").split("x")[0])
        extension = (row["PHONE"] or "").partition("x")[2].strip() or None
        if len(digits) == 10:
            draft.add_phone(format_phone(digits[:3], digits[3:6], digits[6:], extension), "voice", "main")
        drafts.append(draft)
    return drafts, report


def read_hrsa_health_centers_2021(path: Path = HRSA_FILE) -> tuple[list[Draft], ImportReport]:
    """Health center sites charge on a sliding fee by law, and many prescribe buprenorphine, but
    this file does not say which: a row adds its phone and the sliding fee to the listing at the
    same place and never a medication; a site at no listing's address becomes a health center
    listing (HRSA_SOURCE.own_listing_terms), which no medication search finds."""
    report = ImportReport(f"{HRSA_SOURCE.label}, 2021")
    drafts = []
    for line, row in _rows(path, HRSA_HEADER, "utf-8", report):
        name, street = (row["name"] or "").strip(), (row["address"] or "").strip()
        if _TEMPORARY.search(name):
            report.skip("temporary COVID-19 site")
            continue
        town = row["city"].strip()
        if _NOT_A_CLINIC_FOR_ADULTS.search(name.replace(town, "") if town else name):  # not Mobile, AL's clinics
            report.skip("mobile unit, pharmacy, office, dental clinic or site for one group (pupils, children, women)")
            continue
        if name.isupper():  # "HANA COMMUNITY HEALTH CENTER" -> "Hana Community Health Center"
            name = _title(name)
        lat, lng = _float(row["lat"]), _float(row["lon"])
        if not name or not street or lat is None or lng is None:
            report.skip("missing name, street or coordinates")
            continue
        draft = Draft(key=f"hrsa:{line}", source=HRSA_SOURCE, name=name, organization=name, latitude=lat,
                      longitude=lng, address_1=street, city=row["city"].strip(), state=row["st_abbr"].strip(),
                      terms={"payment:sliding_fee"})
        for number in phones_in(row["phone"]):
            draft.add_phone(number, "voice", "main")
        drafts.append(draft)
    return drafts, report


def read_nj_syringe_services_2020(path: Path = NJ_SSP_FILE) -> tuple[list[Draft], ImportReport]:
    """New Jersey's authorized syringe access programs: a local list no national file has."""
    report = ImportReport(f"{NJ_SSP_SOURCE.label} syringe access programs, 2020")
    drafts = []
    for line, row in _rows(path, NJ_SSP_HEADER, "utf-8", report):
        name = (row["ID"] or "").strip()
        street = (row["ADDRESS"] or "").split(",")[0].strip()  # "639 E 18th St, Paterson"
        lat, lng = _float(row["Latitude"]), _float(row["Longitude"])
        zip5 = _zip5(row["ZIP"])
        if not name or not street or lat is None or lng is None or zip5 is None:
            report.skip("missing name, street, ZIP code or coordinates")
            continue
        drafts.append(Draft(key=f"njssp:{line}", source=NJ_SSP_SOURCE, name=name, organization=name.split(",")[0],
                            latitude=lat, longitude=lng, address_1=street, city=row["CITY"].strip(),
                            state=row["ST"].strip(), postal_code=zip5, terms={"support:syringe_services"}))
    return drafts, report


def _rows(path: Path, header: list[str], encoding: str, report: ImportReport):
    try:
        text = path.read_bytes().decode(encoding)
    except OSError as e:
        raise MalformedFile(f"{path}: cannot read ({e.strerror})") from None
    except UnicodeDecodeError as e:
        raise MalformedFile(f"{path.name}: not {encoding} text ({e})") from None
    reader = csv.reader(io.StringIO(text))
    found = next(reader, None)
    if found is None or [h.strip() for h in found] != header:
        raise MalformedFile(f"{path.name}: not the expected layout (header {found!r})")
    for line, values in enumerate(reader, start=2):
        report.rows_read += 1
        if len(values) != len(header):
            report.skip("wrong number of fields")
            continue
        yield line, dict(zip(header, values, strict=True))


def _zip5(value: str | None) -> str | None:
    digits = (value or "").strip().partition("-")[0]
    if digits.isdigit() and len(digits) == 9:  # CMS writes ZIP+4 without its hyphen
        digits = digits[:5]
    return digits.zfill(5) if digits.isdigit() and len(digits) <= 5 else None


def _zip_plus_4(value: str | None) -> str | None:
    value = (value or "").strip().replace("-", "")
    five = _zip5(value[:5] if len(value) == 9 else value)
    if five and len(value) == 9 and value.isdigit():
        return f"{five}-{value[5:]}"
    return five


def _float(value: str | None) -> float | None:
    try:
        f = float(value or "")
    except ValueError:
        return None
    return f if f == f else None


def _suite(value: str | None) -> str | None:
    """CMS's second address line when it is a suite or floor ("STE 5"), not a program's name."""
    text = _title(value)
    return text if _SUITE.match(text) else None


def _title(value: str | None) -> str:
    """CMS's capitals as a person writes them: "9532 E 16 FRONTAGE RD" -> "9532 E 16 Frontage Rd"."""
    words = []
    for w in (value or "").split():
        if w in _KEEP_UPPER:
            words.append(w)
        elif w[0].isdigit():
            words.append(w.lower())
        else:
            words.append(w.capitalize())
    return " ".join(words)
