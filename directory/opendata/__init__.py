"""Open data: what Portée publishes for others to build on — the change facts behind the Atom
feeds, the ChatonsInfos export and the badge. Pure domain code: sessions in, data out."""
