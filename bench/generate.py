"""Synthetic federations of CHATONS-style hosts, written as ChatonsInfos `.properties` files.

`generate(folder, organizations, base_url, seed)` writes, under `folder`, one or more federation
files (a federation file lists at most `MAX_SUBS` organizations, the importer's cap, so larger
federations are split into shards), one organization file per host and one service file per
service, linked by absolute (sometimes relative or quoted) `subs.<id>` lines. `base_url` is where
`folder` will be served (`http://127.0.0.1:PORT`): the file at `folder/<p>` is `base_url/<p>`.

Distributions, as in the wild (demo/generate.py is the hand-written model):
- about 8 services per organization (log-normal, 1 to 40);
- software by popularity: Etherpad, Framadate, Jitsi Meet and Nextcloud in most hosts, then
  PrivateBin, Lufi, Mastodon…, and a long tail of the catalogue; 1.5 % of services run software
  the catalogue does not know; categories follow the software (the importer derives them);
- countries mostly France, then Belgium, Switzerland, Canada (Québec), Luxembourg, Germany…;
  languages follow the country; a few hosts write in English;
- registration follows the kind of service (no account for a pad, membership for a cloud),
  with 25 % exceptions; `Client` only for companies and cooperatives;
- a few percent of services FULL, ended (status OVER or an end date in the past) or missing
  (listed, never written: a 404); a few percent of organizations idle or away;
- a few percent of organizations *stale*: listed by the federation, their organization file
  missing, so the fetch fails (404) and they are never published;
- the writing varies: `key = value`, `key=value`, `key : value`, dd/MM/yyyy or ISO dates,
  section comments or none, `\\uXXXX` escapes, relative and single-quoted subs URLs.

Everything is drawn from `random.Random(seed)` in a fixed order: the same arguments write the
same bytes (the port in `base_url` aside).
"""

from __future__ import annotations

import math
import random
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from directory.feeds.chatonsinfos import MAX_SUBS

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "directory" / "catalog" / "catalog.toml"
PROTOCOL = "ChatonsInfos-0.5"
FEDERATION_FOLDER = "federation"
STALE_SHARE = 0.03
MISSING_SERVICE_SHARE = 0.01
UNKNOWN_SOFTWARE_SHARE = 0.015
TODAY = date(2026, 11, 1)  # file.datetime and the range of start dates (fixed: same bytes)

# Relative popularity (catalogue slugs); the rest of the catalogue weighs LONG_TAIL.
POPULARITY = {
    "etherpad": 100, "framadate": 85, "jitsi-meet": 80, "nextcloud": 75, "privatebin": 55,
    "lufi": 50, "mastodon": 45, "ethercalc": 35, "peertube": 30, "lstu": 28, "searxng": 25,
    "mobilizon": 22, "hedgedoc": 20, "cryptpad": 18, "wekan": 18, "collabora-online": 16,
    "wordpress": 15, "bigbluebutton": 14, "matrix-synapse": 14, "onlyoffice": 12,
    "element": 12, "gitea": 12, "dokuwiki": 12, "roundcube": 12, "sympa": 12, "lutim": 10,
    "forgejo": 10, "vaultwarden": 10, "discourse": 8, "mattermost": 8, "limesurvey": 8,
    "prosody": 8, "umap": 8, "yakforms": 6, "pixelfed": 6, "kanboard": 6, "radicale": 6,
    "freshrss": 6, "funkwhale": 5, "sogo": 5, "shaarli": 5, "wallabag": 5, "ihatemoney": 5,
    "yunohost": 5, "movim": 4, "loomio": 4, "mumble": 4, "galene": 4, "rallly": 4,
}  # fmt: skip
LONG_TAIL = 2
UNKNOWN_SOFTWARE = ("Paheko", "Zammad", "Hubzilla", "Invidious", "Nitter", "Kbin", "Jellyfin")

# Kind of access a service usually asks for, by its first category.
USUAL_REGISTRATION = {
    "none": (
        "collaborative-writing", "video-calls", "polls", "spreadsheets", "file-sharing",
        "url-shortening", "pastebin", "search-engine", "translation", "maps", "whiteboard",
        "mind-mapping", "shared-expenses", "image-sharing",
    ),
    "member": (
        "cloud-storage", "calendar-contacts", "mail", "mailing-lists", "vpn", "web-hosting",
        "password-management", "wikis", "office-suite", "feed-reader", "video-hosting",
    ),
}  # fmt: skip
REGISTRATION_WORDS = {"none": "None", "free": "Free", "member": "Member", "client": "Client"}

# (country code, name as hosts write it, weight, languages of the country, towns)
COUNTRIES = [
    ("FR", "France", 760, ("fr",), (
        "Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Rennes", "Lille", "Strasbourg",
        "Bordeaux", "Montpellier", "Grenoble", "Nice", "Dijon", "Besançon", "Brest", "Caen",
        "Rouen", "Amiens", "Metz", "Nancy", "Reims", "Tours", "Orléans", "Poitiers", "Limoges",
        "Clermont-Ferrand", "Saint-Étienne", "Annecy", "Chambéry", "Valence", "Avignon",
        "Nîmes", "Perpignan", "Pau", "Bayonne", "Toulon", "Ajaccio", "Bastia", "La Rochelle",
        "Angers", "Le Mans", "Laval", "Quimper", "Lorient", "Vannes", "Saint-Brieuc",
        "Cherbourg", "Le Havre", "Dunkerque", "Calais", "Arras", "Valenciennes", "Troyes",
        "Mulhouse", "Colmar", "Belfort", "Chalon-sur-Saône", "Mâcon", "Bourges", "Nevers",
        "Auxerre", "Blois", "Chartres", "Évreux", "Alençon", "Niort", "Angoulême", "Périgueux",
        "Agen", "Montauban", "Albi", "Rodez", "Cahors", "Tarbes", "Auch", "Foix", "Carcassonne",
        "Béziers", "Sète", "Alès", "Gap", "Digne-les-Bains", "Aurillac", "Le Puy-en-Velay",
        "Vichy", "Montluçon", "Guéret", "Tulle", "Brive-la-Gaillarde", "Épinal", "Bar-le-Duc",
        "Charleville-Mézières", "Laon", "Beauvais", "Compiègne", "Saint-Nazaire", "Cholet",
        "La Roche-sur-Yon", "Saint-Malo", "Morlaix", "Lannion", "Dieppe", "Fécamp",
        "Villeurbanne", "Montreuil", "Saint-Denis", "Ivry-sur-Seine", "Pantin", "Nanterre",
        "Créteil", "Versailles", "Cergy", "Évry", "Melun", "Meaux",
    )),
    ("BE", "Belgique", 80, ("fr", "nl"), (
        "Bruxelles", "Liège", "Namur", "Charleroi", "Mons", "Louvain-la-Neuve", "Tournai",
        "Arlon", "Gand", "Anvers", "Wavre", "Verviers",
    )),
    ("CH", "Suisse", 60, ("fr", "de"), (
        "Genève", "Lausanne", "Neuchâtel", "Fribourg", "Sion", "Berne", "Bienne", "Delémont",
        "Yverdon-les-Bains", "Zurich",
    )),
    ("CA", "Canada", 50, ("fr", "en"), (
        "Montréal", "Québec", "Sherbrooke", "Gatineau", "Trois-Rivières", "Rimouski",
        "Saguenay", "Ottawa",
    )),
    ("LU", "Luxembourg", 15, ("fr", "lb", "de"), ("Luxembourg", "Esch-sur-Alzette", "Differdange")),
    ("DE", "Allemagne", 12, ("de", "en"), ("Berlin", "Leipzig", "Freiburg", "Köln", "Hamburg")),
    ("ES", "Espagne", 8, ("ca", "es"), ("Barcelona", "Girona", "Lleida", "Tarragona")),
    ("IT", "Italie", 5, ("it", "en"), ("Torino", "Bologna", "Milano")),
    ("SN", "Sénégal", 4, ("fr", "wo"), ("Dakar", "Saint-Louis")),
    ("TN", "Tunisie", 3, ("fr", "ar"), ("Tunis", "Sfax")),
    ("MA", "Maroc", 3, ("fr", "ar"), ("Rabat", "Casablanca")),
]  # fmt: skip
REGIONAL_LANGUAGES = {"Brest": "br", "Quimper": "br", "Lorient": "br", "Vannes": "br",
                      "Saint-Brieuc": "br", "Morlaix": "br", "Lannion": "br", "Toulouse": "oc",
                      "Montpellier": "oc", "Albi": "oc", "Pau": "oc", "Bayonne": "eu",
                      "Ajaccio": "co", "Bastia": "co", "Perpignan": "ca", "Strasbourg": "de",
                      "Colmar": "de", "Mulhouse": "de"}  # fmt: skip

LEGAL_TYPES = [("ASSOCIATION", 70), ("INFORMAL", 10), ("COOPERATIVE", 7), ("MICROCOMPANY", 6),
               ("COMPANY", 3), ("INDIVIDUAL", 3), ("OTHER", 1)]  # fmt: skip
KIND_OF_HOST = {
    "ASSOCIATION": ("une association", "an association"),
    "INFORMAL": ("un collectif informel", "an informal collective"),
    "COOPERATIVE": ("une coopérative", "a cooperative"),
    "MICROCOMPANY": ("une petite entreprise", "a small company"),
    "COMPANY": ("une entreprise", "a company"),
    "INDIVIDUAL": ("une bénévole passionnée", "a volunteer"),
    "OTHER": ("une structure de l'économie sociale", "a social-economy organisation"),
}
PREFIXES = [
    "Le Chaton", "Le Matou", "Minou", "La Pelote", "Ronron", "La Griffe", "Moustache",
    "Le Nuage", "La Litière", "Les Croquettes", "Félin", "Le Grenier", "La Ruche", "Le Fournil",
    "L'Atelier", "La Cabane", "Le Terrier", "Les Communs", "Le Relais", "La Bogue", "Le Lutin",
    "La Taupinière", "Le Chat Perché", "La Souris Verte", "Le Hérisson", "La Mésange",
]  # fmt: skip
FORMS = ["{p} de {t}", "{p} libre de {t}", "{t} Numérique", "{p} {t}", "Les Communs de {t}",
         "{t} Libre", "{p} des quartiers de {t}", "Nuage de {t}"]  # fmt: skip
DISTRICTS = ["Nord", "Sud", "Est", "Ouest", "Centre", "Rive gauche", "Rive droite", "Haut",
             "Bas", "Gare", "Vieux-Port", "Faubourg"]  # fmt: skip
PUBLICS = (
    ("les particuliers, les associations et les collectifs", "individuals, associations and "
     "collectives"),
    ("ses membres", "its members"),
    ("les associations du territoire", "local associations"),
    ("les établissements scolaires et les associations", "schools and associations"),
    ("tout le monde, sans publicité ni pistage", "everyone, without ads or tracking"),
)  # fmt: skip
EXTRA_SENTENCES = (
    ("Nous animons aussi des ateliers de dégooglisation.",
     "We also run workshops to leave the big platforms."),
    ("Nos serveurs sont hébergés dans un centre de données associatif.",
     "Our servers live in a community-run data centre."),
    ("Les services sont financés par les adhésions et les dons.",
     "The services are funded by memberships and donations."),
    ("Nous réemployons du matériel reconditionné.", "We run on refurbished hardware."),
    ("Une permanence d'entraide a lieu chaque mois.", "A monthly help desk is open to all."),
)  # fmt: skip
TAGLINES = (
    ("Sans publicité ni pistage.", "No ads, no tracking."),
    ("Vos données restent les vôtres.", "Your data stays yours."),
    ("Sauvegardes chiffrées quotidiennes.", "Encrypted daily backups."),
    ("Besoin d'aide ? Écrivez-nous.", "Need help? Write to us."),
    ("Ronronnement garanti.", "Purring guaranteed."),
)  # fmt: skip


@dataclass
class ServiceFile:
    sid: str
    url: str
    path: Path
    software: str | None  # catalogue slug, None for software the catalogue does not know
    registration: str
    load: str  # OPEN or FULL
    status: str
    ended: bool
    written: bool


@dataclass
class OrganizationFile:
    slug: str
    name: str
    domain: str
    url: str
    path: Path
    status: str  # ACTIVE, IDLE, AWAY
    stale: bool  # listed by the federation, file missing
    shard: int = 0  # index of the federation file that lists it
    services: list[ServiceFile] = field(default_factory=list)


@dataclass
class Federation:
    folder: Path
    base_url: str
    shards: list[str]  # federation file URLs, MAX_SUBS organizations each at most
    organizations: list[OrganizationFile]

    @property
    def services(self) -> list[ServiceFile]:
        return [s for o in self.organizations for s in o.services]

    @property
    def files(self) -> int:
        return (
            len(self.shards)
            + sum(not o.stale for o in self.organizations)
            + sum(s.written for o in self.organizations if not o.stale for s in o.services)
        )

    @property
    def stale(self) -> int:
        return sum(o.stale for o in self.organizations)

    def expected_offers(self) -> int:
        """Services the search should offer once everything is imported."""
        return sum(
            1
            for o in self.organizations
            if not o.stale and o.status in ("ACTIVE", "IDLE")
            for s in o.services
            if s.written and not s.ended
        )

    def offered(self):
        """(organization, service) pairs that are offered and open, in a fixed order."""
        for o in self.organizations:
            if o.stale or o.status != "ACTIVE":
                continue
            for s in o.services:
                if s.written and not s.ended and s.load == "OPEN" and s.software:
                    yield o, s


@dataclass(frozen=True)
class CatalogSoftware:
    slug: str
    name: str
    categories: tuple[str, ...]
    description: dict


def load_catalog() -> tuple[list[CatalogSoftware], dict[str, dict]]:
    data = tomllib.loads(CATALOG.read_text(encoding="utf-8"))
    software = [
        CatalogSoftware(s["slug"], s["name"]["en"], tuple(s["categories"]), s["description"])
        for s in data["software"]
    ]
    categories = {c["slug"]: c for c in data["categories"]}
    return software, categories


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def of_name(name: str) -> str:
    """How a service name refers to its host: "du Chaton de Rouen", "de la Pelote…"."""
    for article, contracted in (
        ("Le ", "du "),
        ("La ", "de la "),
        ("Les ", "des "),
        ("L'", "de l'"),
    ):
        if name.startswith(article):
            return contracted + name[len(article) :]
    return ("d'" if name[0] in "AEIOUÉaeiou" else "de ") + name


class _Writer:
    """One host's way of writing .properties files."""

    def __init__(self, rng: random.Random) -> None:
        self.sep = rng.choices([" = ", "=", " : "], weights=[85, 10, 5])[0]
        self.headers = rng.random() < 0.7
        self.iso_dates = rng.random() < 0.3
        self.escape = rng.random() < 0.03
        self.extensions = rng.random() < 0.8  # writes service.price and *.languages
        self.subs = rng.choices(["absolute", "relative", "quoted"], weights=[85, 10, 5])[0]
        self.lines: list[str] = []

    def comment(self, text: str) -> None:
        if self.headers:
            self.lines.append(f"# {text}")

    def blank(self) -> None:
        if self.headers:
            self.lines.append("")

    def kv(self, key: str, value) -> None:
        if value is None or value == "":
            return
        value = str(value)
        if self.escape:
            value = "".join(c if ord(c) < 128 else f"\\u{ord(c):04x}" for c in value)
        self.lines.append(f"{key}{self.sep}{value}")

    def date(self, key: str, day: date | None) -> None:
        if day is not None:
            self.kv(key, day.isoformat() if self.iso_dates else day.strftime("%d/%m/%Y"))

    def render(self) -> bytes:
        text = "\n".join(self.lines) + "\n"
        self.lines = []
        return text.encode("utf-8")


def _weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """k distinct items drawn by weight (Efraimidis–Spirakis keys: one pass, deterministic)."""
    keyed = sorted(((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights)), reverse=True)
    return [items[i] for _, i in keyed[:k]]


def _random_day(rng: random.Random, start: date, end: date) -> date:
    return date.fromordinal(rng.randint(start.toordinal(), max(start, end).toordinal()))


def _languages(rng: random.Random, country_langs: tuple[str, ...], town: str) -> list[str]:
    langs = list(country_langs[:1])
    for extra in country_langs[1:]:
        if rng.random() < 0.6:
            langs.append(extra)
    if town in REGIONAL_LANGUAGES and rng.random() < 0.5:
        langs.append(REGIONAL_LANGUAGES[town])
    if "en" not in langs and rng.random() < 0.4:
        langs.append("en")
    return list(dict.fromkeys(langs))


def _service_count(rng: random.Random) -> int:
    return max(1, min(40, round(rng.lognormvariate(math.log(6.6), 0.65))))


def generate(folder: Path, organizations: int, base_url: str, seed: int = 2024) -> Federation:
    """Write a federation of `organizations` hosts under `folder` (created; must be empty)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    base_url = base_url.rstrip("/")
    rng = random.Random(seed)
    software, categories = load_catalog()
    weights = [POPULARITY.get(s.slug, LONG_TAIL) for s in software]
    country_weights = [c[2] for c in COUNTRIES]
    stale = set(rng.sample(range(organizations), max(1, round(organizations * STALE_SHARE))))
    names: set[str] = set()
    domains: set[str] = set()
    orgs: list[OrganizationFile] = []

    for index in range(organizations):
        cc, country, _w, country_langs, towns = rng.choices(COUNTRIES, weights=country_weights)[0]
        town = rng.choice(towns)
        name = rng.choice(FORMS).format(p=rng.choice(PREFIXES), t=town)
        if name in names:
            districts = [f"{name} ({d})" for d in DISTRICTS if f"{name} ({d})" not in names]
            name = rng.choice(districts) if districts else f"{name} {index}"
        names.add(name)
        domain = slugify(name) + ".example"
        if domain in domains:
            domain = f"{slugify(name)}-{index}.example"
        domains.add(domain)
        legal = rng.choices([t for t, _ in LEGAL_TYPES], weights=[w for _, w in LEGAL_TYPES])[0]
        status = rng.choices(["ACTIVE", "IDLE", "AWAY"], weights=[95, 4, 1])[0]
        english = cc not in ("FR", "BE", "CH", "LU", "SN", "TN", "MA") and rng.random() < 0.5
        langs = _languages(rng, country_langs, town)
        writer = _Writer(rng)
        layout = rng.random()
        if layout < 0.85:
            org_dir = f"{domain}/.well-known/chatonsinfos"
        elif layout < 0.95:
            org_dir = f"{domain}/.well_known/chatonsinfos"  # the YunoHost spelling
        else:
            org_dir = f"forge.example/{slugify(name)}/chatonsinfos/raw/branch/main"
        org_url = f"{base_url}/{org_dir}/organization.properties"
        org = OrganizationFile(
            slug=slugify(name),
            name=name,
            domain=domain,
            url=org_url,
            path=folder / org_dir / "organization.properties",
            status=status,
            stale=index in stale,
            shard=index // MAX_SUBS,
        )
        start = _random_day(rng, date(2012, 1, 1), date(2025, 6, 30))

        # Services: distinct software drawn by popularity, a few unknown to the catalogue.
        count = _service_count(rng)
        chosen = _weighted_sample(rng, software, weights, count)
        subs: list[tuple[str, str]] = []
        for item in chosen:
            unknown = rng.random() < UNKNOWN_SOFTWARE_SHARE
            display = rng.choice(UNKNOWN_SOFTWARE) if unknown else item.name
            sid = slugify(display)
            if any(s.sid == sid for s in org.services):
                continue
            first_category = item.categories[0]
            usual = next(
                (reg for reg, cats in USUAL_REGISTRATION.items() if first_category in cats), "free"
            )
            registration = usual
            if rng.random() < 0.25:
                registration = rng.choice(["none", "free", "member"])
            if legal in ("COMPANY", "MICROCOMPANY", "COOPERATIVE") and rng.random() < 0.3:
                registration = "client"
            full_chance = 0.01 if registration == "none" else 0.05
            load = "FULL" if rng.random() < full_chance else "OPEN"
            service_status = rng.choices(
                ["OK", "WARNING", "ALERT", "ERROR", "OVER"], weights=[930, 40, 10, 5, 15]
            )[0]
            end = None
            roll = rng.random()
            if roll < 0.015:
                end = _random_day(rng, date(2022, 1, 1), date(2025, 12, 31))
            elif roll < 0.035:
                end = _random_day(rng, date(2027, 1, 1), date(2028, 12, 31))
            written = org.stale is False and rng.random() >= MISSING_SERVICE_SHARE
            url = f"{base_url}/{org_dir}/{sid}.properties"
            service = ServiceFile(
                sid=sid,
                url=url,
                path=folder / org_dir / f"{sid}.properties",
                software=None if unknown else item.slug,
                registration=registration,
                load=load,
                status=service_status,
                ended=service_status == "OVER" or (end is not None and end < TODAY),
                written=written,
            )
            org.services.append(service)
            if writer.subs == "relative":
                subs.append((sid, f"{sid}.properties"))
            elif writer.subs == "quoted":
                subs.append((sid, f"'{url}'"))
            else:
                subs.append((sid, url))
            if not written:
                continue

            lang_index = 1 if english else 0
            cat = categories[first_category]
            label = cat["name"]["en" if english else "fr"]
            style = rng.random()
            if style < 0.5:
                service_name = f"{label} {of_name(name)}" if not english else f"{name} {label}"
            elif style < 0.85:
                service_name = f"{display} {name}"
            else:
                service_name = f"{display} – {town}"
            text_lang = "en" if english else "fr"
            description = cat["description"][text_lang]
            if not unknown and rng.random() < 0.4:
                description += " " + item.description[text_lang]
            if rng.random() < 0.3:
                description += " " + rng.choice(TAGLINES)[lang_index]

            writer.comment(f"Fichier ChatonsInfos du service {sid}")
            writer.blank()
            writer.comment("[File]")
            writer.kv("file.class", "service")
            writer.kv("file.protocol", PROTOCOL)
            writer.kv("file.datetime", f"{TODAY.isoformat()}T10:00:00")
            writer.kv("file.generator", "bench/generate.py")
            writer.blank()
            writer.comment("[Service]")
            writer.kv("service.name", service_name)
            writer.kv("service.description", description)
            writer.kv("service.website", f"https://{sid}.{domain}/")
            writer.kv("service.legal.url", f"https://{domain}/mentions-legales/")
            writer.date("service.startdate", _random_day(rng, start, date(2026, 9, 30)))
            writer.date("service.enddate", end)
            writer.kv("service.status.level", service_status)
            writer.kv("service.registration", REGISTRATION_WORDS[registration])
            writer.kv("service.registration.load", load)
            writer.kv("service.install.type", rng.choice(["PACKAGE", "CONTAINER", "SOURCES"]))
            if writer.extensions:
                if registration == "client":
                    price = "paid"
                elif registration == "member":
                    price = rng.choice(["free", "donation", "paid"])
                else:
                    price = "donation" if rng.random() < 0.12 else "free"
                writer.kv("service.price", price)
                if rng.random() < 0.4:
                    writer.kv("service.languages", ";".join(dict.fromkeys([langs[0], "en"])))
            writer.blank()
            writer.comment("[Software]")
            writer.kv("software.name", display)
            if not unknown:
                writer.kv("software.version", f"{rng.randint(1, 30)}.{rng.randint(0, 12)}")
            writer.blank()
            writer.comment("[Host]")
            writer.kv("host.name", name)
            writer.kv("host.server.type", rng.choice(["VIRTUAL", "PHYSICAL"]))
            writer.kv("host.provider.type", rng.choice(["HOSTEDSERVER", "HOSTEDBAY", "HOME"]))
            writer.kv("host.country.name", country)
            writer.kv("host.country.code", cc)
            service.path.parent.mkdir(parents=True, exist_ok=True)
            service.path.write_bytes(writer.render())

        # The organization file (not written for a stale host: its fetch fails).
        text_lang = 1 if english else 0
        kind = KIND_OF_HOST[legal][text_lang]
        public = rng.choice(PUBLICS)[text_lang]
        if english:
            description = (
                f"{name} is {kind} based in {town} that hosts free, ethical online services "
                f"for {public}."
            )
        else:
            description = (
                f"{name} est {kind} basée à {town} qui héberge des services en ligne libres, "
                f"éthiques et loyaux pour {public}."
            )
        for sentence in rng.sample(EXTRA_SENTENCES, rng.randint(0, 2)):
            description += " " + sentence[text_lang]
        writer.comment(f"{name} : fichier de présentation au format ChatonsInfos")
        writer.blank()
        writer.comment("[File]")
        writer.kv("file.class", "organization")
        writer.kv("file.protocol", PROTOCOL)
        writer.kv("file.datetime", f"{TODAY.isoformat()}T10:00:00")
        writer.kv("file.generator", "bench/generate.py")
        writer.blank()
        writer.comment("[Organisation]")
        writer.kv("organization.name", name)
        writer.kv("organization.description", description)
        writer.kv("organization.website", f"https://{domain}/")
        writer.kv("organization.type", legal)
        writer.kv("organization.status.level", status)
        writer.date("organization.startdate", start)
        writer.kv("organization.country.name", country)
        writer.kv("organization.country.code", cc)
        writer.kv("organization.geolocation.address", f"{rng.randint(1, 120)} rue du Port, {town}")
        if writer.extensions:
            writer.kv("organization.languages", ";".join(langs))
        writer.kv("organization.contact.email", f"contact@{domain}")
        writer.kv("organization.legal.url", f"https://{domain}/mentions-legales/")
        if rng.random() < 0.4:
            writer.kv(
                "organization.socialnetworks.mastodon", f"https://social.{domain}/@{org.slug}"
            )
        writer.blank()
        writer.comment("[Subs]")
        for sid, target in subs:
            writer.kv(f"subs.{sid}", target)
        data = writer.render()
        if not org.stale:
            org.path.parent.mkdir(parents=True, exist_ok=True)
            org.path.write_bytes(data)
        orgs.append(org)

    shards = []
    for number, start_at in enumerate(range(0, organizations, MAX_SUBS), start=1):
        name = f"federation-{number:03d}.properties"
        shards.append(f"{base_url}/{FEDERATION_FOLDER}/{name}")
        lines = [
            "# Fédération synthétique pour le banc d'essai de Portée (bench/generate.py)",
            "file.class = federation",
            f"file.protocol = {PROTOCOL}",
            f"file.datetime = {TODAY.isoformat()}T10:00:00",
            f"federation.name = Fédération de banc d'essai, partie {number}",
            "federation.website = https://federation.bench.example/",
            "",
        ]
        lines += [f"subs.{o.slug} = {o.url}" for o in orgs[start_at : start_at + MAX_SUBS]]
        path = folder / FEDERATION_FOLDER / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Federation(folder=folder, base_url=base_url, shards=shards, organizations=orgs)


def shard_of(federation: Federation, organization: OrganizationFile) -> str:
    """The federation file that lists `organization`."""
    return federation.shards[organization.shard]


_LOAD_LINE = re.compile(r"^(service\.registration\.load\s*[=: ]\s*)\w+$", re.MULTILINE)
_DESCRIPTION_LINE = re.compile(r"^(service\.description\s*[=: ]\s*.*?)$", re.MULTILINE)


def set_load(service: ServiceFile, load: str) -> None:
    """Rewrite a service file as its host would to say it is FULL (or OPEN again)."""
    text = service.path.read_text(encoding="utf-8")
    new, count = _LOAD_LINE.subn(lambda m: m.group(1) + load, text)
    assert count == 1, service.path
    service.path.write_text(new, encoding="utf-8")
    service.load = load


def touch_description(service: ServiceFile, stamp: int) -> None:
    """A small edit of a service's description (a new sentence): the file changes."""
    text = service.path.read_text(encoding="utf-8")
    new, count = _DESCRIPTION_LINE.subn(lambda m: f"{m.group(1)} Mise à jour {stamp}.", text, 1)
    assert count == 1, service.path
    service.path.write_text(new, encoding="utf-8")
