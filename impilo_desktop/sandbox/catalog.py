"""Fixed reference tables the seed draws from: manufacturers, the 80-item catalog, the 12 kits,
Impilo warehouses, and the name/place lists behind plausible patients and sites.

Plain data only, so the generator stays short and the catalog reads like a real customer's.
"""

from __future__ import annotations

from typing import NamedTuple

MANUFACTURERS: tuple[tuple[int, str], ...] = (
    (1, "Omron Healthcare"),
    (2, "A&D Medical"),
    (3, "iHealth Labs"),
    (4, "Withings"),
    (5, "Nonin Medical"),
    (6, "Roche Diabetes Care"),
    (7, "LifeScan"),
    (8, "Ascensia Diabetes Care"),
    (9, "Tenovi"),
    (10, "Transtek"),
    (11, "Duracell"),
    (12, "Impilo Fulfilment"),
)


class CatalogItem(NamedTuple):
    """One catalog row; `identifier` is the device identifier type for serialised items."""

    name: str
    model: str
    manufacturer_id: int
    item_class: str
    class_type: str
    size: str
    reading_type: str | None
    identifier: str | None
    dimensions: tuple[float, float, float]


# Reading type per device class (supplies have none).
READING_TYPES: dict[str, str] = {
    "bpMonitor": "bloodPressure",
    "weightScale": "weight",
    "glucometer": "bloodGlucose",
    "pulseOximeter": "spo2",
    "thermometer": "temperature",
    "peakFlowMeter": "peakFlow",
    "smartWatch": "heartRate",
    "sleepMat": "sleepMatDuration",
    "heartRateStrap": "heartRateVariability",
}
SUPPLY_DIMENSIONS = (6.0, 4.0, 2.0)

# The 80-item catalog, one per line: name|model|manufacturer|class|class type|size, and for
# serialised devices |identifier type|length width height (inches).
_ITEM_TABLE = """
Upper Arm Blood Pressure Monitor|BP7250|1|circulatory|bpMonitor|medium|serial|7.5 6 4
Cellular Blood Pressure Monitor|BP7900C|1|circulatory|bpMonitor|medium|imei|7.5 6 4
Wrist Blood Pressure Monitor|BP6350|1|circulatory|bpMonitor|small|serial|4 3 2.5
Bluetooth BP Monitor Gold|BP5450|1|circulatory|bpMonitor|medium|macAddress|7.5 6 4
Connected BP Monitor|UA-651BLE|2|circulatory|bpMonitor|medium|macAddress|7 5.5 4
Cellular BP Monitor|UA-651CEL|2|circulatory|bpMonitor|medium|imei|7 5.5 4
Clear Arm BP Monitor|BP5|3|circulatory|bpMonitor|medium|macAddress|6.5 5 3.5
Track Smart BP Monitor|KN-550BT|3|circulatory|bpMonitor|medium|macAddress|6.5 5 3.5
BPM Connect|WPM05|4|circulatory|bpMonitor|medium|macAddress|6 4 3
Cellular BP Monitor Tenovi|TV-BPM-01|9|circulatory|bpMonitor|medium|imei|7 5 3.5
Cellular BP Monitor LTE|TMB-2092-G|10|circulatory|bpMonitor|medium|imei|7.2 5.6 3.8
BP Monitor Classic (discontinued)|HEM-780|1|circulatory|bpMonitor|medium|serial|7.5 6 4
BP Cuff Small Adult 17-22 cm|CS-17|1|circulatory|bpCuff|small
BP Cuff Standard Adult 22-32 cm|CM-22|1|circulatory|bpCuff|small
BP Cuff Large Adult 32-42 cm|CL-32|1|circulatory|bpCuff|medium
BP Cuff Extra Large 42-50 cm|CX-42|1|circulatory|bpCuff|medium
Wide Range Cuff 22-42 cm|UA-CUFF-WR|2|circulatory|bpCuff|small
Tenovi BP Cuff Large|TV-CUFF-L|9|circulatory|bpCuff|medium
Bluetooth Body Scale|BCM-500|1|body|weightScale|large|macAddress|13 13 2
Cellular Weight Scale|SC-100C|1|body|weightScale|large|imei|13 13 2
Connected Scale|UC-352BLE|2|body|weightScale|large|macAddress|12.5 12.5 2
Cellular Scale|UC-355CEL|2|body|weightScale|large|imei|12.5 12.5 2
Body Smart Scale|WBS13|4|body|weightScale|large|macAddress|12.8 12.8 0.9
Nexus Smart Scale|HS2S|3|body|weightScale|large|macAddress|12 12 1
Cellular Scale Tenovi|TV-SCL-01|9|body|weightScale|large|imei|12 12 1.5
Bariatric Cellular Scale|GBS-2104-G|10|body|weightScale|extraLarge|imei|16 16 2.5
Guide Me Glucose Meter|GM-07|6|glucose|glucometer|small|serial|4 2 1
Instant Glucose Meter|INS-01|6|glucose|glucometer|small|serial|4 2 1
Verio Reflect Meter|VR-2|7|glucose|glucometer|small|serial|4 2.2 0.8
Verio Flex Meter|VF-1|7|glucose|glucometer|small|serial|3.5 2 0.6
Contour Next One Meter|CN1|8|glucose|glucometer|small|serial|3.8 2 0.7
Cellular Glucometer|GBG-1211-G|10|glucose|glucometer|small|imei|4.2 2.4 1
Cellular Glucometer Tenovi|TV-GLU-01|9|glucose|glucometer|small|imei|4 2.2 1
Gluco+ Smart Meter|BG5S|3|glucose|glucometer|small|macAddress|3.9 2.1 0.8
Guide Test Strips (50)|GTS-50|6|glucose|testStrips|small
Instant Test Strips (50)|ITS-50|6|glucose|testStrips|small
Verio Test Strips (50)|VTS-50|7|glucose|testStrips|small
Verio Test Strips (100)|VTS-100|7|glucose|testStrips|small
Contour Next Strips (50)|CNS-50|8|glucose|testStrips|small
Contour Next Strips (100)|CNS-100|8|glucose|testStrips|small
Cellular Meter Strips (50)|GBG-STR-50|10|glucose|testStrips|small
Gluco+ Test Strips (50)|BG-STR-50|3|glucose|testStrips|small
Lancets 30G (100)|LAN-30-100|6|glucose|lancets|small
Delica Plus Lancets 33G (100)|DEL-33-100|7|glucose|lancets|small
Microlet Lancets (100)|MIC-100|8|glucose|lancets|small
Lancing Device|FASTCLIX|6|glucose|lancingDevice|small
Glucose Control Solution|CTRL-NORM|7|glucose|controlSolution|small
Alcohol Prep Pads (100)|PREP-100|12|generalHealth|prepPads|small
Finger Pulse Oximeter|ONYX-3|5|respiratory|pulseOximeter|small|serial|2.5 1.5 1.3
Bluetooth Pulse Oximeter|3230|5|respiratory|pulseOximeter|small|macAddress|2.5 1.5 1.3
Wrist Oximeter|WRISTOX2|5|respiratory|pulseOximeter|small|serial|3 2 1.2
Air Pulse Oximeter|PO3M|3|respiratory|pulseOximeter|small|macAddress|2.4 1.4 1.2
Cellular Pulse Oximeter|TV-OX-01|9|respiratory|pulseOximeter|small|imei|2.6 1.6 1.3
Pulse Oximeter Pediatric (discontinued)|ONYX-P|5|respiratory|pulseOximeter|small|serial|2.5 1.5 1.3
Thermo Smart Thermometer|SCT1|4|thermometer|thermometer|small|macAddress|6 1.5 1.5
No-Touch Forehead Thermometer|PT3|3|thermometer|thermometer|small|serial|6 1.6 1.6
Digital Peak Flow Meter|PF-100|3|respiratory|peakFlowMeter|small|serial|6.5 2 2
Smart Peak Flow Meter|TV-PF-01|9|respiratory|peakFlowMeter|small|macAddress|6.5 2 2
ScanWatch 2|HWA10|4|wearable|smartWatch|small|macAddress|4 4 3
Sleep Analyzer Mat|WSM02|4|wearable|sleepMat|large|macAddress|25 8 1
Heart Rate Chest Strap|TV-HR-01|9|wearable|heartRateStrap|small|macAddress|5 3 2
Cellular Gateway Hub|TV-GW-02|9|connectivity|gateway|medium|imei|5 5 1.5
Bluetooth Hub Plug-in|HUB-BLE-1|10|connectivity|gateway|small|macAddress|3 2 1.5
SIM Card (LTE-M)|SIM-LTEM|12|connectivity|simCard|small|iccid|3.3 2.1 0.1
Tablet with Care App|TAB-8-LTE|12|connectivity|tablet|medium|imei|8.5 5.5 0.5
Wi-Fi Hotspot|MIFI-8800|12|connectivity|hotspot|small|simCardNumber|4 2.5 0.6
AA Batteries (4 pack)|MN1500-4|11|power|batteries|small
AAA Batteries (4 pack)|MN2400-4|11|power|batteries|small
CR2032 Coin Battery (2 pack)|DL2032-2|11|power|batteries|small
USB-C Charging Cable 1 m|CBL-USBC-1|12|power|cable|small
Micro-USB Charging Cable 1 m|CBL-MUSB-1|12|power|cable|small
AC Adapter for BP Monitors|HHP-CM01|1|power|adapter|small
USB Wall Charger 5V|CHG-5V-2A|12|power|adapter|small
Welcome Letter|INFO-WELCOME|12|info|insert|small
Quick Start Guide - Blood Pressure|INFO-QS-BP|12|info|insert|small
Quick Start Guide - Glucose|INFO-QS-GLU|12|info|insert|small
Return Shipping Box|PKG-RET-M|12|packaging|box|medium
Sharps Container 1 qt|SHARPS-1Q|12|lab|sharps|small
Padded Mailer|PKG-MAIL-S|12|packaging|mailer|small
Patient Consent Form (legacy)|INFO-CONSENT-V1|12|info|insert|small
"""


def _parse_items(table: str) -> tuple[CatalogItem, ...]:
    items: list[CatalogItem] = []
    for row in table.strip().splitlines():
        name, model, mfr, item_class, class_type, size, *device = row.split("|")
        identifier = device[0] if device else None
        dims = tuple(float(d) for d in device[1].split()) if device else SUPPLY_DIMENSIONS
        length, width, height = dims
        reading = READING_TYPES.get(class_type)
        items.append(
            CatalogItem(
                name,
                model,
                int(mfr),
                item_class,
                class_type,
                size,
                reading,
                identifier,
                (length, width, height),
            )
        )
    return tuple(items)


ITEMS: tuple[CatalogItem, ...] = _parse_items(_ITEM_TABLE)


def _pos(model: str) -> int:
    for i, item in enumerate(ITEMS):
        if item.model == model:
            return i
    raise KeyError(model)


# Catalog positions (0-based) that are not orderable: discontinued or legacy items, and the
# Wi-Fi hotspot that is awaiting certification.
NON_ORDERABLE: frozenset[int] = frozenset(
    i for i, item in enumerate(ITEMS) if "discontinued" in item.name or "legacy" in item.name
) | frozenset({_pos("MIFI-8800")})

# Catalog positions with no stock in any Impilo warehouse (orders for them fail with
# `insufficient_inventory`).
OUT_OF_STOCK: frozenset[int] = frozenset({_pos("TV-GW-02")})


class KitSpec(NamedTuple):
    name: str
    archived: bool
    lines: tuple[tuple[int, int], ...]  # (catalog position, count)


# The 12 kits: name|active or archived|model*count ... Kit names starting with "Loaner" mark
# loaner kits (the API has no flag for them).
_KIT_TABLE = """
Hypertension Starter Kit|active|BP7900C*1 CM-22*1 MN1500-4*1 INFO-QS-BP*1 INFO-WELCOME*1
Hypertension Kit - Large Cuff|active|BP7900C*1 CL-32*1 MN1500-4*1 INFO-QS-BP*1
Diabetes Starter Kit|active|GBG-1211-G*1 GBG-STR-50*2 LAN-30-100*1 FASTCLIX*1 INFO-QS-GLU*1
Diabetes Refill Kit|active|GBG-STR-50*2 LAN-30-100*1 PREP-100*1
Heart Failure Kit|active|BP7900C*1 SC-100C*1 CM-22*1 MN1500-4*1 INFO-WELCOME*1
COPD Kit|active|TV-OX-01*1 PF-100*1 MN2400-4*1 INFO-WELCOME*1
Weight Management Kit|active|UC-355CEL*1 INFO-WELCOME*1
Remote Monitoring Hub Kit|active|TV-GW-02*1 UA-651BLE*1 UC-352BLE*1 CBL-USBC-1*1
Return Kit|active|PKG-RET-M*1
Loaner BP Monitor Kit|active|UA-651CEL*1 UA-CUFF-WR*1 PKG-RET-M*1
Hypertension Kit (2023)|archived|HEM-780*1 CM-22*1 MN1500-4*1
Pediatric Oximetry Kit|archived|ONYX-P*1 MN2400-4*1
"""


def _parse_kits(table: str) -> tuple[KitSpec, ...]:
    kits: list[KitSpec] = []
    for row in table.strip().splitlines():
        name, state, lines = row.split("|")
        parts = [part.split("*") for part in lines.split()]
        kits.append(KitSpec(name, state == "archived", tuple((_pos(m), int(n)) for m, n in parts)))
    return tuple(kits)


KITS: tuple[KitSpec, ...] = _parse_kits(_KIT_TABLE)

LOANER_PREFIX = "Loaner"

WAREHOUSES: tuple[tuple[str, str, str, str, str], ...] = (
    # name, street, city, state, zip
    ("Impilo Fulfilment - Nashville", "400 Logistics Pkwy", "Nashville", "TN", "37211"),
    ("Impilo Fulfilment - Reno", "1200 Distribution Dr", "Reno", "NV", "89502"),
    ("Impilo Fulfilment - Allentown", "75 Commerce Way", "Allentown", "PA", "18106"),
)

FIRST_NAMES_F: tuple[str, ...] = (
    'Mary', 'Patricia', 'Jennifer', 'Linda', 'Elizabeth', 'Barbara', 'Susan', 'Jessica', 'Sarah',
    'Karen', 'Lisa', 'Nancy', 'Betty', 'Margaret', 'Sandra', 'Ashley', 'Kimberly', 'Emily',
    'Donna', 'Michelle', 'Carol', 'Amanda', 'Dorothy', 'Melissa', 'Deborah', 'Stephanie',
    'Rebecca', 'Sharon', 'Laura', 'Cynthia', 'Kathleen', 'Amy', 'Angela', 'Shirley', 'Anna',
    'Brenda', 'Pamela', 'Emma', 'Nicole', 'Helen', 'Samantha', 'Katherine', 'Christine', 'Debra',
    'Rachel', 'Carolyn', 'Janet', 'Catherine', 'Maria', 'Heather', 'Diane', 'Ruth', 'Julie',
    'Olivia', 'Joyce', 'Virginia', 'Victoria', 'Kelly', 'Lauren', 'Christina', 'Joan', 'Evelyn',
    'Judith', 'Megan', 'Andrea', 'Cheryl', 'Hannah', 'Jacqueline', 'Martha', 'Gloria', 'Teresa',
    'Ann', 'Sara', 'Madison', 'Frances', 'Kathryn', 'Janice', 'Jean', 'Abigail', 'Alice', 'Judy',
    'Sophia', 'Grace', 'Denise', 'Amber', 'Doris', 'Marilyn', 'Danielle', 'Beverly', 'Isabella',
    'Theresa', 'Diana', 'Natalie', 'Brittany', 'Charlotte', 'Marie', 'Kayla', 'Alexis', 'Lori',
    'Rosa', 'Guadalupe', 'Mei', 'Aaliyah', 'Priya', 'Fatima',
)  # fmt: skip
FIRST_NAMES_M: tuple[str, ...] = (
    'James', 'Robert', 'John', 'Michael', 'David', 'William', 'Richard', 'Joseph', 'Thomas',
    'Charles', 'Christopher', 'Daniel', 'Matthew', 'Anthony', 'Mark', 'Donald', 'Steven', 'Paul',
    'Andrew', 'Joshua', 'Kenneth', 'Kevin', 'Brian', 'George', 'Timothy', 'Ronald', 'Edward',
    'Jason', 'Jeffrey', 'Ryan', 'Jacob', 'Gary', 'Nicholas', 'Eric', 'Jonathan', 'Stephen',
    'Larry', 'Justin', 'Scott', 'Brandon', 'Benjamin', 'Samuel', 'Gregory', 'Alexander', 'Frank',
    'Patrick', 'Raymond', 'Jack', 'Dennis', 'Jerry', 'Tyler', 'Aaron', 'Jose', 'Adam', 'Nathan',
    'Henry', 'Douglas', 'Zachary', 'Peter', 'Kyle', 'Ethan', 'Walter', 'Noah', 'Jeremy',
    'Christian', 'Keith', 'Roger', 'Terry', 'Gerald', 'Harold', 'Sean', 'Austin', 'Carl',
    'Arthur', 'Lawrence', 'Dylan', 'Jesse', 'Jordan', 'Bryan', 'Billy', 'Joe', 'Bruce', 'Gabriel',
    'Logan', 'Albert', 'Willie', 'Alan', 'Juan', 'Wayne', 'Elijah', 'Randy', 'Roy', 'Vincent',
    'Ralph', 'Eugene', 'Russell', 'Bobby', 'Mason', 'Philip', 'Luis', 'Wei', 'Omar', 'Raj',
    'Tremaine', 'Hiroshi',
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez',
    'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor',
    'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez',
    'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright',
    'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall',
    'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Gomez', 'Phillips', 'Evans', 'Turner',
    'Diaz', 'Parker', 'Cruz', 'Edwards', 'Collins', 'Reyes', 'Stewart', 'Morris', 'Morales',
    'Murphy', 'Cook', 'Rogers', 'Gutierrez', 'Ortiz', 'Morgan', 'Cooper', 'Peterson', 'Bailey',
    'Reed', 'Kelly', 'Howard', 'Ramos', 'Kim', 'Cox', 'Ward', 'Richardson', 'Watson', 'Brooks',
    'Chavez', 'Wood', 'James', 'Bennett', 'Gray', 'Mendoza', 'Ruiz', 'Hughes', 'Price', 'Alvarez',
    'Castillo', 'Sanders', 'Patel', 'Myers', 'Long', 'Ross', 'Foster', 'Jimenez', 'Powell',
    'Jenkins', 'Perry', 'Russell', 'Sullivan', 'Bell', 'Coleman', 'Butler', 'Henderson', 'Barnes',
    'Gonzales', 'Fisher', 'Vasquez', 'Simmons', 'Romero', 'Jordan', 'Patterson', 'Alexander',
    'Hamilton', 'Graham', 'Reynolds', 'Griffin', 'Wallace', 'Moreno', 'West', 'Cole', 'Hayes',
    'Bryant', 'Herrera', 'Gibson', 'Ellis', 'Tran', 'Medina', 'Aguilar', 'Stevens', 'Murray',
    'Ford', 'Castro', 'Marshall', 'Owens', 'Harrison', 'Fernandez', 'McDonald', 'Woods',
    'Washington', 'Kennedy', 'Wells', 'Vargas', 'Henry', 'Chen', 'Freeman', 'Webb', 'Tucker',
    'Guzman', 'Burns', 'Crawford', 'Olson', 'Simpson', 'Porter', 'Hunter', 'Gordon', 'Mendez',
    'Silva', 'Shaw', 'Snyder', 'Mason', 'Dixon', 'Munoz', 'Hunt', 'Hicks', 'Holmes', 'Palmer',
    'Wagner', 'Black', 'Robertson', 'Boyd', 'Rose', 'Stone', 'Salazar', 'Fox', 'Warren', 'Mills',
    'Meyer', 'Rice', 'Schmidt', 'Garza', 'Daniels', 'Ferguson', 'Nichols', 'Stephens', 'Soto',
    'Weaver', 'Ryan', 'Gardner', 'Payne', 'Grant', 'Dunn', "O'Brien", 'Nakamura', 'Okafor',
    'Kowalski', 'Haddad', 'Singh',
)  # fmt: skip

# (city, state, zip prefix, phone area code)
CITIES: tuple[tuple[str, str, str, str], ...] = (
    ('Springfield', 'IL', '627', '217'), ('Columbus', 'OH', '432', '614'),
    ('Louisville', 'KY', '402', '502'), ('Memphis', 'TN', '381', '901'),
    ('Nashville', 'TN', '372', '615'), ('Birmingham', 'AL', '352', '205'),
    ('Jackson', 'MS', '392', '601'), ('Little Rock', 'AR', '722', '501'),
    ('Tulsa', 'OK', '741', '918'), ('Wichita', 'KS', '672', '316'), ('Omaha', 'NE', '681', '402'),
    ('Des Moines', 'IA', '503', '515'), ('Milwaukee', 'WI', '532', '414'),
    ('Detroit', 'MI', '482', '313'), ('Indianapolis', 'IN', '462', '317'),
    ('Pittsburgh', 'PA', '152', '412'), ('Baltimore', 'MD', '212', '410'),
    ('Richmond', 'VA', '232', '804'), ('Charlotte', 'NC', '282', '704'),
    ('Columbia', 'SC', '292', '803'), ('Atlanta', 'GA', '303', '404'),
    ('Jacksonville', 'FL', '322', '904'), ('Tampa', 'FL', '336', '813'),
    ('New Orleans', 'LA', '701', '504'), ('Houston', 'TX', '770', '713'),
    ('San Antonio', 'TX', '782', '210'), ('El Paso', 'TX', '799', '915'),
    ('Albuquerque', 'NM', '871', '505'), ('Phoenix', 'AZ', '850', '602'),
    ('Tucson', 'AZ', '857', '520'), ('Denver', 'CO', '802', '303'),
    ('Salt Lake City', 'UT', '841', '801'), ('Boise', 'ID', '837', '208'),
    ('Spokane', 'WA', '992', '509'), ('Portland', 'OR', '972', '503'),
    ('Sacramento', 'CA', '958', '916'), ('Fresno', 'CA', '937', '559'),
    ('Bakersfield', 'CA', '933', '661'), ('Las Vegas', 'NV', '891', '702'),
    ('Billings', 'MT', '591', '406'), ('Fargo', 'ND', '581', '701'),
    ('Sioux Falls', 'SD', '571', '605'), ('Minneapolis', 'MN', '554', '612'),
    ('St. Louis', 'MO', '631', '314'), ('Hartford', 'CT', '061', '860'),
    ('Providence', 'RI', '029', '401'), ('Worcester', 'MA', '016', '508'),
    ('Albany', 'NY', '122', '518'), ('Buffalo', 'NY', '142', '716'),
    ('Burlington', 'VT', '054', '802'), ('Manchester', 'NH', '031', '603'),
    ('Portland', 'ME', '041', '207'), ('Wilmington', 'DE', '198', '302'),
    ('Newark', 'NJ', '071', '973'), ('Charleston', 'WV', '253', '304'),
    ('Anchorage', 'AK', '995', '907'), ('Honolulu', 'HI', '968', '808'),
    ('Cheyenne', 'WY', '820', '307'),
)  # fmt: skip

STREETS: tuple[str, ...] = (
    'Main St', 'Oak St', 'Maple Ave', 'Cedar Ln', 'Pine St', 'Elm St', 'Washington Ave',
    'Lake Dr', 'Hill Rd', 'Park Ave', 'Sunset Blvd', 'Church St', 'Walnut St', 'Highland Ave',
    'Lincoln Ave', 'Jefferson St', 'Meadow Ln', 'River Rd', 'Forest Dr', 'Cherry St',
    'Willow Way', 'Spring St', 'Ridge Rd', 'Franklin St', 'Madison Ave', 'Chestnut St',
    'Dogwood Ct', 'Magnolia Dr', 'Hickory Ln', 'Birch Rd', 'Sycamore St', 'Valley View Dr',
    'Country Club Rd', 'Mill St', 'Broad St', 'Center St', 'Prospect Ave', 'Grove St',
)  # fmt: skip

SITE_KINDS: tuple[str, ...] = (
    'Family Medicine', 'Community Health Center', 'Cardiology Associates', 'Internal Medicine',
    'Primary Care', 'Diabetes & Endocrine Clinic', 'Heart & Vascular Center',
    'Senior Care Clinic', 'Rural Health Clinic', 'Pulmonary Associates',
)  # fmt: skip
SITE_PREFIXES: tuple[str, ...] = (
    'Riverside', 'Lakeview', 'Northgate', 'Cedar Grove', 'Summit', 'Valley', 'Harbor',
    'Pinecrest', 'Meadowbrook', 'Eastside', 'Westfield', 'Oak Park', 'Fairview', 'Hillcrest',
    'Brookside', 'Maple Ridge', 'Sunrise', 'Greenway', 'Bayview', 'Stonebridge', 'Willow Creek',
    'Crossroads', 'Heritage', 'Prairie', 'Granite Peak',
)  # fmt: skip

EMAIL_DOMAINS: tuple[str, ...] = (
    'gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'aol.com', 'icloud.com',
    'comcast.net', 'att.net', 'example.org',
)  # fmt: skip

NOTES: tuple[str, ...] = (
    "Patient prefers delivery after 3 pm.",
    "Leave at side door, not front porch.",
    "Call patient before delivery: hard of hearing.",
    "Replacement for a unit reported damaged.",
    "Patient moved; new address confirmed by phone.",
    "Large cuff requested by Dr. Patel.",
    "Rush: patient discharged today.",
    "Gate code 4417.",
    "Second kit for caregiver's home.",
    "Spanish-language quick start guide requested.",
)

COORDINATORS: tuple[tuple[int, str, str, str], ...] = (
    (7001, "Dana", "Whitfield", "dana.whitfield@clinic.example"),
    (7002, "Marcus", "Oyelaran", "marcus.oyelaran@clinic.example"),
    (7003, "Lucia", "Fernandez", "lucia.fernandez@clinic.example"),
)
# The EndUser that notes created through the API are attributed to.
API_USER: tuple[int, str, str, str] = (7000, "API", "Integration", "api@clinic.example")
