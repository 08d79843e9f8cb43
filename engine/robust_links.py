"""Robust Links (https://robustlinks.mementoweb.org/): a link to a source's original carries the
address and date of its archived copy, and the link to the archived copy carries the original's,
so a reader (or a browser extension) can reach one when the other has rotted. Made at build time
from the source's YAML; nothing is fetched."""
from __future__ import annotations

from markupsafe import Markup, escape

from . import schema
from .dates import DAY


def version_date(source: schema.Source) -> str | None:
    """The capture day as YYYY-MM-DD, or None when the capture date is not known to the day
    (the convention has no way to say "April 2018", and padding it would invent a day)."""
    archived = source.archived
    if archived is None or archived.captured is None or archived.captured.end is not None \
            or archived.captured.qualifier \
            or archived.captured.precision != DAY:
        return None
    return archived.captured.start.iso()


def _attributes(pairs: list[tuple[str, str | None]]) -> Markup:
    return Markup("".join(f' {name}="{escape(value)}"' for name, value in pairs if value))


def original_link_attributes(source: schema.Source) -> Markup:
    """Attributes for <a href="original">: data-originalurl, data-versionurl, data-versiondate
    when the source has an archived copy; nothing otherwise."""
    if source.archived is None or not source.archived.url or not source.url:
        return Markup("")
    return _attributes([("data-originalurl", source.url), ("data-versionurl", source.archived.url),
                        ("data-versiondate", version_date(source))])


def archived_link_attributes(source: schema.Source) -> Markup:
    """Attributes for <a href="archived copy">: the original's address and the capture day."""
    if source.archived is None or not source.archived.url:
        return Markup("")
    return _attributes([("data-originalurl", source.url), ("data-versiondate", version_date(source))])
