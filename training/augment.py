"""Template-free PII examples: training values re-set in carrier text composed from many small pieces.

The generator's 55 sentence templates teach the tagger their exact phrasing; a model trained on them
alone tags sentences phrased otherwise far worse (strict F1 0.83 on withheld templates vs 0.998 on
validation). Here each example is composed at random from: key-value fields with varied keys
("Name:", "DOB -", "pt.", "tel=") and separators, short cue clauses in several word orders, non-toxic
sentences from the toxicity corpora as neutral filler, and unlabelled look-alikes (dates that are not a
birth date, order numbers) so that a value's type comes from its cue, not from its shape alone.

Values are cut from the training rows given (never from validation or held-out rows), filler comes
from the train split only, and every choice draws from the seeded ``rng``: same seed, same examples.
"""

from __future__ import annotations

import datetime
import random

from training.data import PiiExample

# Cue words per type, for key-value fields ("{key}{sep}{value}").
KEYS: dict[str, tuple[str, ...]] = {
    "PERSON": ("Name", "name", "Full name", "Patient", "pt.", "Customer", "Contact", "Holder", "Client",
               "Employee", "Applicant", "Member", "Guest", "Recipient", "Sender", "Owner", "user", "Kunde",
               "Nom", "Passenger", "Tenant", "Student", "Driver", "Account holder", "Insured", "attn"),
    "LOCATION": ("Address", "address", "Addr", "Home address", "Street", "Residence", "Mailing address",
                 "Billing address", "Deliver to", "Adresse", "Domicile", "Location", "addr."),
    "EMAIL_ADDRESS": ("Email", "email", "E-mail", "mail", "Contact email", "Login", "e-mail", "Courriel",
                      "Reply-To", "From", "To", "Username"),
    "PHONE_NUMBER": ("Phone", "phone", "Tel", "tel.", "Mobile", "Cell", "Mob.", "Telefon", "Contact no",
                     "Ph", "Handy", "Portable", "Home phone", "Work phone", "whatsapp"),
    "DATE_OF_BIRTH": ("DOB", "D.O.B.", "Date of birth", "dob", "Birth date", "Born", "Birthday", "geb.",
                      "Geburtsdatum", "Date de naissance", "né le", "b.", "Birthdate", "DoB"),
    "US_SSN": ("SSN", "Social Security No", "social security number", "SS#", "Soc. Sec."),
    "US_PASSPORT": ("US passport", "U.S. passport no", "USA passport", "US Passport #"),
    "UK_PASSPORT": ("UK passport", "British passport no", "GB passport", "UK Passport #"),
    "IN_PASSPORT": ("Indian passport", "IN passport no", "Passport (India)"),
    "DE_PASSPORT": ("Reisepass", "Reisepassnummer", "DE passport", "German passport"),
    "FR_PASSPORT": ("Passeport", "numéro de passeport", "French passport", "FR passport"),
    "IN_AADHAAR": ("Aadhaar", "Aadhaar no", "UID", "Aadhaar card", "aadhaar number"),
    "IN_PAN": ("PAN", "PAN no", "PAN card", "Permanent Account Number"),
    "UK_NHS": ("NHS", "NHS no", "NHS number", "NHS #"),
    "IBAN_CODE": ("IBAN", "iban", "Bank account", "Konto", "Compte", "Account (IBAN)"),
    "CREDIT_CARD": ("Card", "Card no", "Credit card", "CC", "Visa", "Card number", "PAN (card)"),
    "MEDICAL_RECORD_NUMBER": ("MRN", "Medical record no", "Chart #", "Record number", "Hospital no",
                              "Patient ID", "MR#", "Med rec"),
    "IP_ADDRESS": ("IP", "ip", "Client IP", "remote_addr", "Source IP", "host", "ip_addr"),
    "MEDICAL_CONDITION": ("Diagnosis", "Dx", "dx", "Condition", "Problem", "Diagnose", "Diagnostic",
                          "Hx", "History", "Indication"),
    "MEDICATION": ("Medication", "Meds", "Rx", "Drug", "Medikament", "Traitement", "Current meds",
                   "Prescription"),
}

# Cue clauses per type ("{v}" is the value): short, in different word orders and registers.
CLAUSES: dict[str, tuple[str, ...]] = {
    "PERSON": ("{v} asked about this", "ask {v}", "according to {v}", "{v} said it was fine", "cc {v}",
               "thanks {v}", "from {v}", "my colleague {v} agreed", "{v} will join", "talked to {v}",
               "assigned to {v}", "signed, {v}", "{v} wrote", "hi {v}", "hello {v}", "this is {v}",
               "pt. {v} seen today", "{v} called back", "on behalf of {v}", "best regards, {v}",
               "{v} is out until Monday", "we met {v}", "{v}'s request", "approved by {v}", "dear {v}",
               "Herr {v}", "Frau {v}", "Mme {v}", "M. {v}", "Dr. {v}", "Mr {v}", "Ms. {v}"),
    "LOCATION": ("deliver to {v}", "moved to {v}", "addr {v}", "she lives at {v}", "we're at {v}",
                 "the new address is {v}", "send it to {v}", "he stays at {v}", "billing: {v}",
                 "home is {v}", "postal address {v}", "wohnhaft in {v}", "domicilié au {v}"),
    "EMAIL_ADDRESS": ("mail {v}", "write to {v}", "ping me at {v}", "{v} bounced", "sent from {v}",
                      "cc: {v}", "my address is {v}", "reset link went to {v}", "reach out via {v}"),
    "PHONE_NUMBER": ("call {v}", "text me on {v}", "reach her at {v}", "my cell is {v}", "ring {v}",
                     "number: {v}", "his mobile {v}", "whatsapp {v}", "call back on {v}", "dial {v}",
                     "tel. {v}", "ruf an unter {v}", "appelez le {v}"),
    "DATE_OF_BIRTH": ("born {v}", "born on {v}", "birthday {v}", "d.o.b. {v}", "DOB - {v}", "b. {v}",
                      "date of birth {v}", "her birthday is {v}", "birth date: {v}", "geboren am {v}",
                      "né le {v}", "née le {v}", "was born {v}", "DOB {v}"),
    "US_SSN": ("SSN {v}", "social security {v}", "his SSN is {v}", "ss# {v}"),
    "US_PASSPORT": ("US passport {v}", "U.S. passport number {v}", "American passport {v}"),
    "UK_PASSPORT": ("UK passport {v}", "British passport number {v}", "GB passport {v}"),
    "IN_PASSPORT": ("Indian passport {v}", "passport (India) {v}"),
    "DE_PASSPORT": ("Reisepass {v}", "deutscher Reisepass {v}", "German passport {v}"),
    "FR_PASSPORT": ("passeport {v}", "passeport français {v}", "French passport {v}"),
    "IN_AADHAAR": ("Aadhaar {v}", "aadhaar no. {v}", "UID {v}", "her Aadhaar is {v}"),
    "IN_PAN": ("PAN {v}", "PAN card {v}", "pan no {v}"),
    "UK_NHS": ("NHS no. {v}", "NHS number {v}", "nhs {v}"),
    "IBAN_CODE": ("IBAN {v}", "pay into {v}", "account {v}", "wire to {v}", "refund to IBAN {v}"),
    "CREDIT_CARD": ("card {v}", "charged to {v}", "visa {v}", "card ending in full: {v}", "use card {v}"),
    "MEDICAL_RECORD_NUMBER": ("MRN {v}", "mrn: {v}", "chart {v}", "record no. {v}", "MR# {v}",
                              "hospital number {v}", "patient id {v}"),
    "IP_ADDRESS": ("from {v}", "src {v}", "ip={v}", "client {v}", "blocked {v}", "host {v}",
                   "connection from {v}", "remote {v}"),
    "MEDICAL_CONDITION": ("dx {v}", "with {v}", "suffers from {v}", "history of {v}", "diagnosed with {v}",
                          "known {v}", "treated for {v}", "has {v}", "c/o {v}", "r/o {v}"),
    "MEDICATION": ("on {v}", "taking {v}", "switched to {v}", "rx {v}", "started {v}", "stopped {v}",
                   "refill {v}", "continue {v}", "dose of {v}", "prescribed {v}"),
}

# Unlabelled look-alikes: the same surface shapes, cued as something that is not personal data.
DISTRACTOR_KEYS = {
    "date": ("Date", "Created", "Updated", "Due", "Appointment", "Visit", "Shipped", "Invoice date",
             "Termin", "Échéance", "Start date", "Expiry", "Last login"),
    "code": ("Order", "Invoice", "Ticket", "Ref", "SKU", "Build", "Case", "Tracking", "Batch", "Version"),
}
DISTRACTOR_CLAUSES = {
    "date": ("meeting on {v}", "due {v}", "the call on {v}", "shipped {v}", "visit on {v}", "as of {v}",
             "updated {v}", "the deadline is {v}", "appointment {v}", "valid until {v}", "since {v}",
             "Lieferung am {v}", "Rechnung vom {v}", "gültig bis {v}", "Besprechung am {v}", "seit dem {v}",
             "livraison le {v}", "facture du {v}", "valable jusqu'au {v}", "réunion le {v}", "depuis le {v}",
             "{v}: all checks passed", "posted {v}", "last seen {v}", "expires {v}", "paid on {v}"),
    "code": ("order {v}", "ticket {v}", "ref {v}", "invoice {v}", "case {v}", "tracking {v}", "build {v}"),
}

# Formats of the non-birth dates drawn by event_date: the shapes of logs, invoices and calendars.
EVENT_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d %B %Y", "%B %d", "%B %d, %Y",
                      "%b %d %Y", "%d-%m-%Y", "%d %b", "%Y/%m/%d")
LOG_LEVELS = ("INFO", "WARN", "ERROR", "DEBUG", "info", "warning", "", "[main]", "audit:")
# Headers before a record whose values carry no keys ("Jane Roe, 4 Elm St, Leeds, 0113 496 0000").
RECORD_OPENERS = ("", "", "", "Contact: ", "Customer: ", "Recipient: ", "Member: ", "Kunde: ", "Client : ",
                  "Row 7: ", "- ", "Emergency contact - ", "Guest: ", "Tenant: ")
RECORD_JOINERS = (", ", ", ", ", ", "; ", " | ", "\n", " - ", ",")

WEIGHT = {"PERSON": 4, "LOCATION": 3, "DATE_OF_BIRTH": 3, "MEDICAL_RECORD_NUMBER": 2, "PHONE_NUMBER": 2,
          "US_PASSPORT": 2, "UK_PASSPORT": 2}
SEPS = (": ", ":", " - ", " = ", "=", " ", ": ", " : ", "\t", " # ", " -> ")
JOINERS = (", ", "; ", " | ", "\n", "\t", " / ", ". ", "  ", ",")
OPENERS = ("", "", "", "Note: ", "FYI ", "Update - ", "Re: ", "Record: ", "Row 12: ", "Details: ",
           "hi, ", "ok so ", "Per our call, ", "Summary: ", "[INFO] ", "> ", "- ", "* ", "1. ")
ENDINGS = ("", "", "", ".", ".", "!", "?", " thx", " :)", " - thanks", ";", " ...")


def value_pools(examples: list[PiiExample]) -> dict[str, list[str]]:
    """Entity values by type, from the generator's own training rows (the eval's label semantics)."""
    pools: dict[str, list[str]] = {}
    for ex in examples:
        if ex.source != "synthetic_faker":
            continue
        for start, end, kind in ex.spans:
            pools.setdefault(kind, []).append(ex.text[start:end])
    return pools


def event_date(rng: random.Random) -> str:
    """A recent or coming date (2015-2029) in a common format: dates that are not birth dates look like this."""
    day = datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(15 * 365))
    return day.strftime(rng.choice(EVENT_DATE_FORMATS))


def distractor_pools(examples: list[PiiExample], pools: dict[str, list[str]],
                     rng: random.Random) -> dict[str, list[str]]:
    """Unlabelled look-alikes: birth-date values reused as other dates (so that a date needs a birth cue,
    not a birth-date shape), as many recent dates, and codes cut from the negatives."""
    codes = [w.strip(".,;:()") for e in examples if e.source == "synthetic_negative" for w in e.text.split()
             if any(ch.isdigit() for ch in w) and len(w) > 3]
    births = list(pools.get("DATE_OF_BIRTH", []))
    return {"date": births + [event_date(rng) for _ in births], "code": codes}


class _Builder:
    """Text under construction plus its labelled spans."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.spans: list[tuple[int, int, str]] = []
        self.length = 0

    def add(self, text: str, kind: str | None = None) -> None:
        if kind:
            self.spans.append((self.length, self.length + len(text), kind))
        self.parts.append(text)
        self.length += len(text)

    def add_pattern(self, pattern: str, value: str, kind: str | None) -> None:
        before, _, after = pattern.partition("{v}")
        self.add(before)
        self.add(value, kind)
        self.add(after)

    def example(self) -> PiiExample:
        return PiiExample("".join(self.parts), self.spans, source="augmented")


def _case(word: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.12:
        return word.upper()
    if r < 0.24:
        return word.lower()
    return word


def _field(rng: random.Random, pools: dict[str, list[str]], distractors: dict[str, list[str]],
           kinds: list[str]) -> tuple[str, str, str | None]:
    """(cue, value, label or None) for one field: mostly an entity, sometimes a look-alike."""
    if rng.random() < 0.18:
        which = rng.choice(sorted(k for k, v in distractors.items() if v))
        return which, rng.choice(distractors[which]), None
    kind = rng.choice(kinds)
    return kind, rng.choice(pools[kind]), kind


def kv_record(rng: random.Random, pools: dict[str, list[str]], distractors: dict[str, list[str]],
              kinds: list[str]) -> PiiExample:
    """'Name: X | DOB - Y | Tel Z' style records, with varied keys, separators and joiners."""
    b = _Builder()
    b.add(rng.choice(OPENERS))
    joiner, sep = rng.choice(JOINERS), rng.choice(SEPS)
    quote = rng.random() < 0.12
    for i in range(rng.randint(1, 5)):
        cue, value, kind = _field(rng, pools, distractors, kinds)
        key = rng.choice(KEYS[cue] if kind else DISTRACTOR_KEYS[cue])
        if i:
            b.add(joiner)
        b.add(_case(key, rng) + (rng.choice(SEPS) if rng.random() < 0.2 else sep))
        if quote:
            b.add('"')
        b.add(value, kind)
        if quote:
            b.add('"')
    b.add(rng.choice(ENDINGS))
    return b.example()


def sentence(rng: random.Random, pools: dict[str, list[str]], distractors: dict[str, list[str]],
             kinds: list[str], filler: list[str]) -> PiiExample:
    """One to three cue clauses around a neutral sentence, in random order."""
    pieces: list[tuple[str, str, str | None]] = []
    for _ in range(rng.randint(1, 3)):
        cue, value, kind = _field(rng, pools, distractors, kinds)
        pattern = rng.choice(CLAUSES[cue] if kind else DISTRACTOR_CLAUSES[cue])
        pieces.append((pattern, value, kind))
    if filler and rng.random() < 0.6:
        pieces.insert(rng.randint(0, len(pieces)), ("{v}", rng.choice(filler), None))
    b = _Builder()
    b.add(rng.choice(OPENERS))
    for i, (pattern, value, kind) in enumerate(pieces):
        if i:
            b.add(rng.choice((", ", ". ", " - ", "; ", " and ", ", ", " ")))
        if i == 0 and pattern[0].isalpha() and rng.random() < 0.5:
            pattern = pattern[0].upper() + pattern[1:]
        b.add_pattern(pattern, value, kind)
    b.add(rng.choice(ENDINGS))
    return b.example()


def keyless_record(rng: random.Random, pools: dict[str, list[str]]) -> PiiExample:
    """A person's values side by side with no keys ("Name, street address, phone"), as in address blocks and
    CSV rows: each value starts its own entity, and the comma between a name and an address is no part of either."""
    others = [k for k in ("LOCATION", "PHONE_NUMBER", "EMAIL_ADDRESS", "DATE_OF_BIRTH") if pools.get(k)]
    chosen = [k for k in others if rng.random() < (0.75 if k == "LOCATION" else 0.4)]
    rng.shuffle(chosen)
    kinds = ["PERSON", *chosen] if rng.random() < 0.8 else [*chosen, "PERSON"]
    b = _Builder()
    b.add(rng.choice(RECORD_OPENERS))
    joiner = rng.choice(RECORD_JOINERS)
    for i, kind in enumerate(kinds):
        if i:
            b.add(joiner)
        b.add(rng.choice(pools[kind]), kind)
    b.add(rng.choice(ENDINGS))
    return b.example()


def timestamped_line(rng: random.Random, pools: dict[str, list[str]], distractors: dict[str, list[str]],
                     kinds: list[str], filler: list[str]) -> PiiExample:
    """A log or chat line that opens with its own date and time: the date is when it was written, no birth date.
    The rest is a key-value field or cue clause (labelled as usual) or neutral filler."""
    b = _Builder()
    stamp = rng.choice(distractors["date"]) if distractors["date"] and rng.random() < 0.3 else event_date(rng)
    clock = f"{rng.randrange(24):02d}:{rng.randrange(60):02d}" + (f":{rng.randrange(60):02d}" if rng.random() < 0.7 else "")
    head = rng.choice(("{d} {t}", "[{d} {t}]", "{d}T{t}Z", "{d}, {t}", "{d} {t} UTC", "{d}"))
    b.add(head.format(d=stamp, t=clock))
    level = rng.choice(LOG_LEVELS)
    b.add(f" {level} " if level else " ")
    if filler and rng.random() < 0.35:
        b.add(rng.choice(filler))
    else:
        cue, value, kind = _field(rng, pools, distractors, kinds)
        pattern = rng.choice(CLAUSES[cue] if kind else DISTRACTOR_CLAUSES[cue])
        if rng.random() < 0.5 and kind:
            pattern = rng.choice(KEYS[cue]) + rng.choice(("=", ": ", " ")) + "{v}"
        b.add_pattern(pattern, value, kind)
    return b.example()


def neutral_filler(texts: list[str], max_words: int = 25) -> list[str]:
    """Short single-line sentences with no capitalised word after the first (the callers pass non-toxic
    train-split texts only): a name left in the filler would be trained as "O"."""
    out = []
    for text in texts:
        words = text.split()
        if "\n" in text or not 3 <= len(words) <= max_words:
            continue
        if any(w[:1].isupper() and w != "I" and not w.startswith("I'") for w in words[1:]):
            continue
        out.append(text.strip())
    return out


def augmented_examples(examples: list[PiiExample], filler_texts: list[str], n: int,
                       rng: random.Random) -> list[PiiExample]:
    """``n`` composed examples: 38 % key-value records, 46 % cue-clause sentences, 8 % keyless records,
    8 % timestamped lines."""
    pools = value_pools(examples)
    if not pools or n <= 0:
        return []
    distractors = distractor_pools(examples, pools, rng)
    # The types whose cues vary most in real text (names, addresses, birth dates, record numbers) are drawn
    # more often than the self-describing ones (emails, IPs, checksummed ids).
    kinds = [k for k in sorted(pools) for _ in range(WEIGHT.get(k, 1))]
    filler = neutral_filler(filler_texts)
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.38:
            out.append(kv_record(rng, pools, distractors, kinds))
        elif r < 0.84:
            out.append(sentence(rng, pools, distractors, kinds, filler))
        elif r < 0.92 and pools.get("PERSON"):
            out.append(keyless_record(rng, pools))
        else:
            out.append(timestamped_line(rng, pools, distractors, kinds, filler))
    return out
