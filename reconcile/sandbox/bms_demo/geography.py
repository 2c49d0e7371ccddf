"""Where the demo's clients are: countries, cities, streets, phone numbers."""

from __future__ import annotations

import random

# -- geography ---------------------------------------------------------------------------------

COUNTRIES = {  # CountryId: ISO 3166 numeric (BMS's own country ids are not published)
    "US": (840, "United States"),
    "CA": (124, "Canada"),
    "GB": (826, "United Kingdom"),
    "DE": (276, "Germany"),
    "AU": (36, "Australia"),
}
# key: (City, State, ZipCode, country, phone prefix, latitude, longitude)
CITIES: dict[str, tuple[str, str | None, str, str, str, float, float]] = {
    "Boston": ("Boston", "MA", "02110", "US", "617", 42.3601, -71.0589),
    "Cambridge": ("Cambridge", "MA", "02139", "US", "617", 42.3736, -71.1097),
    "Quincy": ("Quincy", "MA", "02169", "US", "617", 42.2529, -71.0023),
    "Dorchester": ("Dorchester", "MA", "02125", "US", "617", 42.3016, -71.0676),
    "Newton": ("Newton", "MA", "02458", "US", "617", 42.3370, -71.2092),
    "Waltham": ("Waltham", "MA", "02451", "US", "781", 42.3765, -71.2356),
    "Lexington": ("Lexington", "MA", "02421", "US", "781", 42.4473, -71.2245),
    "Dedham": ("Dedham", "MA", "02026", "US", "781", 42.2418, -71.1662),
    "Framingham": ("Framingham", "MA", "01702", "US", "508", 42.2793, -71.4162),
    "Worcester": ("Worcester", "MA", "01608", "US", "508", 42.2626, -71.8023),
    "Brockton": ("Brockton", "MA", "02301", "US", "508", 42.0834, -71.0184),
    "Plymouth": ("Plymouth", "MA", "02360", "US", "508", 41.9584, -70.6673),
    "Lowell": ("Lowell", "MA", "01852", "US", "978", 42.6334, -71.3162),
    "Salem": ("Salem", "MA", "01970", "US", "978", 42.5195, -70.8967),
    "Andover": ("Andover", "MA", "01810", "US", "978", 42.6583, -71.1368),
    "Springfield": ("Springfield", "MA", "01103", "US", "413", 42.1015, -72.5898),
    "Northampton": ("Northampton", "MA", "01060", "US", "413", 42.3251, -72.6412),
    "Nashua": ("Nashua", "NH", "03060", "US", "603", 42.7654, -71.4676),
    "Manchester": ("Manchester", "NH", "03101", "US", "603", 42.9956, -71.4548),
    "Portsmouth": ("Portsmouth", "NH", "03801", "US", "603", 43.0718, -70.7626),
    "Providence": ("Providence", "RI", "02903", "US", "401", 41.8240, -71.4128),
    "Cranston": ("Cranston", "RI", "02920", "US", "401", 41.7798, -71.4373),
    "Hartford": ("Hartford", "CT", "06103", "US", "860", 41.7658, -72.6734),
    "New Haven": ("New Haven", "CT", "06510", "US", "203", 41.3083, -72.9279),
    "Burlington VT": ("Burlington", "VT", "05401", "US", "802", 44.4759, -73.2121),
    "Portland ME": ("Portland", "ME", "04101", "US", "207", 43.6591, -70.2568),
    "Greenwood Village": ("Greenwood Village", "CO", "80111", "US", "303", 39.6172, -104.9508),
    "Ottawa": ("Ottawa", "ON", "K1P 5J2", "CA", "613", 45.4215, -75.6972),
    "Toronto": ("Toronto", "ON", "M5V 3L9", "CA", "416", 43.6426, -79.3871),
    "London": ("London", None, "EC1A 1BB", "GB", "20", 51.5202, -0.0979),
    "Manchester UK": ("Manchester", None, "M1 1AE", "GB", "161", 53.4794, -2.2453),
    "Stuttgart": ("Stuttgart", "Baden-Württemberg", "70173", "DE", "711", 48.7758, 9.1829),
    "Sydney": ("Sydney", "NSW", "2000", "AU", "2", -33.8688, 151.2093),
}
STATE_CITIES: dict[str, list[str]] = {}
for _key, _city in CITIES.items():
    if _city[3] == "US" and _city[1] != "CO":
        STATE_CITIES.setdefault(_city[1], []).append(_key)
STATE_WEIGHTS = [("MA", 75), ("NH", 8), ("RI", 7), ("CT", 5), ("ME", 3), ("VT", 2)]
FOREIGN_CITIES = ["Toronto", "Ottawa", "London", "Manchester UK", "Stuttgart", "Sydney"]

STREETS = [
    "Main St",
    "Washington St",
    "Elm St",
    "Commercial St",
    "Summer St",
    "Congress St",
    "Boylston St",
    "Centre St",
    "Pleasant St",
    "High St",
    "Water St",
    "Park Ave",
    "Mill St",
    "Industrial Way",
    "Technology Dr",
    "School St",
    "Union St",
    "Chestnut St",
    "Maple Ave",
    "Franklin St",
    "Central St",
    "Broadway",
    "Cedar St",
    "Harbor Rd",
]
SUITES = ["Suite 100", "Suite 200", "Suite 310", "Floor 2", "Floor 3", "Unit 4B", "Building C"]


def fictional_phone(rng: random.Random, country: str, prefix: str) -> str:
    """A fictional-range number in the country's usual written form."""
    if country in ("US", "CA"):  # NANP 555-0100..0199 is reserved for fiction
        return f"({prefix}) 555-{rng.randint(100, 199):04d}"
    if country == "GB":  # Ofcom drama numbers
        return f"+44 {prefix} 7946 0{rng.randint(0, 999):03d}"
    if country == "DE":
        return f"+49 {prefix} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    return f"+61 {prefix} 5550 {rng.randint(0, 9999):04d}"  # ACMA fictional range
