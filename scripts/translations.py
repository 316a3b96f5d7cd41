"""Keep the catalogs in step with the code: extract every marked string, update the
Vietnamese catalog, list what is missing.

    python -m scripts.translations extract   # locales/messages.pot from the code (Babel)
    python -m scripts.translations update    # add new strings to each catalog, drop gone ones
    python -m scripts.translations check     # exit 1 listing untranslated strings
    python -m scripts.translations part NAME FILE...  # locales/vi/parts/NAME.po for some files
    python -m scripts.translations merge     # fold locales/vi/parts/*.po into the catalog

The same as ``pybabel extract -F babel.cfg -o locales/messages.pot .`` and
``pybabel update -i locales/messages.pot -d locales``; tests/unit/test_translations.py uses
``missing`` to fail when a UI string has no Vietnamese translation.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
TEMPLATE = LOCALES / "messages.pot"
TRANSLATED = ("vi",)


def catalog_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / "messages.po"


def extract(files: list[str] | None = None) -> Catalog:
    """Every string the code marks for translation (in ``files`` only, when given)."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalog = Catalog(project="OKR Tracker", charset="utf-8")
    found = extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=DEFAULT_KEYWORDS,
        comment_tags=("TRANSLATORS:",),
    )
    wanted = {str(Path(f).resolve().relative_to(ROOT)) for f in files or ()}
    for filename, lineno, message, comments, context in found:
        if wanted and filename not in wanted:
            continue
        catalog.add(
            message,
            None,
            [(filename, lineno)],
            auto_comments=comments,
            context=context,
        )
    return catalog


def load(language: str) -> Catalog:
    with catalog_path(language).open("rb") as po:
        return read_po(po, locale=language)


def missing(language: str, template: Catalog | None = None) -> list[str]:
    """Marked strings with no (or only a fuzzy) translation in the language's catalog."""
    template = template or extract()
    catalog = load(language)
    gaps = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = found.string if found else None
        forms = strings if isinstance(strings, (list, tuple)) else [strings]
        if found is None or found.fuzzy or not all(forms):
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalog, width=100, sort_output=False, omit_header=False)


def update() -> None:
    template = extract()
    _write(template, TEMPLATE)
    for language in TRANSLATED:
        catalog = load(language) if catalog_path(language).exists() else Catalog(locale=language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        _write(catalog, catalog_path(language))


def parts_dir(language: str) -> Path:
    return LOCALES / language / "parts"


def part(name: str, files: list[str], language: str = "vi") -> Path:
    """A catalog of just these files' strings, keeping translations already made anywhere."""
    known = _known_translations(language)
    catalog = Catalog(locale=language)
    for message in extract(files):
        found = known.get((message.id, message.context))
        catalog.add(message.id, found, message.locations, context=message.context)
    path = parts_dir(language) / f"{name}.po"
    previous = read_po(path.open("rb"), locale=language) if path.exists() else None
    if previous is not None:
        for message in catalog:
            old = previous.get(message.id, context=message.context)
            if message.id and old is not None and old.string and not message.string:
                message.string = old.string
    _write(catalog, path)
    return path


def _known_translations(language: str) -> dict:
    catalogs = [load(language)] if catalog_path(language).exists() else []
    for path in sorted(parts_dir(language).glob("*.po")):
        with path.open("rb") as po:
            catalogs.append(read_po(po, locale=language))
    known = {}
    for catalog in catalogs:
        for message in catalog:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.id and all(strings) and not message.fuzzy:
                known.setdefault((message.id, message.context), message.string)
    return known


def merge(language: str = "vi") -> None:
    """Fill the catalog from the parts, then remove them."""
    known = _known_translations(language)
    update()
    catalog = load(language)
    for message in catalog:
        if message.id and (message.id, message.context) in known:
            message.string = known[(message.id, message.context)]
            message.flags.discard("fuzzy")
    _write(catalog, catalog_path(language))
    for path in parts_dir(language).glob("*.po"):
        path.unlink()


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "extract":
        _write(extract(), TEMPLATE)
        return 0
    if command == "update":
        update()
        return 0
    if command == "part":
        print(part(argv[1], argv[2:]))
        return 0
    if command == "merge":
        merge()
        return 0
    if command == "check":
        gaps = {language: missing(language) for language in TRANSLATED}
        for language, ids in gaps.items():
            for message_id in ids:
                print(f"{language}: {message_id!r}")
        return 1 if any(gaps.values()) else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
