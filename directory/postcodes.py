"""Postal codes → the area they belong to, offline, for hosts whose address names no town the
gazetteer knows ("Le Bourg, 38650 Gresse-en-Vercors") and for queries that give a French code
("pad 69003").

France: a code's first two digits are its department (2A/2B for Corsica's 200xx-201xx and
202xx-206xx, three digits overseas); the area is placed at the department's prefecture. Paris,
Lyon and Marseille's codes by district are the town itself. Belgium: a code's range is its
province, placed at the province's capital (bpost's ranges). Swiss codes follow the post's
routes, not the cantons, and are not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Department → (its name, its prefecture as GeoNames names it).
DEPARTMENTS: dict[str, tuple[str, str]] = {
    "01": ("Ain", "Bourg-en-Bresse"),
    "02": ("Aisne", "Laon"),
    "03": ("Allier", "Moulins"),
    "04": ("Alpes-de-Haute-Provence", "Digne-les-Bains"),
    "05": ("Hautes-Alpes", "Gap"),
    "06": ("Alpes-Maritimes", "Nice"),
    "07": ("Ardèche", "Privas"),
    "08": ("Ardennes", "Charleville-Mézières"),
    "09": ("Ariège", "Foix"),
    "10": ("Aube", "Troyes"),
    "11": ("Aude", "Carcassonne"),
    "12": ("Aveyron", "Rodez"),
    "13": ("Bouches-du-Rhône", "Marseille"),
    "14": ("Calvados", "Caen"),
    "15": ("Cantal", "Aurillac"),
    "16": ("Charente", "Angoulême"),
    "17": ("Charente-Maritime", "La Rochelle"),
    "18": ("Cher", "Bourges"),
    "19": ("Corrèze", "Tulle"),
    "2A": ("Corse-du-Sud", "Ajaccio"),
    "2B": ("Haute-Corse", "Bastia"),
    "21": ("Côte-d’Or", "Dijon"),
    "22": ("Côtes-d’Armor", "Saint-Brieuc"),
    "23": ("Creuse", "Guéret"),
    "24": ("Dordogne", "Périgueux"),
    "25": ("Doubs", "Besançon"),
    "26": ("Drôme", "Valence"),
    "27": ("Eure", "Évreux"),
    "28": ("Eure-et-Loir", "Chartres"),
    "29": ("Finistère", "Quimper"),
    "30": ("Gard", "Nîmes"),
    "31": ("Haute-Garonne", "Toulouse"),
    "32": ("Gers", "Auch"),
    "33": ("Gironde", "Bordeaux"),
    "34": ("Hérault", "Montpellier"),
    "35": ("Ille-et-Vilaine", "Rennes"),
    "36": ("Indre", "Châteauroux"),
    "37": ("Indre-et-Loire", "Tours"),
    "38": ("Isère", "Grenoble"),
    "39": ("Jura", "Lons-le-Saunier"),
    "40": ("Landes", "Mont-de-Marsan"),
    "41": ("Loir-et-Cher", "Blois"),
    "42": ("Loire", "Saint-Étienne"),
    "43": ("Haute-Loire", "Le Puy-en-Velay"),
    "44": ("Loire-Atlantique", "Nantes"),
    "45": ("Loiret", "Orléans"),
    "46": ("Lot", "Cahors"),
    "47": ("Lot-et-Garonne", "Agen"),
    "48": ("Lozère", "Mende"),
    "49": ("Maine-et-Loire", "Angers"),
    "50": ("Manche", "Saint-Lô"),
    "51": ("Marne", "Châlons-en-Champagne"),
    "52": ("Haute-Marne", "Chaumont"),
    "53": ("Mayenne", "Laval"),
    "54": ("Meurthe-et-Moselle", "Nancy"),
    "55": ("Meuse", "Bar-le-Duc"),
    "56": ("Morbihan", "Vannes"),
    "57": ("Moselle", "Metz"),
    "58": ("Nièvre", "Nevers"),
    "59": ("Nord", "Lille"),
    "60": ("Oise", "Beauvais"),
    "61": ("Orne", "Alençon"),
    "62": ("Pas-de-Calais", "Arras"),
    "63": ("Puy-de-Dôme", "Clermont-Ferrand"),
    "64": ("Pyrénées-Atlantiques", "Pau"),
    "65": ("Hautes-Pyrénées", "Tarbes"),
    "66": ("Pyrénées-Orientales", "Perpignan"),
    "67": ("Bas-Rhin", "Strasbourg"),
    "68": ("Haut-Rhin", "Colmar"),
    "69": ("Rhône", "Lyon"),
    "70": ("Haute-Saône", "Vesoul"),
    "71": ("Saône-et-Loire", "Mâcon"),
    "72": ("Sarthe", "Le Mans"),
    "73": ("Savoie", "Chambéry"),
    "74": ("Haute-Savoie", "Annecy"),
    "75": ("Paris", "Paris"),
    "76": ("Seine-Maritime", "Rouen"),
    "77": ("Seine-et-Marne", "Melun"),
    "78": ("Yvelines", "Versailles"),
    "79": ("Deux-Sèvres", "Niort"),
    "80": ("Somme", "Amiens"),
    "81": ("Tarn", "Albi"),
    "82": ("Tarn-et-Garonne", "Montauban"),
    "83": ("Var", "Toulon"),
    "84": ("Vaucluse", "Avignon"),
    "85": ("Vendée", "La Roche-sur-Yon"),
    "86": ("Vienne", "Poitiers"),
    "87": ("Haute-Vienne", "Limoges"),
    "88": ("Vosges", "Épinal"),
    "89": ("Yonne", "Auxerre"),
    "90": ("Territoire de Belfort", "Belfort"),
    "91": ("Essonne", "Évry-Courcouronnes"),
    "92": ("Hauts-de-Seine", "Nanterre"),
    "93": ("Seine-Saint-Denis", "Bobigny"),
    "94": ("Val-de-Marne", "Créteil"),
    "95": ("Val-d’Oise", "Pontoise"),
    "971": ("Guadeloupe", "Basse-Terre"),
    "972": ("Martinique", "Fort-de-France"),
    "973": ("Guyane", "Cayenne"),
    "974": ("La Réunion", "Saint-Denis"),
    "976": ("Mayotte", "Mamoudzou"),
}
# GeoNames lists the overseas departments as countries of their own.
OVERSEAS = {"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "976": "YT"}
# Codes by district: the town itself.
DISTRICTS = (
    (re.compile(r"750(?:0[1-9]|1\d|20)|75116"), "Paris"),
    (re.compile(r"6900[1-9]"), "Lyon"),
    (re.compile(r"130(?:0[1-9]|1[0-6])"), "Marseille"),
)
# Belgium: (first code, last code, province, its capital as GeoNames names it).
BELGIAN_PROVINCES: tuple[tuple[int, int, str, str], ...] = (
    (1000, 1299, "Bruxelles-Capitale", "Brussels"),
    (1300, 1499, "Brabant wallon", "Wavre"),
    (1500, 1999, "Vlaams-Brabant", "Leuven"),
    (2000, 2999, "Antwerpen", "Antwerpen"),
    (3000, 3499, "Vlaams-Brabant", "Leuven"),
    (3500, 3999, "Limburg", "Hasselt"),
    (4000, 4999, "Liège", "Liège"),
    (5000, 5999, "Namur", "Namur"),
    (6000, 6599, "Hainaut", "Mons"),
    (6600, 6999, "Luxembourg", "Arlon"),
    (7000, 7999, "Hainaut", "Mons"),
    (8000, 8999, "West-Vlaanderen", "Brugge"),
    (9000, 9999, "Oost-Vlaanderen", "Gent"),
)


@dataclass(frozen=True)
class Area:
    """Where a postal code is: its area's name, and the town standing for it."""

    name: str  # "Isère (38)", "Namur"; the town's own name for a district code ("Lyon")
    town: str  # as GeoNames names it
    town_country: str  # GeoNames' country of that town
    district: bool  # the code is one of the town's own (Paris, Lyon, Marseille)


def french_department(code: str) -> str | None:
    """The department of a French postal code ("38650" → "38", "20167" → "2A"), or None."""
    if not re.fullmatch(r"\d{5}", code):
        return None
    if code.startswith("97"):
        return code[:3] if code[:3] in DEPARTMENTS else None
    if code.startswith("20"):
        return "2A" if code[2] in "01" else "2B"
    return code[:2] if code[:2] in DEPARTMENTS else None


def area_of(code: str, country: str) -> Area | None:
    """The area of a postal code of `country` (FR or BE), or None."""
    if country == "FR":
        for pattern, town in DISTRICTS:
            if pattern.fullmatch(code):
                return Area(town, town, "FR", True)
        department = french_department(code)
        return None if department is None else _department(department)
    if country == "BE" and re.fullmatch(r"\d{4}", code):
        number = int(code)
        for first, last, province, capital in BELGIAN_PROVINCES:
            if first <= number <= last:
                return Area(province, capital, "BE", False)
    return None


def _department(department: str) -> Area:
    name, prefecture = DEPARTMENTS[department]
    return Area(f"{name} ({department})", prefecture, OVERSEAS.get(department, "FR"), False)
