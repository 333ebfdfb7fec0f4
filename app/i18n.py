"""Qt translations: pick the studio language from the settings or the system locale."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

logger = logging.getLogger(__name__)

TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "resources" / "translations"
CATALOG = "ur4rec_studio"


def resolve_language(language: str, system_locale: str | None = None) -> str:
    """Return "zh_CN" or "en" for a settings value of "system", "en" or "zh_CN"."""
    if language == "system":
        name = system_locale if system_locale is not None else QLocale.system().name()
        return "zh_CN" if name.lower().startswith("zh") else "en"
    return "zh_CN" if language == "zh_CN" else "en"


def install_translators(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Install the studio's and Qt's own translators for `language` and return them.

    The caller keeps the returned objects alive for as long as the translation is in use.
    English needs no translator, so the list is then empty.
    """
    if resolve_language(language) != "zh_CN":
        return []
    installed = []
    studio = QTranslator(app)
    if studio.load(f"{CATALOG}_zh_CN", str(TRANSLATIONS_DIR)):
        app.installTranslator(studio)
        installed.append(studio)
    else:
        logger.warning(
            "translation %s_zh_CN.qm not found in %s; the studio stays in English",
            CATALOG,
            TRANSLATIONS_DIR,
        )
    # Qt's catalog translates the standard buttons and dialogs (OK, Cancel, file dialogs).
    qt_base = QTranslator(app)
    if qt_base.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_base)
        installed.append(qt_base)
    return installed
