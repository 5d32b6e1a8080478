"""Outbound HTTP: the one door from Portée to other people's servers.

`guard` holds the rules of where Portée may connect (no private or loopback addresses unless
PORTEE_FETCH_ALLOW_PRIVATE, canonical addresses, one deadline per fetch); `fetch` holds the
`Fetcher` that obeys them (size caps, conditional GET, redirects checked hop by hop). The
importer, the domain proofs and the moderators' website check all receive a `Fetcher` as a
parameter rather than build their own, so every request Portée makes goes through these rules.
"""
