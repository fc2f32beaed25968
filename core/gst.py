"""GST's fixed lists: the States and Union Territories by their GSTN codes (a GSTIN's first two
digits, a place of supply), and the registration types of a party."""

from __future__ import annotations

from django.db import models

# GSTN's state codes. 25 (Daman & Diu, merged into 26) and 28 (Andhra Pradesh before 2014)
# still begin GSTINs issued then, so they are read, but are not offered for new entries.
STATES: dict[str, str] = {
    "01": "Jammu and Kashmir",
    "02": "Himachal Pradesh",
    "03": "Punjab",
    "04": "Chandigarh",
    "05": "Uttarakhand",
    "06": "Haryana",
    "07": "Delhi",
    "08": "Rajasthan",
    "09": "Uttar Pradesh",
    "10": "Bihar",
    "11": "Sikkim",
    "12": "Arunachal Pradesh",
    "13": "Nagaland",
    "14": "Manipur",
    "15": "Mizoram",
    "16": "Tripura",
    "17": "Meghalaya",
    "18": "Assam",
    "19": "West Bengal",
    "20": "Jharkhand",
    "21": "Odisha",
    "22": "Chhattisgarh",
    "23": "Madhya Pradesh",
    "24": "Gujarat",
    "26": "Dadra and Nagar Haveli and Daman and Diu",
    "27": "Maharashtra",
    "29": "Karnataka",
    "30": "Goa",
    "31": "Lakshadweep",
    "32": "Kerala",
    "33": "Tamil Nadu",
    "34": "Puducherry",
    "35": "Andaman and Nicobar Islands",
    "36": "Telangana",
    "37": "Andhra Pradesh",
    "38": "Ladakh",
    "97": "Other Territory",
}
LEGACY_STATES: dict[str, str] = {"25": "Daman and Diu", "28": "Andhra Pradesh (before 2014)"}
# A party abroad has no state; its place of supply is 96 (exports).
OTHER_COUNTRIES = "96"


def state_name(code: str) -> str:
    """The state of a GSTN code (legacy codes too); '' for none."""
    return STATES.get(code) or LEGACY_STATES.get(code, "")


def state_code_of(text: str) -> str:
    """The code of a state typed as its code ("27", "7") or its name, any case; '' if it is
    neither."""
    text = text.strip()
    if text.isdigit() and len(text) <= 2:
        return text.zfill(2) if text.zfill(2) in STATES else ""
    wanted = text.lower()
    return next((code for code, name in STATES.items() if name.lower() == wanted), "")


class RegistrationType(models.TextChoices):
    """A party's GST registration (Tally's "Registration type" on a party ledger)."""

    REGULAR = "regular", "Regular"
    COMPOSITION = "composition", "Composition"
    CONSUMER = "consumer", "Consumer"
    UNREGISTERED = "unregistered", "Unregistered"
    OVERSEAS = "overseas", "Overseas"
    SEZ = "sez", "SEZ"
    DEEMED_EXPORT = "deemed_export", "Deemed export"
    UIN_HOLDER = "uin_holder", "UIN holder (embassy, UN body)"


# The registrations that have a GSTIN (or UIN): the party's must be given.
NEEDS_GSTIN = frozenset(
    {
        RegistrationType.REGULAR,
        RegistrationType.COMPOSITION,
        RegistrationType.SEZ,
        RegistrationType.DEEMED_EXPORT,
        RegistrationType.UIN_HOLDER,
    }
)
# And those that have none: a GSTIN given with them is a mistake somewhere.
NO_GSTIN = frozenset(
    {RegistrationType.CONSUMER, RegistrationType.UNREGISTERED, RegistrationType.OVERSEAS}
)


# Tally's GSTREGISTRATIONTYPE words for each (what its exports write and its imports read).
TALLY_REGISTRATION = {
    RegistrationType.REGULAR: "Regular",
    RegistrationType.COMPOSITION: "Composition",
    RegistrationType.CONSUMER: "Consumer",
    RegistrationType.UNREGISTERED: "Unregistered/Consumer",
    RegistrationType.OVERSEAS: "Overseas",
    RegistrationType.SEZ: "SEZ",
    RegistrationType.DEEMED_EXPORT: "Deemed Export",
    RegistrationType.UIN_HOLDER: "UIN Holders",
}


def registration_of_tally(text: str, *, gstin: str) -> str:
    """The RegistrationType a Tally GSTREGISTRATIONTYPE names ("Regular", "Unregistered/
    Consumer", "Regular - SEZ", …); without one, Regular for a party with a GSTIN (a UIN
    holder's has digits where a PAN has letters), else '' (not said)."""
    words = text.strip().lower()
    for needle, kind in (
        ("sez", RegistrationType.SEZ),
        ("deemed", RegistrationType.DEEMED_EXPORT),
        ("uin", RegistrationType.UIN_HOLDER),
        ("composition", RegistrationType.COMPOSITION),
        ("overseas", RegistrationType.OVERSEAS),
        ("unregistered", RegistrationType.UNREGISTERED),
        ("consumer", RegistrationType.CONSUMER),
        ("regular", RegistrationType.REGULAR),
    ):
        if needle in words:
            return kind.value
    if gstin:
        uin = gstin[2:4].isdigit()
        return (RegistrationType.UIN_HOLDER if uin else RegistrationType.REGULAR).value
    return ""
