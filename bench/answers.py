"""What a working install of each software answers, for the probes' tests and the benchmark's
probe run (bench/probe_farm.py): the routes a functional check in directory/probes/checks.py
asks (each cites its source there), and what the check then reads as (software, version).
"""

from __future__ import annotations


def nodeinfo(base: str, name: str, version: str) -> list:
    return [
        (
            "/.well-known/nodeinfo",
            {
                "links": [
                    {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                     "href": base + "nodeinfo/2.0"},
                    {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                     "href": base + "nodeinfo/2.1"},
                ]
            },
        ),
        ("/nodeinfo/2.1", {"version": "2.1", "software": {"name": name, "version": version}}),
    ]  # fmt: skip


# What a working install of each software answers (from the sources cited in checks.py),
# and what the check then reads: (software, version).
def working(slug: str, base: str) -> tuple[list, tuple[str, str | None]]:
    cryptpad = (
        "define(function(){\n"
        'return {"requireConf":{"waitSeconds":600,"urlArgs":"ver=2025.6.0-1"},'
        '"httpUnsafeOrigin":"https://cryptpad.example/"};\n});'
    )
    jitsi = "var config = {\n    hosts: {\n        domain: 'meet.example',\n    },\n};\n"
    privatebin = (
        '<html><link href="css/privatebin.css?2.0.5" rel="stylesheet">'
        '<script src="js/privatebin.js?2.0.5"></script></html>'
    )
    framadate = '<html><a href="create_poll.php?type=date">Créer un sondage</a></html>'
    lufi = "<html><title>Lufi</title><h1>Lufi</h1></html>"
    table = {
        "nextcloud": (
            [("/status.php", {"installed": True, "maintenance": False, "needsDbUpgrade": False,
                              "version": "29.0.3.4", "versionstring": "29.0.3",
                              "productname": "Nextcloud"})],
            ("Nextcloud", "29.0.3"),
        ),
        "mastodon": (nodeinfo(base, "mastodon", "4.3.2"), ("mastodon", "4.3.2")),
        "peertube": (nodeinfo(base, "peertube", "6.3.0"), ("peertube", "6.3.0")),
        "misskey": (nodeinfo(base, "sharkey", "2024.9.1"), ("sharkey", "2024.9.1")),
        "mobilizon": (nodeinfo(base, "Mobilizon", "5.1.0"), ("Mobilizon", "5.1.0")),
        "lemmy": (nodeinfo(base, "lemmy", "0.19.5"), ("lemmy", "0.19.5")),
        "matrix-synapse": (
            [("/_matrix/client/versions", {"versions": ["r0.6.1", "v1.11"],
                                           "unstable_features": {}})],
            ("Matrix", None),
        ),
        "etherpad": (
            [("/health", {"status": "pass", "releaseId": "2.2.7"})],
            ("Etherpad", "2.2.7"),
        ),
        "hedgedoc": (
            [("/status", {"onlineNotes": 3, "onlineUsers": 1, "distinctOnlineUsers": 1,
                          "notesCount": 120, "registeredUsers": 9})],
            ("HedgeDoc", None),
        ),
        "gitea": ([("/api/v1/version", {"version": "1.22.3"})], ("Gitea", "1.22.3")),
        "forgejo": (
            [("/api/v1/version", {"version": "9.0.0+gitea-1.22.0"})],
            ("Forgejo", "9.0.0+gitea-1.22.0"),
        ),
        "discourse": (
            [("/site.json", {"default_archetype": "regular", "post_types": {"regular": 1},
                             "notification_types": {"mentioned": 1}, "categories": []})],
            ("Discourse", None),
        ),
        "jitsi-meet": ([("/config.js", jitsi)], ("Jitsi Meet", None)),
        "cryptpad": ([("/api/config", cryptpad)], ("CryptPad", "2025.6.0-1")),
        "framadate": ([("/", framadate)], ("Framadate", None)),
        "lufi": ([("/", lufi)], ("Lufi", None)),
        "privatebin": ([("/", privatebin)], ("PrivateBin", "2.0.5")),
        "ethercalc": ([("/_exists/portee-probe", False)], ("EtherCalc", None)),
        "mattermost": ([("/api/v4/system/ping", {"status": "OK"})], ("Mattermost", None)),
        "zulip": (
            [("/api/v1/server_settings", {"result": "success", "zulip_version": "9.2",
                                          "realm_name": "Chaton"})],
            ("Zulip", "9.2"),
        ),
        "wallabag": (
            [("/api/info", {"appname": "wallabag", "version": "2.6.9",
                            "allowed_registration": False})],
            ("wallabag", "2.6.9"),
        ),
        "bookstack": (
            [("/status", {"database": True, "cache": True, "session": True})],
            ("BookStack", None),
        ),
        "umap": ([("/stats/", {"version": "2.7.3", "maps_count": 12})], ("uMap", "2.7.3")),
    }  # fmt: skip
    return table[slug]


SLUGS = [
    "nextcloud", "mastodon", "peertube", "misskey", "mobilizon", "lemmy", "matrix-synapse",
    "etherpad", "hedgedoc", "gitea", "forgejo", "discourse", "jitsi-meet", "cryptpad",
    "framadate", "lufi", "privatebin", "ethercalc", "mattermost", "zulip", "wallabag",
    "bookstack", "umap",
]  # fmt: skip
