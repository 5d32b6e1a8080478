"""The fixed mix of public queries: what people type into the search box, and the filters and
pages they click. Each is a (text, filters, page) triple; the same mix is sent to the search
layer, to the HTML results page and (its text and filters) to the FTS5 floor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode


@dataclass(frozen=True)
class Query:
    kind: str  # word, typo, task-fr, task-en, text, filter, facets, paging, sentence
    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    page: int = 1

    @property
    def label(self) -> str:
        parts = [repr(self.text)] if self.text else ["(all)"]
        parts += [f"{k}={','.join(v)}" for k, v in self.filters.items()]
        if self.page > 1:
            parts.append(f"page={self.page}")
        return " ".join(parts)

    def url(self) -> str:
        args: list[tuple[str, str]] = []
        if self.text:
            args.append(("q", self.text))
        for name, values in self.filters.items():
            args.extend((name, value) for value in values)
        if self.page > 1:
            args.append(("page", str(self.page)))
        return "/search" + ("?" + urlencode(args) if args else "")

    def params(self, per_page: int):
        """The search layer's parameters, read as the site reads the query: its filter phrases
        ("sans compte") and group size ("pour 30 personnes") become filters and a group size
        (the page redirects to them)."""
        from search import SearchParams
        from search.phrases import read_filters, read_group_size

        text, found = read_filters(self.text)
        text, group_size = read_group_size(text)
        filters = dict(self.filters)
        for name, values in found.items():
            filters[name] = tuple(dict.fromkeys((*filters.get(name, ()), *values)))
        return SearchParams(text, filters, self.page, per_page, group_size=group_size)


def _q(kind: str, text: str = "", page: int = 1, **filters: str) -> Query:
    return Query(kind, text, {k: tuple(v.split(",")) for k, v in filters.items()}, page)


# fmt: off
QUERIES: list[Query] = [
    # Single words: software and tasks people name.
    _q("word", "etherpad"), _q("word", "jitsi"), _q("word", "nextcloud"), _q("word", "framadate"),
    _q("word", "mastodon"), _q("word", "peertube"), _q("word", "pad"), _q("word", "cloud"),
    _q("word", "wiki"), _q("word", "forum"), _q("word", "mail"), _q("word", "sondage"),
    _q("word", "agenda"), _q("word", "vpn"), _q("word", "matrix"), _q("word", "xmpp"),
    _q("word", "blog"), _q("word", "tableur"),
    # Misspellings.
    _q("typo", "etherpda"), _q("typo", "jitis"), _q("typo", "nexcloud"), _q("typo", "framdate"),
    _q("typo", "mastadon"), _q("typo", "peertub"), _q("typo", "privatbin"),
    _q("typo", "limesurvay"),
    # Tasks in French and in English.
    _q("task-fr", "visio"), _q("task-fr", "partage de fichiers"),
    _q("task-fr", "écriture collaborative"), _q("task-fr", "stockage en ligne"),
    _q("task-fr", "réseau social"), _q("task-fr", "raccourcisseur d'url"),
    _q("task-fr", "messagerie instantanée"), _q("task-fr", "hébergement de vidéos"),
    _q("task-fr", "gestionnaire de mots de passe"),
    _q("task-en", "video call"), _q("task-en", "file sharing"), _q("task-en", "url shortener"),
    _q("task-en", "password manager"), _q("task-en", "online storage"),
    _q("task-en", "mailing list"), _q("task-en", "collaborative editor"),
    # Free text matched against names and descriptions.
    _q("text", "association lyonnaise"), _q("text", "sans publicité"),
    _q("text", "chiffré"), _q("text", "coopérative"), _q("text", "Rennes"),
    _q("text", "refurbished hardware"),
    # Filters, with and without text.
    _q("filter", "pad", registration="none"), _q("filter", "visio", language="fr"),
    _q("filter", "cloud", country="FR"), _q("filter", "etherpad", country="BE"),
    _q("filter", "sondage", load="open"), _q("filter", "cloud", price="free"),
    _q("filter", "visio", registration="none", language="fr", country="FR"),
    _q("filter", "", category="video-calls"), _q("filter", "", software="etherpad"),
    _q("filter", "", registration="none", country="CH"),
    # Facets over everything: the browse pages (no text, every offer counted).
    _q("facets", ""), _q("facets", "", language="fr"), _q("facets", "", country="FR"),
    # Paging.
    _q("paging", "etherpad", page=2), _q("paging", "cloud", page=3), _q("paging", "pad", page=5),
    _q("paging", "", page=10),
    # Sentences people type: filler words, brand names, filter phrases, group sizes, software
    # nobody offers and empty readings (their pages propose the nearest non-empty ones).
    _q("sentence", "je voudrais remplacer Skype"), _q("sentence", "alternative à Doodle"),
    _q("sentence", "instead of Google Docs"), _q("sentence", "une visio sans compte"),
    _q("sentence", "video calls without an account"), _q("sentence", "gratuit"),
    _q("sentence", "sondage en anglais"), _q("sentence", "visio pour 30 personnes"),
    _q("sentence", "je cherche un gestionnaire de mots de passe"),
    _q("sentence", "something like Trello"), _q("sentence", "remplacer Dropbox gratuit"),
    _q("sentence", "zulip"), _q("sentence", "forum payant en breton"),
]
# fmt: on

# Cold queries: words never asked before in the process, each asked once after an index change
# (the first query of a new word pays for its postings, its fuzzy neighbours and its need's fair
# order of the day; later ones hit the caches).
COLD: list[Query] = [
    _q("cold", text)
    for text in (
        "je voudrais remplacer Skype pour la chorale",
        "outil de sondage pour notre club de randonnée",
        "un forum pour les parents d'élèves",
        "alternative à Trello pour une coopérative agricole",
        "partager des photos de vacances en famille",
        "wiki pour la documentation du fablab",
        "calendrier partagé pour la ludothèque",
        "instead of Dropbox for our choir",
        "video meeting for the allotment society",
        "kanban for a volunteer fire brigade",
        "newsletter for a bicycle repair workshop",
        "pastebin chiffré pour développeurs",
        "messagerie pour une amicale de pêcheurs",
        "blog pour une bibliothèque municipale",
        "mind map for brainstorming with pupils",
        "formulaire d'inscription pour un tournoi de pétanque",
        "raccourcisseur de liens pour une radio associative",
        "gestion de projet pour un théâtre amateur",
        "tableau blanc pour des cours de dessin",
        "dépenses partagées pour une colocation",
        "carte personnalisée des jardins partagés",
        "lecteur rss pour la veille juridique",
        "moteur de recherche sans pistage",
        "traduction de documents administratifs",
        "hébergement de site pour une épicerie solidaire",
        "cloud for a housing cooperative",
        "sondage de dates pour l'assemblée générale",
        "visio pour 25 personnes sans compte",
        "webinar for 60 people in English",
        "agenda for a climbing club",
        "calendrié partagé syndicat",
        "sondagge chorale",
        "nexcluod famille",
        "visoi parents",
        "écriture collaborative scénario",
        "streaming musical fanfare",
        "événement kermesse école",
        "signets recettes cuisine",
        "vpn cybercafé",
        "forge logicielle hackerspace",
    )
]

# A smaller mix for --quick (CI smoke): one of each kind, and then some.
QUICK = [q for i, q in enumerate(QUERIES) if i % 4 == 0]

# Another 40 such sentences, of other words, timed through the results page (`page_cold`): the
# layer's cold queries above have made theirs warm by then.
COLD_PAGE: list[Query] = [
    _q("cold", text)
    for text in (
        "je voudrais quitter WhatsApp pour un orchestre villageois",
        "questionnaire pour une enquête de quartier",
        "discussion entre bénévoles d'une banque alimentaire",
        "remplacer Slack pour une rédaction indépendante",
        "archives photographiques d'un collectif",
        "base de connaissances pour un atelier vélo",
        "planning des permanences d'une recyclerie",
        "instead of Zoom for our knitting circle",
        "conference call for the tenants union",
        "task board for a community orchard",
        "mailing for a chess federation",
        "partage de code source pour lycéens",
        "tchat pour une troupe de scouts",
        "journal en ligne d'une médiathèque rurale",
        "whiteboard for teaching astronomy",
        "adhésion en ligne pour un festival de cinéma",
        "adresses courtes pour une webradio étudiante",
        "suivi de chantier pour une ressourcerie",
        "croquis collaboratifs pour un cours de couture",
        "comptes communs pour un voyage scolaire",
        "plan interactif des composteurs collectifs",
        "agrégateur de flux pour la revue de presse",
        "recherche anonyme sur internet",
        "relecture collective de statuts associatifs",
        "site vitrine pour une bouquinerie",
        "storage for a bakery collective",
        "choix de créneau pour le conseil d'administration",
        "visio pour 45 personnes gratuit",
        "livestream for 80 people in French",
        "timetable for a rowing team",
        "calandrier orphéon paroisse",
        "sondaj brocante",
        "nextclud copropriété",
        "vizio petits-enfants",
        "rédaction partagée mémoire",
        "diffusion concert harmonie",
        "inscriptions marché de noël",
        "favoris randonneurs montagne",
        "tunnel sécurisé télétravail",
        "dépôt git makerspace",
    )
]
