"""English is the source language: its catalogue's translations are the messages themselves.

Run after `make translations` so the English catalogue stays complete (the hook counts it).
"""

from babel.messages.pofile import read_po, write_po

PATH = "translations/en/LC_MESSAGES/messages.po"

with open(PATH, "rb") as handle:
    catalog = read_po(handle)
for message in catalog:
    if not message.id:
        continue
    if isinstance(message.id, tuple):  # plural: singular and plural forms are the English ones
        if not all(message.string or ()):
            message.string = message.id
    elif not message.string:
        message.string = message.id
    message.flags.discard("fuzzy")
with open(PATH, "wb") as handle:
    write_po(handle, catalog, omit_header=False, width=100)
