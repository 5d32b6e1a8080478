#!/usr/bin/env python3
"""Generate Portée's demo federation: fictional hosts written as ChatonsInfos `.properties` files.

What this is
------------
A hand-written table of 36 fictional hosting organizations (CHATONS-style: associations,
collectives, cooperatives, a few small companies, one individual) spread over France, Belgium,
Switzerland, Québec, Luxembourg, Catalonia and Germany, with their services, turned into the
files such hosts publish: one federation file, one organization file per host, one service file
per service, linked by `subs.<id> = <URL>` lines.

`demo/hosts/<hostname>/<path>` mirrors URLs: the file served at `https://<hostname>/<path>` lives
at `demo/hosts/<hostname>/<path>`. The demo importer serves this folder as if each hostname were
a web server and crawls it from the federation file

    https://federation.portee.example/chatonsinfos/federation.properties

The output is committed to the repository so the demo needs no generation step. Run this script
(`python demo/generate.py`, Python 3.11, standard library only) after editing the table: it
deletes and recreates `demo/hosts/` and writes the same bytes every time (the only randomness is
`random.Random(2020)`, consumed in a fixed order; all `file.datetime` values are fixed).

Every name, domain (all under the reserved `.example` TLD), address and e-mail is invented.
Software names, web sites, licences and source URLs are those of the real free-software projects.

Variation, as found in the wild
-------------------------------
- Files served elsewhere than `https://<domain>/.well-known/chatonsinfos/`:
  Moutarde Libre and Les Ronrons de Seine publish from a shared forge,
  `https://git.communs.example/<org>/chatonsinfos/raw/branch/main/…`; Le Fournil Numérique
  (YunoHost) uses `https://fournil.example/.well_known/chatonsinfos/` (underscore);
  L'Alternative Phocéenne names its organization file `alternative-phoceenne.example.properties`.
- Relative `subs` URLs, to resolve against the file's own URL: Clapas Libre and Puy de Données
  (`subs.pad = pad.properties`), La Comtoise des Communs (`subs.pad = ./pad.properties`).
- Single-quoted `subs` values (YunoHost style, `subs.x = 'https://…'`): Le Fournil Numérique,
  Ar Gazh Digor, Jet d'Octets.
- Extension keys Portée reads: `organization.languages`, `service.languages` (ISO 639-1 codes,
  `;`-separated) and `service.price` (free, paid, donation); a few files leave them out.
- Locations: most hosts give coordinates (`organization.geolocation.*`); Moutarde Libre gives
  only its town as its address, Les Ronrons de Seine only its country, so "near me" and the
  map place them by town and by country (directory/geo.py).
- Promise keys (README, "Extension keys"): Cigogne Libre declares `organization.admins.count`,
  `organization.backups.tested` and `organization.closure.notice.days`, and its Jitsi service
  `service.capacity.participants`; the other hosts do not say. Every registered body
  (association, cooperative, company) declares `organization.privacy.url`; the informal
  collectives and the individual do not.

Oddities the importer must tolerate (file paths relative to demo/hosts/)
-------------------------------------------------------------------------
- `file.class` case variants: `Organization` (most files), `organization`
  (matou-alpes.example, gatlliure.example, cabane.example), `ORGANIZATION`
  (wolkenkater.example); service files say `service`, except `Service` at miaou-cloud.example
  and lemancoop.example.
- Dates: dd/MM/yyyy in most files, ISO yyyy-MM-dd in matou-alpes.example,
  miaou-cloud.example, lemancoop.example, erable.example, gatlliure.example,
  wolkenkater.example, jetdoctets.example (all their files).
- Decimal comma in coordinates (`45,7640`, `4,8357`):
  chatonlibre.example/.well-known/chatonsinfos/organization.properties.
- `key : value` and `key value` separators mixed in one file, plus `!` comments:
  bergamote.example/.well-known/chatonsinfos/organization.properties.
- `key=value` without spaces: porcelaine.example/.well-known/chatonsinfos/*.properties.
- Comments with `#` and `!`, section headers such as `# [Organisation]`: headers in most files;
  `!` comments in bergamote.example and wolkenkater.example (all their files); no comment at
  all in porcelaine.example and the Ronrons' files.
- Trailing-backslash line continuation in a long description:
  pelote.example/.well-known/chatonsinfos/organization.properties.
- `\\u00e9`-style escapes for every non-ASCII character: zinneke.example (all its files).
- `\\'` escaped apostrophes (`L\\'Alternative Phocéenne`): alternative-phoceenne.example
  (all its files).
- Latin-1 (ISO-8859-1) bytes instead of UTF-8:
  chatnormand.example/.well-known/chatonsinfos/organization.properties.
- A key in odd case, `Organization.Name` (no lowercase `organization.name` in that file):
  crassier.example/.well-known/chatonsinfos/organization.properties.
- A `subs` pointing to a service file that does not exist (the importer should report a 404):
  `subs.wiki` in terril.example/.well-known/chatonsinfos/organization.properties.
- Unknown keys: `metrics.http.hits.2020.months = 1;2;3` and other `metrics.*` lines
  (chatonlibre.example organization file; service files chatonlibre.example …/social.properties,
  breizhnuage.example …/cloud.properties, zinneke.example …/video.properties),
  `organization.funding.Tipee`
  (chatperche.example organization file).
- `service.enddate` in the past (31/08/2023, status still OK):
  cigogne.example/.well-known/chatonsinfos/calc.properties; planned future end dates in
  chatonlibre.example …/img.properties and jetdoctets.example …/pleroma.properties.
- `service.status.level = OVER`: matou-alpes.example/.well-known/chatonsinfos/calc.properties.
- Unknown software (not in Portée's catalogue): Paheko (fournil.example …/paheko.properties),
  Zammad (miaou-cloud.example …/support.properties), Hubzilla (erable.example …/hub.properties).
- Organization status: IDLE with `organization.status.description` (moutarde on the forge,
  ghjattu.example), AWAY with `organization.enddate` (pontnumerique.example).

Everything else is valid: every organization has a name, every existing service file has
`service.name` and `software.name`, and `service.registration` is one of None, Free, Member,
Client.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "hosts"

FEDERATION_URL = "https://federation.portee.example/chatonsinfos/federation.properties"
DEFAULT_DATETIME = "2026-11-01T10:00:00"
PROTOCOL = "ChatonsInfos-0.5"
FORGE = "git.communs.example"
# Registered bodies publish a privacy policy; the informal collectives and the individual of
# the demo do not say (their trust card shows "not said").
PRIVACY_DECLARED = ("ASSOCIATION", "COOPERATIVE", "COMPANY", "MICROCOMPANY")


def privacy_path(org) -> str:
    """The page's path in the host's language (Zinneke's matches its librehost.json)."""
    if org.legal == "impressum":
        return "datenschutz"
    if org.legal == "avis-legal":
        return "privacitat"
    return "vie-privee"


# ----------------------------------------------------------------------------------------------
# Software: display name, web site, licence, source, versions, sub-domain, kind, first year
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Software:
    name: str
    website: str
    license: str
    source: str
    versions: tuple[str, ...]
    sub: str
    kind: str
    since: int = 2014
    license_url: str = ""

    def licence_url(self) -> str:
        return self.license_url or f"https://spdx.org/licenses/{self.license}.html"


def sw(key, name, website, license, source, versions, sub, kind, since=2014, license_url=""):
    return key, Software(
        name, website, license, source, tuple(versions.split()), sub, kind, since, license_url
    )


# fmt: off
SOFTWARE = dict([
    sw("etherpad", "Etherpad", "https://etherpad.org/", "Apache-2.0",
       "https://github.com/ether/etherpad-lite", "1.8.18 1.9.7 2.0.3 2.2.6", "pad", "pad", 2011),
    sw("hedgedoc", "HedgeDoc", "https://hedgedoc.org/", "AGPL-3.0",
       "https://github.com/hedgedoc/hedgedoc", "1.9.9 1.10.0", "notes", "notes", 2020),
    sw("cryptpad", "CryptPad", "https://cryptpad.org/", "AGPL-3.0",
       "https://github.com/cryptpad/cryptpad", "2024.6.1 2024.9.0", "cryptpad", "cryptpad", 2017),
    sw("onlyoffice", "OnlyOffice", "https://www.onlyoffice.com/", "AGPL-3.0",
       "https://github.com/ONLYOFFICE/DocumentServer", "8.1.3 8.2.0", "office", "office", 2017),
    sw("collabora", "Collabora Online", "https://www.collaboraonline.com/", "MPL-2.0",
       "https://github.com/CollaboraOnline/online", "23.05.14 24.04.9", "office", "office", 2017),
    sw("ethercalc", "Ethercalc", "https://ethercalc.net/", "CPAL-1.0",
       "https://github.com/audreyt/ethercalc", "0.20200505.0 0.20201228.0", "calc", "calc", 2013),
    sw("jitsi", "Jitsi Meet", "https://jitsi.org/jitsi-meet/", "Apache-2.0",
       "https://github.com/jitsi/jitsi-meet", "stable-9457 stable-9646 stable-9823", "visio",
       "visio", 2016),
    sw("bbb", "BigBlueButton", "https://bigbluebutton.org/", "LGPL-3.0",
       "https://github.com/bigbluebutton/bigbluebutton", "2.7.12 3.0.1", "bbb", "webinar", 2015),
    sw("galene", "Galène", "https://galene.org/", "MIT", "https://github.com/jech/galene",
       "0.8.2 0.9.1", "galene", "visio", 2020),
    sw("mumble", "Mumble", "https://www.mumble.info/", "BSD-3-Clause",
       "https://github.com/mumble-voip/mumble", "1.4.287 1.5.634", "mumble", "voice", 2012),
    sw("framadate", "Framadate", "https://framadate.org/", "CECILL-B",
       "https://framagit.org/framasoft/framadate/framadate", "1.1.19 1.2.0-alpha.1", "date",
       "poll", 2014, "https://cecill.info/licences/Licence_CeCILL-B_V1-fr.html"),
    sw("rallly", "Rallly", "https://rallly.co/", "AGPL-3.0", "https://github.com/lukevella/rallly",
       "3.10.1 3.11.2", "rallly", "poll", 2022),
    sw("limesurvey", "LimeSurvey", "https://www.limesurvey.org/", "GPL-2.0-or-later",
       "https://github.com/LimeSurvey/LimeSurvey", "5.6.68 6.6.4", "enquetes", "survey", 2014),
    sw("yakforms", "Yakforms", "https://yakforms.org/", "GPL-2.0-only",
       "https://framagit.org/yakforms/yakforms", "1.1", "forms", "forms", 2021),
    sw("nextcloud", "Nextcloud", "https://nextcloud.com/", "AGPL-3.0",
       "https://github.com/nextcloud/server", "28.0.11 29.0.8 30.0.2", "cloud", "cloud", 2016),
    sw("seafile", "Seafile", "https://www.seafile.com/", "AGPL-3.0",
       "https://github.com/haiwen/seafile-server", "11.0.12", "seafile", "cloud", 2014),
    sw("lufi", "Lufi", "https://framagit.org/fiat-tux/hat-softwares/lufi", "AGPL-3.0",
       "https://framagit.org/fiat-tux/hat-softwares/lufi", "0.05.21 0.07.0", "drop", "drop", 2016),
    sw("lutim", "Lutim", "https://framagit.org/fiat-tux/hat-softwares/lutim", "AGPL-3.0",
       "https://framagit.org/fiat-tux/hat-softwares/lutim", "0.15.0 0.16.0", "img", "img", 2014),
    sw("psitransfer", "PsiTransfer", "https://github.com/psi-4ward/psitransfer", "BSD-2-Clause",
       "https://github.com/psi-4ward/psitransfer", "2.1.2 2.2.0", "transfer", "drop", 2017),
    sw("jirafeau", "Jirafeau", "https://gitlab.com/jirafeau/Jirafeau", "AGPL-3.0",
       "https://gitlab.com/jirafeau/Jirafeau", "4.5.0 4.6.2", "fichiers", "drop", 2014),
    sw("privatebin", "PrivateBin", "https://privatebin.info/", "Zlib",
       "https://github.com/PrivateBin/PrivateBin", "1.6.2 1.7.4 1.7.5", "paste", "paste", 2016),
    sw("lstu", "Lstu", "https://framagit.org/fiat-tux/hat-softwares/lstu", "WTFPL",
       "https://framagit.org/fiat-tux/hat-softwares/lstu", "0.26.0 0.28.0", "lien", "short", 2015),
    sw("yourls", "YOURLS", "https://yourls.org/", "MIT", "https://github.com/YOURLS/YOURLS",
       "1.9.2", "kurz", "short", 2014),
    sw("polr", "Polr", "https://polrproject.org/", "GPL-2.0-or-later",
       "https://github.com/cydrobolt/polr", "2.3.0", "s", "short", 2015),
    sw("mastodon", "Mastodon", "https://joinmastodon.org/", "AGPL-3.0",
       "https://github.com/mastodon/mastodon", "4.2.13 4.3.1", "social", "microblog", 2017),
    sw("pleroma", "Pleroma", "https://pleroma.social/", "AGPL-3.0",
       "https://git.pleroma.social/pleroma/pleroma", "2.6.3 2.7.0", "pleroma", "microblog", 2018),
    sw("akkoma", "Akkoma", "https://akkoma.social/", "AGPL-3.0",
       "https://akkoma.dev/AkkomaGang/akkoma", "3.13.2", "akkoma", "microblog", 2022),
    sw("gotosocial", "GoToSocial", "https://gotosocial.org/", "AGPL-3.0",
       "https://github.com/superseriousbusiness/gotosocial", "0.16.0 0.17.1", "gts", "microblog",
       2022),
    sw("peertube", "PeerTube", "https://joinpeertube.org/", "AGPL-3.0",
       "https://github.com/Chocobozzz/PeerTube", "6.2.1 6.3.3", "video", "video", 2018),
    sw("funkwhale", "Funkwhale", "https://www.funkwhale.audio/", "AGPL-3.0",
       "https://dev.funkwhale.audio/funkwhale/funkwhale", "1.4.0", "musique", "audio", 2019),
    sw("pixelfed", "Pixelfed", "https://pixelfed.org/", "AGPL-3.0",
       "https://github.com/pixelfed/pixelfed", "0.12.3 0.12.4", "photos", "photo", 2019),
    sw("piwigo", "Piwigo", "https://piwigo.org/", "GPL-2.0-or-later",
       "https://github.com/Piwigo/Piwigo", "14.5.0", "galerie", "gallery", 2012),
    sw("mobilizon", "Mobilizon", "https://joinmobilizon.org/", "AGPL-3.0",
       "https://framagit.org/framasoft/mobilizon", "4.1.0 5.1.0", "agenda", "events", 2020),
    sw("synapse", "Matrix Synapse", "https://element-hq.github.io/synapse/", "AGPL-3.0",
       "https://github.com/element-hq/synapse", "1.116.0 1.118.0", "matrix", "matrix", 2018),
    sw("element", "Element", "https://element.io/", "AGPL-3.0",
       "https://github.com/element-hq/element-web", "1.11.84 1.11.85", "element", "matrixweb",
       2020),
    sw("prosody", "Prosody", "https://prosody.im/", "MIT", "https://hg.prosody.im/",
       "0.12.4", "xmpp", "xmpp", 2014),
    sw("ejabberd", "ejabberd", "https://www.ejabberd.im/", "GPL-2.0-or-later",
       "https://github.com/processone/ejabberd", "24.07 24.10", "xmpp", "xmpp", 2012),
    sw("movim", "Movim", "https://movim.eu/", "AGPL-3.0", "https://github.com/movim/movim",
       "0.27.1 0.28", "movim", "xmppweb", 2016),
    sw("rocketchat", "Rocket.Chat", "https://www.rocket.chat/", "MIT",
       "https://github.com/RocketChat/Rocket.Chat", "6.12.1 6.13.0", "chat", "teamchat", 2016),
    sw("mattermost", "Mattermost", "https://mattermost.com/", "AGPL-3.0",
       "https://github.com/mattermost/mattermost", "9.11.4 10.1.2", "mattermost", "teamchat",
       2016),
    sw("discourse", "Discourse", "https://www.discourse.org/", "GPL-2.0-or-later",
       "https://github.com/discourse/discourse", "3.2.5 3.3.2", "forum", "forum", 2014),
    sw("flarum", "Flarum", "https://flarum.org/", "MIT", "https://github.com/flarum/flarum",
       "1.8.5", "forum", "forum", 2019),
    sw("dokuwiki", "DokuWiki", "https://www.dokuwiki.org/", "GPL-2.0-only",
       "https://github.com/dokuwiki/dokuwiki", "2024-02-06b", "wiki", "wiki", 2012),
    sw("mediawiki", "MediaWiki", "https://www.mediawiki.org/", "GPL-2.0-or-later",
       "https://gerrit.wikimedia.org/r/plugins/gitiles/mediawiki/core", "1.39.10 1.42.3", "wiki",
       "wiki", 2012),
    sw("bookstack", "BookStack", "https://www.bookstackapp.com/", "MIT",
       "https://github.com/BookStackApp/BookStack", "24.10.1", "docs", "wiki", 2017),
    sw("wikijs", "Wiki.js", "https://js.wiki/", "AGPL-3.0", "https://github.com/requarks/wiki",
       "2.5.304", "wiki", "wiki", 2019),
    sw("wekan", "Wekan", "https://wekan.github.io/", "MIT", "https://github.com/wekan/wekan",
       "7.61", "kanban", "kanban", 2016),
    sw("kanboard", "Kanboard", "https://kanboard.org/", "MIT",
       "https://github.com/kanboard/kanboard", "1.2.40", "kanban", "kanban", 2015),
    sw("scrumblr", "Scrumblr", "https://github.com/aliasaria/scrumblr", "GPL-3.0-only",
       "https://github.com/aliasaria/scrumblr", "0.2.0", "postit", "postit", 2016),
    sw("vaultwarden", "Vaultwarden", "https://github.com/dani-garcia/vaultwarden", "AGPL-3.0",
       "https://github.com/dani-garcia/vaultwarden", "1.32.4", "coffre", "passwords", 2019),
    sw("passbolt", "Passbolt", "https://www.passbolt.com/", "AGPL-3.0",
       "https://github.com/passbolt/passbolt_api", "4.9.1", "pass", "passwords", 2018),
    sw("umap", "uMap", "https://umap-project.org/", "AGPL-3.0",
       "https://github.com/umap-project/umap", "2.6.3 2.7.2", "carto", "map", 2016),
    sw("searxng", "SearXNG", "https://docs.searxng.org/", "AGPL-3.0",
       "https://github.com/searxng/searxng", "2024.11.17", "recherche", "search", 2021),
    sw("libretranslate", "LibreTranslate", "https://libretranslate.com/", "AGPL-3.0",
       "https://github.com/LibreTranslate/LibreTranslate", "1.6.2", "traduction", "translate",
       2021),
    sw("wordpress", "WordPress", "https://wordpress.org/", "GPL-2.0-or-later",
       "https://github.com/WordPress/WordPress", "6.6.2 6.7", "sites", "website", 2012),
    sw("grav", "Grav", "https://getgrav.org/", "MIT", "https://github.com/getgrav/grav",
       "1.7.48", "grav", "website", 2016),
    sw("yunohost", "YunoHost", "https://yunohost.org/", "AGPL-3.0",
       "https://github.com/YunoHost/yunohost", "11.3.0 12.0.6", "portail", "selfhost", 2015),
    sw("roundcube", "Roundcube", "https://roundcube.net/", "GPL-3.0-or-later",
       "https://github.com/roundcube/roundcubemail", "1.6.9", "webmail", "webmail", 2012),
    sw("snappymail", "SnappyMail", "https://snappymail.eu/", "AGPL-3.0",
       "https://github.com/the-djmaze/snappymail", "2.38.2", "webmail", "webmail", 2021),
    sw("sogo", "SOGo", "https://www.sogo.nu/", "GPL-2.0-or-later", "https://github.com/Alinto/sogo",
       "5.10.0 5.11.2", "mail", "groupware", 2012),
    sw("radicale", "Radicale", "https://radicale.org/", "GPL-3.0-or-later",
       "https://github.com/Kozea/Radicale", "3.2.3 3.3.0", "dav", "dav", 2014),
    sw("sympa", "Sympa", "https://www.sympa.community/", "GPL-2.0-or-later",
       "https://github.com/sympa-community/sympa", "6.2.72 6.2.74", "listes", "lists", 2012),
    sw("mailman", "Mailman", "https://list.org/", "GPL-3.0-or-later",
       "https://gitlab.com/mailman/mailman", "3.3.9", "listes", "lists", 2012),
    sw("wireguard", "WireGuard", "https://www.wireguard.com/", "GPL-2.0-only",
       "https://git.zx2c4.com/wireguard-tools/", "1.0.20210914", "vpn", "vpn", 2020),
    sw("openvpn", "OpenVPN", "https://openvpn.net/community/", "GPL-2.0-only",
       "https://github.com/OpenVPN/openvpn", "2.6.12", "vpn", "vpn", 2012),
    sw("gitea", "Gitea", "https://about.gitea.com/", "MIT", "https://github.com/go-gitea/gitea",
       "1.21.11 1.22.3", "git", "forge", 2017),
    sw("forgejo", "Forgejo", "https://forgejo.org/", "GPL-3.0-or-later",
       "https://codeberg.org/forgejo/forgejo", "8.0.3 9.0.1", "forge", "forge", 2023),
    sw("writefreely", "WriteFreely", "https://writefreely.org/", "AGPL-3.0",
       "https://github.com/writefreely/writefreely", "0.15.1", "ecrire", "blog", 2019),
    sw("freshrss", "FreshRSS", "https://freshrss.org/", "AGPL-3.0",
       "https://github.com/FreshRSS/FreshRSS", "1.24.3", "rss", "rss", 2014),
    sw("shaarli", "Shaarli", "https://shaarli.readthedocs.io/", "Zlib",
       "https://github.com/shaarli/Shaarli", "0.14.0", "liens", "bookmarks", 2014),
    sw("wallabag", "Wallabag", "https://wallabag.org/", "MIT",
       "https://github.com/wallabag/wallabag", "2.6.9", "lire", "readlater", 2015),
    sw("ihatemoney", "IHateMoney", "https://ihatemoney.org/", "BSD-3-Clause",
       "https://github.com/spiral-project/ihatemoney", "6.1.5", "comptes", "expenses", 2014),
    sw("wisemapping", "WiseMapping", "https://www.wisemapping.com/", "Apache-2.0",
       "https://github.com/wisemapping/wisemapping-open-source", "5.0.18 6.0.2", "cartes",
       "mindmap", 2016),
    sw("excalidraw", "Excalidraw", "https://excalidraw.com/", "MIT",
       "https://github.com/excalidraw/excalidraw", "0.17.6", "dessin", "whiteboard", 2021),
    sw("loomio", "Loomio", "https://www.loomio.com/", "AGPL-3.0",
       "https://github.com/loomio/loomio", "2.24.1", "decider", "decision", 2014),
    # Not in Portée's catalogue: the importer flags these as unknown software.
    sw("hubzilla", "Hubzilla", "https://hubzilla.org/", "MIT", "https://framagit.org/hubzilla/core",
       "9.4", "hub", "socialhub", 2016),
    sw("zammad", "Zammad", "https://zammad.org/", "AGPL-3.0", "https://github.com/zammad/zammad",
       "6.4.0", "support", "helpdesk", 2017),
    sw("paheko", "Paheko", "https://paheko.cloud/", "AGPL-3.0", "https://fossil.kd2.org/paheko/",
       "1.3.12", "paheko", "asso", 2021),
])

# What a kind of service is called and says about itself, and who may use it by default.
# registration: None (no account), Free (open sign-up), Member (members only).
KINDS: dict[str, dict] = {
    "pad": dict(label="Pad", reg="None", desc=[
        "Éditeur de texte collaboratif en temps réel : chacun écrit dans sa couleur, sans créer "
        "de compte.",
        "Des blocs-notes partagés pour rédiger à plusieurs, en direct, depuis un simple "
        "navigateur.",
        "Prise de notes collaborative pour vos réunions et comptes rendus ; les pads inactifs "
        "sont supprimés au bout d'un an."]),
    "notes": dict(label="Notes", reg="None", desc=[
        "Notes collaboratives en Markdown, avec présentation et export en un clic.",
        "Rédaction collaborative en Markdown, idéale pour la documentation et les comptes "
        "rendus."]),
    "cryptpad": dict(label="CryptPad", reg="None", desc=[
        "Suite collaborative chiffrée de bout en bout : textes, tableurs, présentations, "
        "kanban. Un compte est facultatif.",
        "Documents, tableurs et formulaires chiffrés ; nous ne pouvons pas lire vos contenus."]),
    "office": dict(label="Bureautique en ligne", reg="Member", desc=[
        "Édition de documents, tableurs et présentations au format ODF et OOXML, intégrée à "
        "notre cloud.",
        "Suite bureautique en ligne pour travailler à plusieurs sur les mêmes fichiers."]),
    "calc": dict(label="Tableur", reg="None", desc=[
        "Tableur collaboratif en ligne, sans inscription : partagez simplement l'adresse.",
        "Des feuilles de calcul à remplir à plusieurs en temps réel."]),
    "visio": dict(label="Visio", reg="None", desc=[
        "Visioconférence dans le navigateur, sans compte ni installation ; jusqu'à une "
        "vingtaine de participants.",
        "Réunions en vidéo, partage d'écran et tchat, sans inscription.",
        "Salons de visioconférence pour vos réunions associatives et familiales."]),
    "webinar": dict(label="Classe virtuelle", reg="Member", desc=[
        "Classes virtuelles et webinaires : tableau blanc, partage de documents, sous-groupes "
        "et enregistrement."]),
    "voice": dict(label="Salon audio", reg="None", desc=[
        "Serveur audio à faible latence pour les répétitions, les jeux en ligne et les "
        "réunions sans vidéo."]),
    "poll": dict(label="Sondages", reg="None", desc=[
        "Trouver une date de réunion ou faire un choix à plusieurs, sans inscription.",
        "Sondages de dates et de choix, simples et sans pistage.",
        "Planifiez vos rendez-vous : proposez des dates, vos invités cochent leurs "
        "disponibilités."]),
    "survey": dict(label="Enquêtes", reg="Member", desc=[
        "Questionnaires et enquêtes avancés, avec logique conditionnelle et statistiques."]),
    "forms": dict(label="Formulaires", reg="Free", desc=[
        "Créez des formulaires en ligne et collectez les réponses sans les confier à une "
        "multinationale."]),
    "cloud": dict(label="Cloud", reg="Member", desc=[
        "Stockage, partage et synchronisation de fichiers, agendas et contacts.",
        "Votre espace en ligne pour vos fichiers, agendas et carnets d'adresses, synchronisé "
        "sur tous vos appareils.",
        "Cloud personnel et collectif : fichiers, calendriers, contacts et dossiers partagés."]),
    "drop": dict(label="Partage de fichiers", reg="None", desc=[
        "Envoi de gros fichiers chiffrés dans le navigateur, supprimés automatiquement après "
        "expiration.",
        "Transférez des fichiers volumineux grâce à un lien temporaire.",
        "Dépôt de fichiers temporaire : envoyez, partagez le lien, c'est tout."]),
    "img": dict(label="Partage d'images", reg="None", desc=[
        "Hébergement d'images anonyme et temporaire, sans inscription."]),
    "paste": dict(label="Partage de texte", reg="None", desc=[
        "Partage de textes et de bouts de code chiffrés dans le navigateur ; le serveur "
        "ne voit rien.",
        "Un pastebin chiffré pour partager des textes qui s'autodétruisent."]),
    "short": dict(label="Raccourcisseur d'adresses", reg="None", desc=[
        "Raccourcissez les adresses trop longues, sans traceur.",
        "Des liens courts et sans pistage pour vos affiches et vos courriels."]),
    "microblog": dict(label="Réseau social", reg="Free", desc=[
        "Instance du fédivers : publiez des messages courts et suivez des comptes du monde "
        "entier.",
        "Micro-blogage libre et décentralisé, modéré par une équipe bénévole.",
        "Un réseau social sans publicité ni algorithme, relié à tout le fédivers."]),
    "video": dict(label="Vidéos", reg="Member", desc=[
        "Plateforme de vidéos fédérée : regardez librement, publiez avec un compte.",
        "Hébergement de vidéos pour les associations et collectifs du territoire."]),
    "audio": dict(label="Musique", reg="Free", desc=[
        "Écoutez et partagez musiques et podcasts sur une plateforme fédérée."]),
    "photo": dict(label="Photos", reg="Free", desc=[
        "Partage de photos fédéré, sans publicité ni algorithme."]),
    "gallery": dict(label="Galerie photo", reg="Member", desc=[
        "Galeries photo pour les associations : albums, droits d'accès et partage public."]),
    "events": dict(label="Événements", reg="Free", desc=[
        "Agenda d'événements et de groupes, une alternative libre aux événements des grands "
        "réseaux sociaux.",
        "Publiez vos événements et gérez les inscriptions, sans réseau social commercial."]),
    "matrix": dict(label="Messagerie Matrix", reg="Free", desc=[
        "Serveur Matrix : messagerie instantanée décentralisée, salons publics et appels.",
        "Messagerie instantanée fédérée et chiffrée de bout en bout."]),
    "matrixweb": dict(label="Client Element", reg="Free", desc=[
        "Client web pour discuter sur Matrix depuis le navigateur."]),
    "xmpp": dict(label="Messagerie XMPP", reg="Free", desc=[
        "Messagerie instantanée XMPP (Jabber), compatible avec tous les clients libres.",
        "Comptes XMPP pour discuter en privé ou en salon, chiffrement OMEMO."]),
    "xmppweb": dict(label="Réseau social XMPP", reg="Free", desc=[
        "Réseau social et messagerie basés sur XMPP, dans le navigateur."]),
    "teamchat": dict(label="Messagerie d'équipe", reg="Member", desc=[
        "Messagerie d'équipe avec canaux, fils de discussion et partage de fichiers.",
        "Discussions d'équipe organisées par canaux, pour vos projets et collectifs."]),
    "forum": dict(label="Forum", reg="Free", desc=[
        "Forum de discussion pour les collectifs, associations et curieux.",
        "Un forum pour s'entraider et débattre, hors des réseaux sociaux commerciaux."]),
    "wiki": dict(label="Wiki", reg="Member", desc=[
        "Wiki pour documenter vos projets à plusieurs.",
        "Documentation collaborative pour les associations hébergées."]),
    "kanban": dict(label="Kanban", reg="Free", desc=[
        "Tableaux kanban pour organiser les tâches d'un projet collectif.",
        "Gestion de projet visuelle : colonnes, cartes et échéances."]),
    "postit": dict(label="Post-it", reg="None", desc=[
        "Un mur de post-it virtuels pour vos ateliers et rétrospectives."]),
    "passwords": dict(label="Coffre-fort de mots de passe", reg="Member", desc=[
        "Gestionnaire de mots de passe chiffré, compatible avec les applications Bitwarden.",
        "Coffre-fort de mots de passe partagé pour les équipes."]),
    "map": dict(label="Cartes", reg="None", desc=[
        "Créez des cartes personnalisées sur fond OpenStreetMap et intégrez-les à votre site."]),
    "search": dict(label="Moteur de recherche", reg="None", desc=[
        "Métamoteur de recherche respectueux de la vie privée : ni pistage ni profilage."]),
    "translate": dict(label="Traduction", reg="None", desc=[
        "Traduction automatique libre, hébergée chez nous : vos textes ne partent pas ailleurs."]),
    "website": dict(label="Hébergement de sites", reg="Member", desc=[
        "Hébergement de sites web et de blogs pour les associations et petites structures.",
        "Votre site internet clé en main, installé, sauvegardé et mis à jour par nos soins."]),
    "selfhost": dict(label="Serveur mutualisé", reg="Member", desc=[
        "Un serveur YunoHost mutualisé : un compte donne accès à toutes les applications "
        "installées."]),
    "webmail": dict(label="Webmail", reg="Member", desc=[
        "Accès web à votre boîte aux lettres.",
        "Courriel consultable depuis n'importe quel navigateur."]),
    "groupware": dict(label="Messagerie et agenda", reg="Member", desc=[
        "Courriel, agendas et contacts partagés, synchronisés avec vos appareils."]),
    "dav": dict(label="Agendas et contacts", reg="Member", desc=[
        "Synchronisation d'agendas et de carnets d'adresses (CalDAV et CardDAV)."]),
    "lists": dict(label="Listes de diffusion", reg="Member", desc=[
        "Listes de discussion et de diffusion pour les associations.",
        "Listes de diffusion avec archives, modération et abonnement en ligne."]),
    "vpn": dict(label="VPN", reg="Member", desc=[
        "Un accès VPN pour naviguer depuis un réseau public sans être pisté."]),
    "forge": dict(label="Forge logicielle", reg="Free", desc=[
        "Forge logicielle : dépôts Git, tickets, relectures de code.",
        "Hébergement de code source pour les projets libres du coin."]),
    "blog": dict(label="Blog", reg="Free", desc=[
        "Une plateforme d'écriture minimaliste et fédérée pour tenir un blog."]),
    "rss": dict(label="Lecteur de flux", reg="Member", desc=[
        "Agrégateur de flux RSS et Atom pour suivre vos sites préférés sans algorithme."]),
    "bookmarks": dict(label="Marque-pages", reg="Member", desc=[
        "Marque-pages partagés et notes rapides, sans base de données."]),
    "readlater": dict(label="Lecture différée", reg="Free", desc=[
        "Enregistrez des articles pour les lire plus tard, sans publicité."]),
    "expenses": dict(label="Comptes partagés", reg="None", desc=[
        "Gérez les dépenses partagées d'un voyage ou d'une colocation."]),
    "mindmap": dict(label="Cartes mentales", reg="Free", desc=[
        "Créez et partagez des cartes heuristiques pour organiser vos idées."]),
    "whiteboard": dict(label="Tableau blanc", reg="None", desc=[
        "Un tableau blanc collaboratif pour dessiner des schémas à main levée."]),
    "decision": dict(label="Décisions collectives", reg="Free", desc=[
        "Prendre des décisions à plusieurs : discussions, propositions et votes."]),
    "socialhub": dict(label="Hub social", reg="Free", desc=[
        "Réseau social décentralisé avec identité nomade, blogs, agendas et partage de fichiers."]),
    "helpdesk": dict(label="Support", reg="Client", desc=[
        "Assistance par tickets pour nos clients : courriel, formulaire et tchat."]),
    "asso": dict(label="Gestion associative", reg="Member", desc=[
        "Gestion d'association : membres, cotisations, comptabilité et site web."]),
}

# Last sentence a host adds to its service descriptions, depending on its personality.
TAGLINES = {
    "ludique": ["Ronronnement garanti.", "Sans croquettes ni pisteurs.", "Miaou !"],
    "militant": ["Sans publicité ni pistage, sur du matériel reconditionné.",
                 "Vos données restent les vôtres."],
    "technique": ["Sauvegardes chiffrées quotidiennes et supervision permanente.",
                  "Mises à jour de sécurité sous 48 heures."],
    "familial": ["Pensé pour les débutant·es : on vous aide à démarrer.",
                 "Besoin d'aide ? Écrivez-nous, on répond vite."],
    "pragmatique": [],
}

# Descriptions for the two hosts that write in their own language.
FOREIGN = {
    "de": {
        "labels": {"pad": "Pad", "visio": "Videokonferenz", "cloud": "Cloud",
                   "microblog": "Mastodon-Instanz", "drop": "Dateiversand",
                   "short": "Kurzlinks"},
        "desc": {
            "pad": "Gemeinsam in Echtzeit Texte schreiben, ohne Anmeldung.",
            "visio": "Videokonferenzen im Browser, ohne Konto und ohne Installation.",
            "cloud": "Dateien, Kalender und Kontakte für unsere Mitglieder, synchronisiert auf "
                     "allen Geräten.",
            "microblog": "Unsere Instanz im Fediverse: kurze Nachrichten, keine Werbung, "
                         "kein Algorithmus.",
            "drop": "Große Dateien verschicken, Ende-zu-Ende-verschlüsselt und zeitlich "
                    "begrenzt.",
            "short": "Lange Adressen kürzen, ohne Tracking.",
        },
    },
    "ca": {
        "labels": {"pad": "Pad", "visio": "Videotrucades", "cloud": "Núvol",
                   "xmpp": "Missatgeria XMPP", "xmppweb": "Movim", "expenses": "Comptes "
                   "compartits"},
        "desc": {
            "pad": "Editor de text col·laboratiu en temps real, sense registre.",
            "visio": "Videoconferències des del navegador, sense compte ni instal·lació.",
            "cloud": "Fitxers, calendaris i contactes per a les sòcies de la cooperativa.",
            "xmpp": "Missatgeria instantània XMPP lliure i federada.",
            "xmppweb": "Xarxa social i missatgeria basades en XMPP, al navegador.",
            "expenses": "Gestioneu les despeses compartides d'un viatge o d'un pis.",
        },
    },
}

# fmt: on

# ----------------------------------------------------------------------------------------------
# Organizations
# ----------------------------------------------------------------------------------------------


@dataclass
class Org:
    slug: str
    name: str
    de: str  # "du Chaton Libre": how service names refer to the host
    short: str
    long: str
    type: str
    city: str
    address: str | None
    country: str  # as the host writes it
    cc: str
    lat: float | None
    lon: float | None
    langs: str | None
    domain: str
    email: str
    start: str
    personality: str
    services: list  # software keys, or (key, {overrides})
    chatons: tuple[str, str, str | None] | None = ("ACTIVE", "2018-01-01", None)
    status: tuple[str, str | None] = ("ACTIVE", None)
    enddate: str | None = None
    logo: bool = True
    contact_url: bool = True
    legal: str = "mentions-legales"
    mastodon: str | None = None
    peertube: str | None = None
    matrix: str | None = None
    xmpp: str | None = None
    liberapay: bool = False
    helloasso: bool = False
    dates: str = "fr"  # fr = dd/MM/yyyy, iso = yyyy-MM-dd
    file_class: str = "Organization"
    service_class: str = "service"
    location: str = "wellknown"  # wellknown, ynh, forge
    org_filename: str = "organization.properties"
    subs: str = "absolute"  # absolute, relative, dotrelative, quoted
    sep: str = " = "  # " = ", "=", or "mixed"
    escape: str = ""  # "", "unicode", "apostrophe"
    encoding: str = "utf-8"  # of the organization file only
    headers: bool = True
    bang_comments: bool = False
    use_short_description: bool = False
    member_price: str = "free"
    host_names: tuple[str, ...] = ()
    hosting: tuple[tuple[str, str], ...] = (("VIRTUAL", "HOSTEDSERVER"),)
    host_cc: tuple[tuple[str, str], ...] = ()
    install: tuple[str, ...] = ("PACKAGE",)
    datetime: str = DEFAULT_DATETIME
    generator: str = "édité à la main"
    extensions: bool = True  # writes organization/service.languages and service.price
    naming: str = "label"  # label: "Pad du Chaton Libre"; software: "Etherpad Chaton Libre"
    lang: str = "fr"  # language of the descriptions
    extra: list = field(default_factory=list)  # extra organization lines (key, value)
    missing: tuple[str, ...] = ()  # subs ids whose file is not written


# fmt: off
ORGS: list[Org] = [
    Org("chatonlibre", "Le Chaton Libre", "du Chaton Libre",
        "Hébergeur associatif lyonnais",
        "Le Chaton Libre est une association lyonnaise qui héberge des services en ligne libres, "
        "éthiques et loyaux pour les particuliers, les associations et les collectifs de la "
        "métropole. Nous animons aussi des ateliers mensuels de dégooglisation à la Croix-Rousse.",
        "ASSOCIATION", "Lyon", "14 rue des Tables Claudiennes, 69001 Lyon", "France", "FR",
        45.7640, 4.8357, "fr;en", "chatonlibre.example", "contact@chatonlibre.example",
        "2014-03-15", "ludique",
        ["etherpad", "ethercalc", "framadate", "jitsi",
         ("nextcloud", dict(reg="Free", desc="Un cloud de 2 Go offert à toute personne qui "
                            "le demande, plus pour les adhérent·es.")),
         "privatebin", "lufi",
         ("lutim", dict(enddate="2027-12-31", status=("WARNING",
                        "Fermeture programmée fin 2027 : pensez à récupérer vos images."))),
         ("mastodon", dict(load="FULL", metrics=1203)),
         ("peertube", dict(status=("WARNING",
                           "Transcodage ralenti : migration du stockage vidéo en cours."))),
         "mobilizon", "lstu", "searxng", "wekan"],
        chatons=("ACTIVE", "2016-10-10", None), mastodon="social", peertube="video",
        matrix="#chatonlibre:matrix.chatonlibre.example", liberapay=True, helloasso=True,
        member_price="donation", hosting=(("PHYSICAL", "HOSTEDBAY"), ("VIRTUAL", "HOSTEDBAY")),
        host_names=("Le Chaton Libre",), install=("PACKAGE", "CONTAINER", "SOURCES"),
        extra=[("metrics.http.hits.2020.months", "1;2;3"),
               ("metrics.http.hits.2025.months",
                "182340;171204;190877;176540;169320;150220;98710;91045;187300;201456;210998;"
                "176003"),
               ("metrics.http.visitors.2025.months",
                "8120;7988;8433;8012;7650;7012;5230;4987;8345;9011;9378;8120")]),
    Org("matou-alpes", "Matou des Alpes", "du Matou des Alpes",
        "Services libres au pied des montagnes",
        "Association grenobloise née dans un hackerspace, Matou des Alpes propose des outils "
        "collaboratifs aux associations, laboratoires et établissements scolaires de l'Isère. "
        "Nos serveurs sont hébergés dans un datacentre associatif de la cuvette.",
        "ASSOCIATION", "Grenoble", "5 place Saint-André, 38000 Grenoble", "France", "FR",
        45.1885, 5.7245, "fr;en;it", "matou-alpes.example", "bonjour@matou-alpes.example",
        "2012-09-01", "technique",
        [("etherpad", dict(name="Etherpad Lite")), "hedgedoc", "framadate", "jitsi", "bbb",
         ("nextcloud", dict(reg="Member")), "collabora", "privatebin", "lufi", "synapse",
         "element", "gitea",
         ("ethercalc", dict(status=("OVER", "Service arrêté : les tableurs ont migré vers "
                                    "Collabora Online.")))],
        chatons=("ACTIVE", "2017-04-01", None), dates="iso", file_class="organization",
        mastodon="toot", matrix="#accueil:matrix.matou-alpes.example", liberapay=True,
        hosting=(("PHYSICAL", "HOSTEDBAY"),), host_names=("Matou des Alpes",),
        install=("PACKAGE", "SOURCES", "CONTAINER"), legal="cgu",
        generator="make chatonsinfos (scripts maison)"),
    Org("breizhnuage", "Breizh Nuage", "de Breizh Nuage",
        "Le nuage libre et associatif de Haute-Bretagne",
        "Breizh Nuage rassemble des bénévoles rennais qui veulent reprendre la main sur leurs "
        "outils numériques. Les services sont réservés aux adhérent·es, à l'exception des "
        "outils sans compte ouverts à tous.",
        "ASSOCIATION", "Rennes", "22 rue de Saint-Malo, 35000 Rennes", "France", "FR",
        48.1173, -1.6778, "fr;br;en", "breizhnuage.example", "kenavo@breizhnuage.example",
        "2015-06-20", "militant",
        ["etherpad", "framadate",
         ("jitsi", dict(status=("ALERT", "Instabilité du pont vidéo au-delà de dix "
                                "participants, correctif en cours."))),
         ("nextcloud", dict(metrics=412)), "privatebin", "mastodon", "peertube", "discourse",
         "sympa", "dokuwiki",
         "radicale"],
        chatons=("ACTIVE", "2016-10-10", None), mastodon="social", peertube="video",
        helloasso=True, member_price="paid", hosting=(("VIRTUAL", "HOSTEDSERVER"),),
        host_names=("Centre de données Vilaine",), install=("PACKAGE", "CONTAINER")),
    Org("argazh", "Ar Gazh Digor", "d'Ar Gazh Digor",
        "Le chat ouvert du Finistère",
        "Ar Gazh Digor (« le chat ouvert » en breton) est un collectif informel brestois qui "
        "fait tourner quelques services sans inscription sur un serveur installé dans un local "
        "associatif.",
        "INFORMAL", "Brest", None, "France", "FR", 48.3904, -4.4861, "fr;br",
        "argazh.example", "degemer@argazh.example", "2019-11-05", "ludique",
        [("etherpad", dict(name="Etherpad Lite")), "framadate", "privatebin", "lufi"],
        chatons=("ACTIVE", "2021-02-01", None), subs="quoted", logo=False, contact_url=False,
        hosting=(("PHYSICAL", "HOME"),), host_names=("Ar Gazh Digor",),
        install=("DISTRIBUTION",), generator="chatonsinfos_ynh", naming="software"),
    Org("pelote", "La Pelote Numérique", "de la Pelote",
        "Coopérative toulousaine de services numériques libres",
        "La Pelote Numérique est une société coopérative d'intérêt collectif (SCIC) "
        "toulousaine qui réunit usagers, salariés et collectivités autour d'un même objectif : "
        "proposer des services numériques libres, sobres et accessibles, hébergés en Occitanie "
        "sur des serveurs reconditionnés. Nous accompagnons aussi les associations dans leur "
        "migration.",
        "COOPERATIVE", "Toulouse", "8 rue des Filatiers, 31000 Toulouse", "France", "FR",
        43.6047, 1.4442, "fr;oc;es;en", "pelote.example", "coop@pelote.example",
        "2018-01-10", "militant",
        ["etherpad", "cryptpad", "onlyoffice", "jitsi", ("bbb", dict(name="BBB")),
         "nextcloud", "framadate", "limesurvey", "mattermost", "peertube",
         ("wordpress", dict(reg="Client")), "sogo", "vaultwarden", "loomio"],
        chatons=("ACTIVE", "2018-06-15", None), peertube="video", mastodon="toot",
        xmpp="xmpp:salon@conference.pelote.example?join", helloasso=True,
        member_price="donation", hosting=(("VIRTUAL", "HOSTEDBAY"), ("PHYSICAL", "HOSTEDBAY")),
        host_names=("La Pelote Numérique",), install=("PACKAGE", "CONTAINER")),
    Org("alternative-phoceenne", "L'Alternative Phocéenne", "de l'Alternative Phocéenne",
        "L'Alternative numérique marseillaise",
        "L'Alternative Phocéenne est une association marseillaise d'éducation populaire au "
        "numérique. Elle héberge des outils libres pour les associations de quartier et "
        "organise des permanences d'entraide à la Belle de Mai.",
        "ASSOCIATION", "Marseille", "41 rue Jobin, 13003 Marseille", "France", "FR",
        43.2965, 5.3698, "fr;ar;en", "alternative-phoceenne.example",
        "salut@alternative-phoceenne.example", "2017-05-12", "familial",
        ["etherpad", "ethercalc", "framadate", "jitsi", "nextcloud", "pixelfed", "mobilizon"],
        chatons=("ACTIVE", "2018-02-01", None), escape="apostrophe",
        org_filename="alternative-phoceenne.example.properties", mastodon="toot",
        helloasso=True, hosting=(("VIRTUAL", "HOSTEDSERVER"),),
        host_names=("Hébergeur Méditerranée",), install=("PACKAGE",)),
    Org("terril", "Le Terril Numérique", "du Terril",
        "Des services libres du Nord",
        "Association lilloise fondée par d'anciens animateurs d'espace public numérique, le "
        "Terril Numérique propose des services simples et sans inscription.",
        "ASSOCIATION", "Lille", "3 rue de Gand, 59800 Lille", "France", "FR",
        50.6292, 3.0573, "fr;nl;en", "terril.example", "contact@terril.example",
        "2016-02-28", "familial",
        ["etherpad", "framadate", "jitsi", "lufi", "mastodon"],
        chatons=("ACTIVE", "2017-10-01", None), mastodon="social", liberapay=True,
        hosting=(("VIRTUAL", "HOSTEDSERVER"),), host_names=("Centre de données des Flandres",),
        missing=("wiki",)),
    Org("cigogne", "Cigogne Libre", "de Cigogne Libre",
        "Hébergeur libre alsacien",
        "Cigogne Libre est une association strasbourgeoise qui promeut le logiciel libre en "
        "Alsace et héberge des services pour ses membres et le grand public, des deux côtés "
        "du Rhin.",
        "ASSOCIATION", "Strasbourg", "10 quai des Bateliers, 67000 Strasbourg", "France", "FR",
        48.5734, 7.7521, "fr;de;en", "cigogne.example", "info@cigogne.example",
        "2015-09-09", "pragmatique",
        ["etherpad",
         ("ethercalc", dict(enddate="2023-08-31")),
         "framadate", ("jitsi", dict(capacity=50)), "nextcloud", "privatebin", "funkwhale",
         "forgejo"],
        chatons=("ACTIVE", "2017-04-01", None), mastodon="toot", liberapay=True,
        hosting=(("VIRTUAL", "HOSTEDSERVER"),), host_cc=(("Allemagne", "DE"),),
        host_names=("Rechenzentrum Kehl",), install=("PACKAGE", "CONTAINER"),
        extra=[("organization.admins.count", "4"),
               ("organization.backups.tested", "12/10/2026"),
               ("organization.closure.notice.days", "90")]),
    Org("chatperche", "Chat-Perché", "de Chat-Perché",
        "Services libres nantais",
        "Chat-Perché est une association nantaise qui héberge des services libres depuis 2013. "
        "Toute l'infrastructure est administrée par des bénévoles lors de soirées ouvertes à "
        "tous.",
        "ASSOCIATION", "Nantes", "17 rue Kervégan, 44000 Nantes", "France", "FR",
        47.2184, -1.5536, "fr;en", "chatperche.example", "miaou@chatperche.example",
        "2013-04-04", "ludique",
        ["etherpad", "framadate", "jitsi", "nextcloud", "peertube", "mastodon", "kanboard",
         "yakforms"],
        chatons=("ACTIVE", "2016-10-10", None), mastodon="social", peertube="video",
        liberapay=True, hosting=(("PHYSICAL", "HOSTEDBAY"),), host_names=("Chat-Perché",),
        extra=[("organization.funding.Tipee", "https://tipee.example/chatperche")]),
    Org("portdelalune", "Les Chats de la Lune", "des Chats de la Lune",
        "Hébergeur bordelais",
        "Les Chats de la Lune hébergent, depuis Bordeaux, des outils libres pour les "
        "associations culturelles et les tiers-lieux de Gironde.",
        "ASSOCIATION", "Bordeaux", "26 quai des Chartrons, 33000 Bordeaux", "France", "FR",
        44.8378, -0.5792, "fr;en;es", "portdelalune.example", "contact@portdelalune.example",
        "2019-03-21", "familial",
        ["etherpad", "framadate", "nextcloud", "lufi", "privatebin", "excalidraw"],
        chatons=("ACTIVE", "2020-04-15", None), helloasso=True,
        hosting=(("VIRTUAL", "OUTSOURCED"),), host_names=("Nuage Aquitain",)),
    Org("clapas", "Clapas Libre", "du Clapas",
        "Le numérique libre à Montpellier",
        "Clapas Libre est un collectif associatif montpelliérain qui fait vivre des services "
        "libres et accompagne les associations héraultaises vers des outils respectueux de "
        "leurs données.",
        "ASSOCIATION", "Montpellier", "9 rue de l'Université, 34000 Montpellier", "France", "FR",
        43.6108, 3.8767, "fr;oc;en", "clapas.example", "contact@clapas.example",
        "2014-10-01", "militant",
        [("etherpad", dict(sid="pad")), "ethercalc", "framadate",
         ("rallly", dict(label="Rendez-vous")), "jitsi", "nextcloud", "privatebin", "mastodon",
         "umap", "libretranslate", "writefreely"],
        chatons=("ACTIVE", "2017-04-01", None), subs="relative", mastodon="social",
        liberapay=True, hosting=(("VIRTUAL", "HOSTEDSERVER"), ("PHYSICAL", "HOSTEDBAY")),
        host_names=("Clapas Libre",), install=("PACKAGE", "CONTAINER")),
    Org("puydedonnees", "Puy de Données", "de Puy de Données",
        "Services libres en Auvergne",
        "Puy de Données est une jeune association clermontoise qui propose quelques services "
        "libres et des ateliers d'initiation dans les médiathèques du Puy-de-Dôme.",
        "ASSOCIATION", "Clermont-Ferrand", "4 rue du Port, 63000 Clermont-Ferrand", "France",
        "FR", 45.7772, 3.0870, "fr", "puydedonnees.example", "contact@puydedonnees.example",
        "2020-05-11", "familial",
        ["etherpad", "framadate", "nextcloud", "jirafeau"],
        chatons=("ACTIVE", "2021-06-01", None), subs="relative", helloasso=True,
        hosting=(("VIRTUAL", "HOSTEDSERVER"),), host_names=("Datacentre des Dômes",)),
    Org("moutarde", "Moutarde Libre", "de Moutarde Libre",
        "Collectif dijonnais de services libres",
        "Moutarde Libre est un petit collectif dijonnais né pendant le confinement de 2020 pour "
        "offrir des outils d'écriture collaborative et de sondage aux écoles du quartier.",
        "INFORMAL", "Dijon", "Dijon", "France", "FR", None, None, "fr",
        "moutarde.example", "moutarde@moutarde.example", "2020-04-01", "pragmatique",
        ["etherpad", "framadate", "privatebin"],
        chatons=("ACTIVE", "2020-10-01", None),
        status=("IDLE", "Le collectif fait une pause : les services restent en ligne mais "
                "les nouvelles demandes attendront la rentrée."),
        location="forge", logo=False, legal="cgu", hosting=(("NANO", "HOME"),),
        host_names=("Moutarde Libre",), datetime="2026-03-14T18:30:00",
        generator="à la main"),
    Org("chatondeloire", "Chaton de Loire", "Chaton de Loire",
        "Hébergement libre pour les TPE de Touraine",
        "Chaton de Loire est une micro-entreprise tourangelle qui installe et maintient des "
        "services libres pour les artisans, indépendants et petites entreprises, avec un "
        "support de proximité.",
        "MICROCOMPANY", "Tours", "31 rue Colbert, 37000 Tours", "France", "FR",
        47.3941, 0.6848, "fr;en", "chatondeloire.example", "devis@chatondeloire.example",
        "2019-07-01", "pragmatique",
        [("nextcloud", dict(reg="Client")), ("wordpress", dict(reg="Client")),
         ("roundcube", dict(reg="Client")), ("vaultwarden", dict(reg="Client")), "etherpad",
         "jitsi", ("grav", dict(reg="Client")), ("wireguard", dict(reg="Client"))],
        chatons=("ACTIVE", "2020-04-15", None), hosting=(("VIRTUAL", "HOSTEDSERVER"),),
        host_names=("Centre de données Val de Loire",), install=("PACKAGE", "CONTAINER"),
        naming="software"),
    Org("pictonuage", "Le Pictonuage", "du Pictonuage",
        "Un nuage libre en Poitou",
        "Le Pictonuage est une association poitevine qui héberge des services libres pour "
        "les étudiants, les associations et les habitants de la Vienne.",
        "ASSOCIATION", "Poitiers", "12 rue de la Cathédrale, 86000 Poitiers", "France", "FR",
        46.5802, 0.3404, "fr;en", "pictonuage.example", "contact@pictonuage.example",
        "2018-09-15", "ludique",
        ["etherpad", "framadate", "nextcloud", "lufi", "wallabag", "piwigo"],
        chatons=("ACTIVE", "2019-05-01", None), liberapay=True, mastodon="toot",
        hosting=(("VIRTUAL", "HOSTEDSERVER"),), host_names=("Le Pictonuage",)),
    Org("comtoise", "La Comtoise des Communs", "de la Comtoise",
        "Des communs numériques en Franche-Comté",
        "La Comtoise des Communs est une association bisontine qui considère les outils "
        "numériques comme des communs : ils sont gérés collectivement, documentés et ouverts "
        "à tous.",
        "ASSOCIATION", "Besançon", "6 rue Mégevand, 25000 Besançon", "France", "FR",
        47.2378, 6.0241, "fr;en", "comtoise.example", "contact@comtoise.example",
        "2017-01-20", "militant",
        ["etherpad", "ethercalc", "framadate", "jitsi", "mediawiki"],
        chatons=("ACTIVE", "2018-06-15", None), subs="dotrelative", helloasso=True,
        hosting=(("PHYSICAL", "HOSTEDBAY"),), host_names=("La Comtoise des Communs",)),
    Org("bergamote", "Bergamote Numérique", "de Bergamote",
        "L'hébergeur libre de Nancy",
        "Bergamote Numérique est une association nancéienne qui héberge des services libres et "
        "anime des install-parties à la Ville-Vieille.",
        "ASSOCIATION", "Nancy", "18 Grande Rue, 54000 Nancy", "France", "FR",
        48.6921, 6.1844, "fr;de", "bergamote.example", "contact@bergamote.example",
        "2016-11-12", "familial",
        ["etherpad", "framadate", "jitsi", "nextcloud", "freshrss", "wisemapping"],
        chatons=("ACTIVE", "2017-10-01", None), sep="mixed", bang_comments=True,
        hosting=(("VIRTUAL", "HOSTEDSERVER"),), host_names=("Centre de données Lorraine",)),
    Org("chatnormand", "Le Chat Normand", "du Chat Normand",
        "Hébergeur associatif caennais",
        "Le Chat Normand est une association caennaise créée en 2021 par des bibliothécaires "
        "et des développeurs, qui héberge des outils libres et sans inscription.",
        "ASSOCIATION", "Caen", "7 rue Écuyère, 14000 Caen", "France", "FR",
        49.1829, -0.3707, "fr;en", "chatnormand.example", "contact@chatnormand.example",
        "2021-01-09", "familial",
        ["etherpad", "framadate", "privatebin", "lufi"],
        chatons=("ACTIVE", "2022-03-01", None), encoding="latin-1",
        hosting=(("VIRTUAL", "HOSTEDSERVER"),), host_names=("Centre de données Normandie",)),
    Org("ronrons", "Les Ronrons de Seine", "des Ronrons",
        "Collectif rouennais",
        "Un groupe d'amis rouennais qui partage ses pads et ses sondages avec qui veut, "
        "depuis un petit serveur loué.",
        "INFORMAL", "Rouen", None, "France", "FR", None, None, None,
        "ronrons.example", "ronrons@ronrons.example", "2021-09-18", "ludique",
        ["etherpad", "ethercalc", "framadate"],
        chatons=None, location="forge", logo=False, contact_url=False, headers=False,
        hosting=(("VIRTUAL", "OUTSOURCED"),), host_names=("Nuage Seine",),
        extensions=False, generator="à la main"),
    Org("pontnumerique", "Le Pont Numérique", "du Pont Numérique",
        "Services libres en Vaucluse",
        "Le Pont Numérique a hébergé des services libres pour les compagnies de théâtre et les "
        "associations du Vaucluse. L'association a cessé son activité en 2025.",
        "ASSOCIATION", "Avignon", "2 rue Joseph Vernet, 84000 Avignon", "France", "FR",
        43.9493, 4.8055, "fr;en", "pontnumerique.example", "contact@pontnumerique.example",
        "2017-03-01", "pragmatique",
        ["etherpad", "framadate", "nextcloud"],
        chatons=("AWAY", "2018-02-01", "2025-09-01"), status=("AWAY", None),
        enddate="2025-06-30", hosting=(("VIRTUAL", "HOSTEDSERVER"),),
        host_names=("Centre de données Rhodanien",), datetime="2025-05-20T09:12:44"),
    Org("logatbearnes", "Lo Gat Bearnés", "de Lo Gat Bearnés",
        "Hébergement personnel béarnais",
        "Lo Gat Bearnés est l'hébergement personnel d'une administratrice système paloise, "
        "qui ouvre quelques services à ses proches et à qui le demande gentiment.",
        "INDIVIDUAL", "Pau", None, "France", "FR", 43.2951, -0.3708, "fr;oc;es",
        "logatbearnes.example", "adishatz@logatbearnes.example", "2022-02-14", "technique",
        ["searxng", "privatebin", ("gotosocial", dict(reg="Member")), "shaarli"],
        chatons=("ACTIVE", "2023-03-01", None), logo=False, hosting=(("NANO", "HOME"),),
        host_names=("Lo Gat Bearnés",), install=("CONTAINER",),
        use_short_description=True),
    Org("fournil", "Le Fournil Numérique", "du Fournil",
        "Services libres du plateau de Millevaches",
        "Le Fournil Numérique est une association d'Eymoutiers qui fait tourner un serveur "
        "YunoHost dans l'ancien fournil du village, au service des habitants et des "
        "associations du plateau de Millevaches.",
        "ASSOCIATION", "Eymoutiers", "Place du Champ de Foire, 87120 Eymoutiers", "France", "FR",
        45.7394, 1.7419, None, "fournil.example", "fournil@fournil.example",
        "2019-06-01", "familial",
        [("yunohost", dict(sid="yunohost")), ("nextcloud", dict(sid="nextcloud")),
         ("etherpad", dict(sid="etherpad_mypads", name="etherpad-lite")),
         ("lufi", dict(sid="lufi")), ("roundcube", dict(sid="roundcube")),
         ("paheko", dict(sid="paheko"))],
        chatons=("ACTIVE", "2020-10-01", None), location="ynh", subs="quoted",
        hosting=(("PHYSICAL", "HOME"),), host_names=("Le Fournil Numérique",),
        install=("DISTRIBUTION",), generator="chatonsinfos_ynh", naming="software",
        extensions=False),
    Org("cabane", "La Cabane Numérique", "de la Cabane",
        "Des outils libres dans le Diois",
        "Un collectif d'habitants de Die et des villages alentour qui partage un petit serveur "
        "pour les associations, l'école et le marché de producteurs.",
        "INFORMAL", "Die", "Rue Camille Buffardel, 26150 Die", "France", "FR",
        44.7537, 5.3704, "fr", "cabane.example", "cabane@cabane.example",
        "2023-04-22", "familial",
        ["etherpad", "framadate", ("jitsi", dict(name="Jitsi")), "polr"],
        chatons=None, file_class="organization", logo=False, hosting=(("NANO", "HOME"),),
        host_names=("La Cabane Numérique",), use_short_description=True),
    Org("miaou-cloud", "Miaou Cloud", "Miaou Cloud",
        "Cloud souverain et libre pour les organisations",
        "Miaou Cloud est une entreprise parisienne qui propose aux associations, collectivités "
        "et PME une suite collaborative entièrement libre, hébergée en France, avec contrat de "
        "service et support.",
        "COMPANY", "Paris", "58 rue de la Roquette, 75011 Paris", "France", "FR",
        48.8566, 2.3522, "fr;en;de", "miaou-cloud.example", "hello@miaou-cloud.example",
        "2016-05-02", "technique",
        [("nextcloud", dict(reg="Client")), ("collabora", dict(reg="Client")),
         ("sogo", dict(reg="Client")), ("passbolt", dict(reg="Client")),
         ("wordpress", dict(reg="Client")), ("mattermost", dict(reg="Client")),
         ("zammad", dict(reg="Client")), ("openvpn", dict(reg="Client")),
         ("seafile", dict(reg="Client", load="FULL")), "jitsi", "etherpad", "privatebin",
         ("bookstack", dict(reg="Client"))],
        chatons=("ACTIVE", "2019-05-01", None), dates="iso", service_class="Service",
        mastodon="toot", hosting=(("CLOUD", "HOSTEDSERVER"), ("VIRTUAL", "HOSTEDSERVER")),
        host_names=("Miaou Cloud",), install=("PACKAGE", "CONTAINER", "TOOLING"),
        generator="miaou-infra 2.4 (ansible)",
        legal="cgv", naming="software"),
    Org("crassier", "Crassier Libre", "du Crassier",
        "Numérique libre à Saint-Étienne",
        "Crassier Libre est une association stéphanoise qui héberge des outils de "
        "communication libres pour les associations sportives et culturelles de la Loire.",
        "ASSOCIATION", "Saint-Étienne", "11 rue des Martyrs de Vingré, 42000 Saint-Étienne",
        "France", "FR", 45.4397, 4.3872, "fr", "crassier.example", "contact@crassier.example",
        "2018-10-06", "pragmatique",
        ["etherpad", "framadate", "jitsi", "mumble"],
        chatons=("ACTIVE", "2019-11-01", None), hosting=(("VIRTUAL", "HOSTEDSERVER"),),
        host_names=("Centre de données Forez",)),
    Org("porcelaine", "Porcelaine Numérique", "Porcelaine",
        "Hébergement libre en Limousin",
        "Porcelaine Numérique est une entreprise individuelle limougeaude qui héberge sites et "
        "outils collaboratifs pour les indépendants et les associations, avec des tarifs "
        "solidaires.",
        "MICROCOMPANY", "Limoges", "15 rue de la Boucherie, 87000 Limoges", "France", "FR",
        45.8336, 1.2611, "fr", "porcelaine.example", "contact@porcelaine.example",
        "2020-09-01", "pragmatique",
        [("nextcloud", dict(reg="Client")), ("wordpress", dict(reg="Client")),
         ("snappymail", dict(reg="Client")), "etherpad", "framadate"],
        chatons=("ACTIVE", "2021-06-01", None), sep="=", headers=False,
        hosting=(("VIRTUAL", "HOSTEDSERVER"),), host_names=("Porcelaine Numérique",),
        legal="cgv"),
    Org("ghjattu", "Ghjattu Liberu", "de Ghjattu Liberu",
        "Services libres en Corse",
        "Ghjattu Liberu est un collectif ajaccien qui héberge quelques services libres pour "
        "les associations insulaires.",
        "INFORMAL", "Ajaccio", None, "France", "FR", 41.9192, 8.7386, "fr;co",
        "ghjattu.example", "salute@ghjattu.example", "2021-05-05", "ludique",
        [("etherpad", dict(status=("ALERT", "Serveur en sommeil : les pads sont en lecture "
                                   "seule pour le moment."))),
         "framadate", "privatebin"],
        chatons=("ACTIVE", "2022-03-01", None),
        status=("IDLE", "En pause pendant la recherche d'un nouveau local et de nouveaux "
                "bénévoles."),
        logo=False, hosting=(("PHYSICAL", "HOME"),), host_names=("Ghjattu Liberu",),
        datetime="2026-02-02T21:05:00"),
    Org("ardoises", "Les Ardoises Numériques", "des Ardoises",
        "Hébergeur angevin",
        "Les Ardoises Numériques sont une association angevine qui héberge des services libres "
        "pour les écoles, les associations et les familles du Maine-et-Loire.",
        "ASSOCIATION", "Angers", "20 rue Saint-Laud, 49100 Angers", "France", "FR",
        47.4784, -0.5632, "fr;en", "ardoises.example", "contact@ardoises.example",
        "2017-09-16", "familial",
        ["etherpad", "ethercalc", "jitsi", "nextcloud", "peertube", "hedgedoc"],
        chatons=("ACTIVE", "2018-06-15", None), peertube="video", helloasso=True,
        hosting=(("VIRTUAL", "HOSTEDSERVER"),), host_names=("Centre de données Anjou",)),
    Org("chatperron", "Le Chat Perron", "du Chat Perron",
        "Hébergeur libre liégeois",
        "Le Chat Perron est une ASBL liégeoise qui héberge des services libres pour le "
        "secteur associatif de Wallonie et organise des cafés vie privée en Outremeuse.",
        "ASSOCIATION", "Liège", "Rue Hors-Château 30, 4000 Liège", "Belgique", "BE",
        50.6326, 5.5797, "fr;wa;nl;en", "chatperron.example", "bonjou@chatperron.example",
        "2018-04-18", "ludique",
        ["etherpad", "framadate", "jitsi", "nextcloud", "lufi", "akkoma"],
        chatons=("ACTIVE", "2019-05-01", None), liberapay=True,
        hosting=(("VIRTUAL", "HOSTEDSERVER"),), host_names=("Centre de données Meuse",)),
    Org("zinneke", "Zinneke Numérique", "de Zinneke",
        "Services libres bruxellois, bilingues et ouverts",
        "Zinneke Numérique est une ASBL bruxelloise qui héberge des services libres pour les "
        "associations de la capitale, en français et en néerlandais. Nous participons aussi "
        "à des fêtes de quartier pour faire découvrir le fédivers.",
        "ASSOCIATION", "Bruxelles", "Rue de Flandre 46, 1000 Bruxelles", "Belgique", "BE",
        50.8503, 4.3517, "fr;nl;en", "zinneke.example", "info@zinneke.example",
        "2015-02-02", "militant",
        ["etherpad", "ethercalc", "framadate", "jitsi", "nextcloud", "mastodon",
         ("peertube", dict(metrics=87)),
         ("rocketchat", dict(status=("WARNING", "Mise à jour majeure en préparation ; "
                                     "coupures possibles le soir."))),
         "mailman"],
        chatons=("ACTIVE", "2017-04-01", None), escape="unicode", mastodon="social",
        peertube="video", matrix="#zinneke:matrix.zinneke.example", liberapay=True,
        hosting=(("VIRTUAL", "HOSTEDBAY"),), host_names=("Zinneke Numérique",),
        install=("PACKAGE", "CONTAINER"), generator="édité à la main, puis native2ascii"),
    Org("jetdoctets", "Jet d'Octets", "de Jet d'Octets",
        "Le jet d'eau numérique genevois",
        "Jet d'Octets est une association genevoise qui héberge des services libres et "
        "éthiques, au plus près des associations du canton.",
        "ASSOCIATION", "Genève", "Rue de la Servette 15, 1201 Genève", "Suisse", "CH",
        46.2044, 6.1432, "fr;en", "jetdoctets.example", "contact@jetdoctets.example",
        "2019-09-09", "technique",
        ["etherpad", "framadate", "jitsi", "privatebin",
         ("pleroma", dict(enddate="2027-03-31", status=("WARNING", "Migration vers Akkoma "
                                                         "prévue au printemps 2027.")))],
        chatons=("ACTIVE", "2020-10-01", None), subs="quoted", dates="iso",
        hosting=(("VIRTUAL", "HOSTEDSERVER"),), host_names=("Centre de calcul Léman",)),
    Org("lemancoop", "Léman Libre Coop", "de Léman Libre",
        "Coopérative lausannoise de services numériques",
        "Léman Libre Coop est une coopérative lausannoise qui fournit aux associations et "
        "PME romandes des outils collaboratifs libres hébergés en Suisse.",
        "COOPERATIVE", "Lausanne", "Rue de Bourg 20, 1003 Lausanne", "Suisse", "CH",
        46.5197, 6.6323, "fr;de;en", "lemancoop.example", "info@lemancoop.example",
        "2020-01-15", "technique",
        [("nextcloud", dict(reg="Client")), ("collabora", dict(reg="Client")), "galene",
         "etherpad", "framadate", ("prosody", dict(reg="Member")), "wikijs"],
        chatons=("ACTIVE", "2021-02-01", None), dates="iso", service_class="Service",
        member_price="paid", hosting=(("VIRTUAL", "HOSTEDBAY"), ("PHYSICAL", "HOSTEDBAY")),
        host_names=("Léman Libre Coop",), install=("PACKAGE", "CONTAINER"), legal="cgv"),
    Org("erable", "Nuage de l'Érable", "du Nuage de l'Érable",
        "Coopérative québécoise de services libres",
        "Le Nuage de l'Érable est une coopérative de solidarité montréalaise qui offre des "
        "services infonuagiques libres aux organismes communautaires du Québec, en français "
        "d'abord.",
        "COOPERATIVE", "Montréal", "4200 boulevard Saint-Laurent, Montréal (Québec) H2W 2R2",
        "Canada", "CA", 45.5019, -73.5674, "fr;en", "erable.example",
        "info@erable.example", "2016-08-08", "militant",
        ["etherpad", "jitsi", "nextcloud",
         ("mastodon", dict(status=("WARNING", "Fédération ralentie pendant la migration "
                                   "du serveur de base de données."))),
         "peertube", "discourse", "mobilizon", "hubzilla", "scrumblr"],
        chatons=None, dates="iso", mastodon="social", peertube="video",
        hosting=(("PHYSICAL", "HOSTEDBAY"),), host_names=("Nuage de l'Érable",),
        install=("PACKAGE", "CONTAINER")),
    Org("luxcommuns", "Lux Communs", "de Lux Communs",
        "Services libres au Luxembourg",
        "Lux Communs est une asbl luxembourgeoise qui héberge des outils libres pour la "
        "société civile du Grand-Duché, en luxembourgeois, français, allemand et anglais.",
        "ASSOCIATION", "Luxembourg", "12 rue du Marché-aux-Herbes, 1728 Luxembourg",
        "Luxembourg", "LU", 49.6116, 6.1319, "lb;fr;de;en", "luxcommuns.example",
        "moien@luxcommuns.example", "2021-03-03", "pragmatique",
        ["etherpad", "framadate", "jitsi", "flarum"],
        chatons=("ACTIVE", "2022-10-01", None), hosting=(("VIRTUAL", "HOSTEDSERVER"),),
        host_names=("Centre de données Kirchberg",)),
    Org("gatlliure", "Gat Lliure", "de Gat Lliure",
        "Cooperativa de serveis lliures a Girona",
        "Gat Lliure és una cooperativa de Girona que ofereix serveis digitals lliures i ètics "
        "a entitats, escoles i persones de les comarques gironines.",
        "COOPERATIVE", "Girona", "Carrer de la Força 12, 17004 Girona", "Espanya", "ES",
        41.9794, 2.8214, "ca;es;fr;en", "gatlliure.example", "hola@gatlliure.example",
        "2017-06-06", "militant",
        ["etherpad", "jitsi", ("nextcloud", dict(reg="Member")), "ejabberd", "movim",
         "ihatemoney"],
        chatons=None, dates="iso", file_class="organization", lang="ca",
        hosting=(("PHYSICAL", "HOSTEDBAY"),), host_names=("Gat Lliure",),
        legal="avis-legal", generator="a mà"),
    Org("wolkenkater", "Wolkenkater e.V.", "Wolkenkater",
        "Freie Dienste aus Freiburg",
        "Wolkenkater ist ein gemeinnütziger Verein aus Freiburg im Breisgau, der freie und "
        "datensparsame Onlinedienste für Vereine, Initiativen und Privatpersonen betreibt.",
        "ASSOCIATION", "Freiburg im Breisgau", "Wilhelmstraße 12, 79098 Freiburg im Breisgau",
        "Deutschland", "DE", 47.9990, 7.8421, "de;en;fr", "wolkenkater.example",
        "kontakt@wolkenkater.example", "2015-12-12", "technique",
        ["etherpad", "jitsi", ("nextcloud", dict(reg="Member")), "mastodon", "psitransfer",
         "yourls"],
        chatons=None, dates="iso", file_class="ORGANIZATION", bang_comments=True,
        lang="de", mastodon="social", liberapay=True, hosting=(("VIRTUAL", "HOSTEDSERVER"),),
        host_names=("Rechenzentrum Breisgau",), legal="impressum", generator="von Hand"),
]

# fmt: on

# Belgian, Swiss, Luxembourg and Québec hosts write in French; Gat Lliure (Catalan) and
# Wolkenkater (German) in their own language (see FOREIGN).


# ----------------------------------------------------------------------------------------------
# Writing .properties files
# ----------------------------------------------------------------------------------------------


class Doc:
    """An ordered list of comment lines, blank lines and key/value pairs."""

    def __init__(self) -> None:
        self.lines: list[tuple] = []

    def comment(self, text: str, mark: str = "#") -> None:
        self.lines.append(("comment", f"{mark} {text}" if text else mark))

    def blank(self) -> None:
        self.lines.append(("blank",))

    def kv(self, key: str, value) -> None:
        if value is None or value == "":
            return
        self.lines.append(("kv", key, str(value)))

    def wrapped(self, key: str, parts: list[str]) -> None:
        self.lines.append(("wrapped", key, parts))


def escape_value(value: str, escape: str) -> str:
    if escape == "apostrophe":
        value = value.replace("'", "\\'")
    if escape == "unicode":
        value = "".join(c if ord(c) < 128 else f"\\u{ord(c):04x}" for c in value)
    return value


def render(doc: Doc, org: Org, encoding: str = "utf-8", organization_file: bool = False) -> bytes:
    """Write the lines in the host's style; mixed separators only in its organization file."""
    out = []
    mixed = 0
    for line in doc.lines:
        if line[0] == "comment":
            out.append(escape_value(line[1], "unicode" if org.escape == "unicode" else ""))
        elif line[0] == "blank":
            out.append("")
        elif line[0] == "kv":
            key, value = line[1], escape_value(line[2], org.escape)
            if org.sep == "mixed" and not organization_file:
                sep = " = "
            elif org.sep == "mixed" and not key.startswith("subs."):
                sep = (" : ", " ", " : ", "   ")[mixed % 4]
                mixed += 1
            elif org.sep == "mixed":
                sep = " = "
            else:
                sep = org.sep
            out.append(f"{key}{sep}{value}")
        elif line[0] == "wrapped":
            key, parts = line[1], [escape_value(p, org.escape) for p in line[2]]
            out.append(f"{key}{org.sep if org.sep != 'mixed' else ' = '}{parts[0]} \\")
            for part in parts[1:-1]:
                out.append(f"    {part} \\")
            out.append(f"    {parts[-1]}")
    return ("\n".join(out) + "\n").encode(encoding)


def fmt_date(iso: str | None, style: str) -> str | None:
    if not iso:
        return None
    if style == "iso":
        return iso
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def fmt_coord(value: float | None, comma: bool) -> str | None:
    if value is None:
        return None
    text = f"{value:.4f}"
    return text.replace(".", ",") if comma else text


def split_words(text: str, width: int = 70) -> list[str]:
    """Cut a long text into chunks at spaces, for a backslash continuation."""
    parts, current = [], ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > width:
            parts.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    parts.append(current)
    return parts


# ----------------------------------------------------------------------------------------------
# Building the files
# ----------------------------------------------------------------------------------------------


@dataclass
class Place:
    """Where an organization's files live."""

    base: str  # URL of the folder holding the organization and service files

    def url(self, filename: str) -> str:
        return self.base + filename


def place_of(org: Org) -> Place:
    if org.location == "forge":
        return Place(f"https://{FORGE}/{org.slug}/chatonsinfos/raw/branch/main/")
    if org.location == "ynh":
        return Place(f"https://{org.domain}/.well_known/chatonsinfos/")
    return Place(f"https://{org.domain}/.well-known/chatonsinfos/")


def random_date(rng: random.Random, start: date, end: date) -> date:
    return date.fromordinal(rng.randint(start.toordinal(), end.toordinal()))


@dataclass
class Service:
    sid: str
    software: Software
    display: str
    kind: str
    over: dict


def services_of(org: Org) -> list[Service]:
    result, used = [], set()
    for entry in org.services:
        key, over = (entry, {}) if isinstance(entry, str) else entry
        software = SOFTWARE[key]
        sid = over.get("sid") or software.sub
        if sid in used:
            sid = key
        used.add(sid)
        result.append(Service(sid, software, over.get("name", software.name), software.kind, over))
    return result


def file_section(doc: Doc, org: Org, file_class: str, url: str) -> None:
    if org.headers:
        doc.comment("[File]")
    doc.kv("file.class", file_class)
    doc.kv("file.protocol", PROTOCOL)
    doc.kv("file.datetime", org.datetime)
    doc.kv("file.generator", org.generator)
    if org.location != "forge":
        doc.kv("file.url", url)


def service_name(org: Org, service: Service) -> str:
    if org.lang in FOREIGN:
        label = FOREIGN[org.lang]["labels"][service.kind]
        return f"{label} {org.de}" if org.lang == "ca" else f"{label} – {org.de}"
    if org.naming == "software":
        return f"{service.software.name} {org.de}"
    return f"{service.over.get('label', KINDS[service.kind]['label'])} {org.de}"


def service_website(org: Org, service: Service) -> str:
    if org.location == "ynh":
        return f"https://{org.domain}/{service.sid.split('_')[0]}/"
    return f"https://{service.sid.replace('_', '-')}.{org.domain}/"


def build_service(rng: random.Random, org: Org, service: Service, url: str) -> Doc:
    over, software, kind = service.over, service.software, KINDS[service.kind]
    doc = Doc()
    if org.bang_comments:
        text = "Dienstbeschreibung im ChatonsInfos-Format" if org.lang == "de" else None
        doc.comment(text or f"Fiche ChatonsInfos du service {service.sid}", "!")
    elif org.headers:
        doc.comment(
            f"Fitxer ChatonsInfos del servei {service.sid}"
            if org.lang == "ca"
            else f"Fichier ChatonsInfos du service {service.sid}"
        )
        doc.blank()
    file_section(doc, org, org.service_class, url)
    doc.blank()

    # service
    if org.headers:
        doc.comment("[Service]")
    doc.kv("service.name", service_name(org, service))
    if org.lang in FOREIGN:
        description = FOREIGN[org.lang]["desc"][service.kind]
    elif "desc" in over:
        description = over["desc"]
    else:
        description = rng.choice(kind["desc"])
        taglines = TAGLINES[org.personality]
        if taglines and rng.random() < 0.4:
            description += " " + rng.choice(taglines)
    doc.kv("service.description", description)
    website = service_website(org, service)
    doc.kv("service.website", website)
    if rng.random() < 0.3:
        doc.kv("service.logo", website + "favicon.png")
    doc.kv("service.legal.url", f"https://{org.domain}/{org.legal}/")
    if rng.random() < 0.25:
        doc.kv("service.contact.email", org.email)
    first = max(date.fromisoformat(org.start), date(software.since, 1, 1), date(2014, 1, 1))
    last = date.fromisoformat(org.enddate) if org.enddate else date(2026, 9, 30)
    if over.get("enddate") and date.fromisoformat(over["enddate"]) < last:
        last = date.fromisoformat(over["enddate"]) - (date(2021, 1, 1) - date(2020, 1, 1))
    if first > last:
        first = last
    doc.kv("service.startdate", fmt_date(random_date(rng, first, last).isoformat(), org.dates))
    doc.kv("service.enddate", fmt_date(over.get("enddate"), org.dates))
    status, status_text = over.get("status", ("OK", None))
    doc.kv("service.status.level", status)
    doc.kv("service.status.description", status_text)

    registration = over.get("reg") or kind["reg"]
    if registration == "Client" and org.type not in ("MICROCOMPANY", "COMPANY", "COOPERATIVE"):
        registration = "Member"
    doc.kv("service.registration", registration)
    if "load" in over:
        load = over["load"]
    elif registration != "None" and rng.random() < 0.12:
        load = "FULL"
    else:
        load = "OPEN"
    doc.kv("service.registration.load", load)
    doc.kv("service.install.type", rng.choice(org.install))
    if org.extensions:
        if registration == "Client":
            price = "paid"
        elif registration == "Member":
            price = org.member_price
        elif rng.random() < 0.12:
            price = "donation"
        else:
            price = "free"
        doc.kv("service.price", price)
        langs = org.langs or "fr"
        if rng.random() < 0.3:
            codes = langs.split(";")
            langs = ";".join(dict.fromkeys([codes[0], "en"]))
        doc.kv("service.languages", langs)
    if over.get("capacity"):  # a promise key (README, "Extension keys"); no randomness
        doc.kv("service.capacity.participants", str(over["capacity"]))
    doc.blank()

    # software
    if org.headers:
        doc.comment("[Software]")
    doc.kv("software.name", service.display)
    doc.kv("software.website", software.website)
    doc.kv("software.license.name", software.license)
    doc.kv("software.license.url", software.licence_url())
    if rng.random() < 0.85:
        doc.kv("software.version", rng.choice(software.versions))
    doc.kv("software.source.url", software.source)
    doc.blank()

    # host
    if org.headers:
        doc.comment("[Host]")
    doc.kv("host.name", rng.choice(org.host_names) if org.host_names else org.name)
    server, provider = rng.choice(org.hosting)
    if org.location == "ynh":
        doc.kv("host.server.distribution", "YunoHost")
    doc.kv("host.server.type", server)
    doc.kv("host.provider.type", provider)
    country, cc = (
        rng.choice(org.host_cc) if org.host_cc and rng.random() < 0.5 else (org.country, org.cc)
    )
    doc.kv("host.country.name", country)
    doc.kv("host.country.code", cc)

    if over.get("metrics"):  # an unknown section the importer ignores; base number of accounts
        base = over["metrics"]
        doc.blank()
        if org.headers:
            doc.comment("[Metrics]")
        if org.slug == "chatonlibre":
            doc.kv("metrics.http.hits.2020.months", "1;2;3")
        accounts = ";".join(str(base + month * base // 40) for month in range(12))
        doc.kv("metrics.service.accounts.2025.months", accounts)
    return doc


def build_organization(org: Org, url: str, subs: list[tuple[str, str]]) -> Doc:
    doc = Doc()
    d = org.dates
    name_key = "Organization.Name" if org.slug == "crassier" else "organization.name"
    if org.bang_comments:
        doc.comment(f"{org.name} : {org.short}", "!")
        doc.comment("ChatonsInfos", "!")
    elif org.headers:
        doc.comment(f"{org.name} : {org.short}")
        doc.comment(
            "Fitxer de presentació en format ChatonsInfos"
            if org.lang == "ca"
            else "Fichier de présentation au format ChatonsInfos"
        )
        doc.blank()
    file_section(doc, org, org.file_class, url)
    doc.blank()
    if org.headers:
        doc.comment("[Organisation]")
    doc.kv(name_key, org.name)
    description = org.short if org.use_short_description else org.long
    if org.slug == "pelote":
        doc.wrapped("organization.description", split_words(description))
    else:
        doc.kv("organization.description", description)
    doc.kv("organization.website", f"https://{org.domain}/")
    if org.logo:
        doc.kv("organization.logo", f"https://{org.domain}/images/logo.png")
    doc.kv("organization.type", org.type)
    doc.kv("organization.status.level", org.status[0])
    doc.kv("organization.status.description", org.status[1])
    doc.kv("organization.startdate", fmt_date(org.start, d))
    doc.kv("organization.enddate", fmt_date(org.enddate, d))
    doc.kv("organization.country.name", org.country)
    doc.kv("organization.country.code", org.cc)
    comma = org.slug == "chatonlibre"
    doc.kv("organization.geolocation.latitude", fmt_coord(org.lat, comma))
    doc.kv("organization.geolocation.longitude", fmt_coord(org.lon, comma))
    doc.kv("organization.geolocation.address", org.address)
    if org.extensions:
        doc.kv("organization.languages", org.langs)
    doc.kv("organization.contact.email", org.email)
    if org.contact_url:
        doc.kv("organization.contact.url", f"https://{org.domain}/contact/")
    doc.kv("organization.legal.url", f"https://{org.domain}/{org.legal}/")
    if org.type in PRIVACY_DECLARED:  # an extension key (README, "Extension keys")
        doc.kv("organization.privacy.url", f"https://{org.domain}/{privacy_path(org)}")
    if org.mastodon:
        host = f"social.{org.domain}" if org.mastodon == "social" else "toot.communs.example"
        doc.kv("organization.socialnetworks.mastodon", f"https://{host}/@{org.slug}")
    if org.peertube:
        doc.kv(
            "organization.socialnetworks.peertube",
            f"https://video.{org.domain}/a/{org.slug}/video-channels",
        )
    doc.kv("organization.chatrooms.matrix", org.matrix)
    doc.kv("organization.chatrooms.xmpp", org.xmpp)
    if org.liberapay:
        doc.kv("organization.funding.liberapay", f"https://liberapay.example/{org.slug}/")
    if org.helloasso:
        doc.kv(
            "organization.funding.helloasso",
            f"https://helloasso.example/associations/{org.slug}/formulaires/1",
        )
    for key, value in org.extra:
        if key.startswith("organization."):
            doc.kv(key, value)
    if org.chatons:
        level, start, end = org.chatons
        doc.kv("organization.memberof.chatons.status.level", level)
        doc.kv("organization.memberof.chatons.startdate", fmt_date(start, d))
        doc.kv("organization.memberof.chatons.enddate", fmt_date(end, d))
    doc.blank()
    if org.headers:
        doc.comment("[Subs]")
    elif org.bang_comments:
        doc.comment("Dienste", "!")
    if org.bang_comments and org.headers:
        doc.comment("ein Eintrag pro Dienst" if org.lang == "de" else "une ligne par service", "!")
    for sid, target in subs:
        doc.kv(f"subs.{sid}", target)
    metrics = [(k, v) for k, v in org.extra if k.startswith("metrics.")]
    if metrics:
        doc.blank()
        if org.headers:
            doc.comment("[Metrics]")
        for key, value in metrics:
            doc.kv(key, value)
    return doc


def sub_value(org: Org, place: Place, filename: str) -> str:
    if org.subs == "relative":
        return filename
    if org.subs == "dotrelative":
        return "./" + filename
    if org.subs == "quoted":
        return f"'{place.url(filename)}'"
    return place.url(filename)


def output_path(url: str) -> Path:
    rest = url.split("://", 1)[1]
    host, _, path = rest.partition("/")
    return OUT / host / path


def write(url: str, data: bytes, written: dict[str, bytes]) -> None:
    assert url not in written, url
    written[url] = data
    path = output_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def build_federation(orgs_urls: list[tuple[Org, str]]) -> bytes:
    fed = Org(
        "federation",
        "",
        "",
        "",
        "",
        "",
        "",
        None,
        "",
        "",
        None,
        None,
        None,
        "",
        "",
        "",
        "pragmatique",
        [],
    )
    doc = Doc()
    doc.comment("Portée — fédération de démonstration")
    doc.comment("Fichier généré par demo/generate.py ; tous les hébergeurs sont fictifs.")
    doc.blank()
    doc.comment("[File]")
    doc.kv("file.class", "federation")
    doc.kv("file.protocol", PROTOCOL)
    doc.kv("file.datetime", DEFAULT_DATETIME)
    doc.kv("file.generator", "Portée demo (demo/generate.py)")
    doc.kv("file.url", FEDERATION_URL)
    doc.blank()
    doc.comment("[Federation]")
    doc.kv("federation.name", "Portée — fédération de démonstration")
    doc.kv(
        "federation.description",
        "Une fédération fictive d'hébergeurs alternatifs, transparents, ouverts, neutres et "
        "solidaires, qui sert à montrer Portée : ses membres, leurs services et leurs "
        "fichiers ChatonsInfos sont inventés.",
    )
    doc.kv("federation.website", "https://federation.portee.example/")
    doc.kv("federation.logo", "https://federation.portee.example/logo.png")
    doc.kv("federation.contact.email", "contact@federation.portee.example")
    doc.kv("federation.contact.url", "https://federation.portee.example/contact/")
    doc.kv("federation.legal.url", "https://federation.portee.example/mentions-legales/")
    doc.kv("federation.startdate", "2020-04-01")
    doc.blank()
    doc.comment("[Subs]")
    for org, url in orgs_urls:
        doc.comment(f"{org.name} ({org.city}, {org.cc}) : {org.short}")
        doc.kv(f"subs.{org.slug}", url)
    return render(doc, fed)


# Besides their ChatonsInfos files, two hosts publish what a host adds from its dashboard: a
# news feed (Atom) and a LibreHosters description (librehost.json). `flask directory demo`
# binds them to their organizations (directory/cli.py: DEMO_SOURCES) and reads them too.
NEWS_URL = "https://pelote.example/actualites.xml"
NEWS = [
    (
        "2026-11-02T09:00:00Z",
        "Nouveau : des tableurs chiffrés",
        "CryptPad accueille désormais vos tableurs, chiffrés de bout en bout.",
    ),
    (
        "2026-10-12T18:30:00Z",
        "Assemblée générale de la coopérative",
        "Sociétaires, usagers et bénévoles : rendez-vous le 15 novembre au tiers-lieu.",
    ),
    (
        "2026-09-01T08:00:00Z",
        "Maintenance du serveur de visioconférence",
        "Le service BigBlueButton sera indisponible samedi matin, de 7 h à 9 h.",
    ),
]
LIBREHOST_URL = "https://zinneke.example/librehost.json"
LIBREHOST = {
    "@context": "http://schema.org",
    "@type": "Organization",
    "version": "1.0.0",
    "name": "Zinneke Numérique",
    "tagLine": "Des services libres pour les associations bruxelloises",
    "description": "ASBL bruxelloise : hébergement de services libres, en français et en "
    "néerlandais.",
    "homeUrl": "https://zinneke.example/",
    "organizationType": "ASBL",
    "communicationLanguages": ["fr", "nl"],
    "contactUrl": "https://zinneke.example/contact",
    "privacyPolicyUrl": "https://zinneke.example/vie-privee",
    "termsOfServiceUrl": "https://zinneke.example/conditions",
    "isServiceProvider": True,
    "foundingDate": "2017",
    "dateModified": "2026-10-20T10:00:00Z",
}


def build_news() -> bytes:
    entries = "".join(
        f"""  <entry>
    <title>{title}</title>
    <id>urn:pelote:actualites:{index}</id>
    <link href="https://pelote.example/actualites/{index}"/>
    <updated>{when}</updated>
    <summary>{summary}</summary>
  </entry>
"""
        for index, (when, title, summary) in enumerate(NEWS, 1)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Les actualités de La Pelote Numérique</title>
  <id>urn:pelote:actualites</id>
  <link href="https://pelote.example/actualites"/>
  <updated>{NEWS[0][0]}</updated>
{entries}</feed>
""".encode()


def main() -> dict[str, bytes]:
    rng = random.Random(2020)
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    written: dict[str, bytes] = {}
    orgs_urls = []
    for org in ORGS:
        place = place_of(org)
        org_url = place.url(org.org_filename)
        subs = []
        for service in services_of(org):
            filename = f"{service.sid}.properties"
            url = place.url(filename)
            subs.append((service.sid, sub_value(org, place, filename)))
            write(url, render(build_service(rng, org, service, url), org), written)
        for sid in org.missing:  # listed, never written: the importer meets a 404
            subs.insert(len(subs) // 2, (sid, sub_value(org, place, f"{sid}.properties")))
        # Only the organization file takes the host's odd encoding; its services are UTF-8.
        data = render(build_organization(org, org_url, subs), org, org.encoding, True)
        write(org_url, data, written)
        orgs_urls.append((org, org_url))
    write(FEDERATION_URL, build_federation(orgs_urls), written)
    write(NEWS_URL, build_news(), written)
    write(
        LIBREHOST_URL,
        (json.dumps(LIBREHOST, ensure_ascii=False, indent=2) + "\n").encode(),
        written,
    )
    return written


if __name__ == "__main__":
    files = main()
    print(f"wrote {len(files)} files under {OUT}")
