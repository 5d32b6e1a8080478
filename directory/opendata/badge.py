"""The embeddable badge as SVG: two lines of text in a box, with a <title> that says the same
for screen readers. Built with xml.etree (every value escaped); nothing in it calls home."""

from __future__ import annotations

from xml.etree import ElementTree

SVG = "http://www.w3.org/2000/svg"
CHAR_WIDTH = 6.6  # an estimate for 12px sans-serif text, enough to size the box
HEIGHT = 40


def svg(lines: tuple[str, str], title: str, lang: str) -> bytes:
    ElementTree.register_namespace("", SVG)
    width = int(max(len(line) for line in lines) * CHAR_WIDTH) + 20
    root = ElementTree.Element(
        f"{{{SVG}}}svg",
        {
            "width": str(width),
            "height": str(HEIGHT),
            "viewBox": f"0 0 {width} {HEIGHT}",
            "role": "img",
            "aria-labelledby": "portee-badge-title",
            "{http://www.w3.org/XML/1998/namespace}lang": lang,
        },
    )
    heading = ElementTree.SubElement(root, f"{{{SVG}}}title", {"id": "portee-badge-title"})
    heading.text = title
    ElementTree.SubElement(
        root,
        f"{{{SVG}}}rect",
        {"width": str(width), "height": str(HEIGHT), "rx": "4", "fill": "#1d4e4a"},
    )
    for number, line in enumerate(lines):
        text = ElementTree.SubElement(
            root,
            f"{{{SVG}}}text",
            {
                "x": "10",
                "y": str(16 + number * 15),
                "fill": "#ffffff",
                "font-family": "DejaVu Sans, Verdana, sans-serif",
                "font-size": "12" if number == 0 else "11",
            },
        )
        text.text = line
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
