"""The studio's main window (Config, Run, Memory, User and Texts tabs) and its entry point `run_studio`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from app.gc_guard import UiThreadCollector
from app.i18n import install_translators
from app.preload import preload_training_modules
from app.screens.config_screen import ConfigScreen
from app.screens.memory_screen import MemoryScreen
from app.screens.run_screen import RunScreen
from app.screens.texts_screen import TextsScreen
from app.screens.user_screen import UserScreen
from app.settings import APPLICATION, ORGANIZATION, Settings
from app.settings_dialog import SettingsDialog
from ur4rec.config import Config, config_to_yaml
from ur4rec.training.run_dir import RunDir

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_CONFIG = REPO_ROOT / "configs" / "quick.yaml"


class MainWindow(QMainWindow):
    """Tabs for the five screens, the File menu, the Settings dialog and a status bar."""

    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or Settings()
        self._closing = False
        self.resize(1360, 880)

        self.config_screen = ConfigScreen(self.settings)
        self.run_screen = RunScreen(self.settings)
        self.memory_screen = MemoryScreen()
        self.user_screen = UserScreen()
        self.texts_screen = TextsScreen(self.settings)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.config_screen, self.tr("Config"))
        self.tabs.addTab(self.run_screen, self.tr("Run"))
        self.tabs.addTab(self.memory_screen, self.tr("Memory"))
        self.tabs.addTab(self.user_screen, self.tr("User"))
        self.tabs.addTab(self.texts_screen, self.tr("Texts"))
        self.setCentralWidget(self.tabs)

        self.run_state = QLabel(self.tr("Idle"))
        self.statusBar().addPermanentWidget(self.run_state)
        self._connect_screens()
        self._build_menus()
        self._load_initial_config()
        self._update_title()

    # -- wiring -----------------------------------------------------------------------------

    def _connect_screens(self) -> None:
        self.config_screen.configChanged.connect(self.run_screen.set_config)
        self.config_screen.configChanged.connect(self.texts_screen.set_config)
        self.texts_screen.statusMessage.connect(self.show_status)
        self.texts_screen.runningChanged.connect(self._on_generation_changed)
        self.config_screen.pathChanged.connect(lambda _path: self._update_title())
        self.config_screen.modifiedChanged.connect(lambda _modified: self._update_title())
        self.config_screen.statusMessage.connect(self.show_status)
        self.run_screen.statusMessage.connect(self.show_status)
        self.run_screen.runningChanged.connect(self._on_running_changed)
        self.run_screen.runFinished.connect(self._on_run_finished)
        self.memory_screen.run_dir_chosen.connect(self._on_screen_chose_run)
        self.user_screen.run_dir_chosen.connect(self._on_screen_chose_run)

    def _build_menus(self) -> None:
        menu = self.menuBar().addMenu(self.tr("&File"))
        self._add_action(
            menu, self.tr("&New config"), self.new_config, QKeySequence.StandardKey.New
        )
        self._add_action(
            menu,
            self.tr("&Open config…"),
            lambda: self.config_screen.open_file(),
            QKeySequence.StandardKey.Open,
        )
        self._add_action(
            menu, self.tr("&Save"), lambda: self.config_screen.save(), QKeySequence.StandardKey.Save
        )
        self._add_action(
            menu,
            self.tr("Save &as…"),
            lambda: self.config_screen.save_as(),
            QKeySequence.StandardKey.SaveAs,
        )
        self.recent_configs_menu = menu.addMenu(self.tr("Recent configs"))
        self.recent_configs_menu.aboutToShow.connect(self._fill_recent_configs)
        menu.addSeparator()
        self._add_action(menu, self.tr("Open &run folder…"), self.choose_run_dir)
        self.recent_runs_menu = menu.addMenu(self.tr("Recent runs"))
        self.recent_runs_menu.aboutToShow.connect(self._fill_recent_runs)
        menu.addSeparator()
        self._add_action(
            menu, self.tr("Se&ttings…"), self.open_settings, QKeySequence.StandardKey.Preferences
        )
        menu.addSeparator()
        self._add_action(menu, self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self._add_action(help_menu, self.tr("&About UR4Rec Studio"), self.show_about)

    def _add_action(self, menu: QMenu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _fill_recent_configs(self) -> None:
        self._fill_recent(
            self.recent_configs_menu,
            self.settings.recent_configs,
            lambda path: self.open_config(path),
        )

    def _fill_recent_runs(self) -> None:
        self._fill_recent(self.recent_runs_menu, self.settings.recent_runs, self.open_run_dir)

    def _fill_recent(self, menu: QMenu, paths: list[Path], opener) -> None:
        menu.clear()
        if not paths:
            empty = menu.addAction(self.tr("(none)"))
            empty.setEnabled(False)
            return
        for path in paths:
            action = menu.addAction(str(path))
            action.setEnabled(path.exists())
            action.triggered.connect(lambda _checked=False, p=path: opener(p))

    # -- configs ----------------------------------------------------------------------------

    def _load_initial_config(self) -> None:
        """Open the most recent config, else the quick template (untitled), else the defaults."""
        recent = [path for path in self.settings.recent_configs if path.is_file()]
        if recent and self.config_screen.open_file(recent[0]):
            return
        if TEMPLATE_CONFIG.is_file():
            self.config_screen.load_text(TEMPLATE_CONFIG.read_text(encoding="utf-8"), None)
        else:
            self.config_screen.load_config(Config())

    def new_config(self) -> None:
        if self.config_screen.modified and not self.confirm(
            self.tr("Discard changes?"), self.tr("The config has unsaved changes. Discard them?")
        ):
            return
        self.config_screen.load_text(config_to_yaml(Config()), None)
        self.tabs.setCurrentWidget(self.config_screen)

    def open_config(self, path: Path) -> bool:
        if self.config_screen.modified and not self.confirm(
            self.tr("Discard changes?"), self.tr("The config has unsaved changes. Discard them?")
        ):
            return False
        opened = self.config_screen.open_file(path)
        if opened:
            self.tabs.setCurrentWidget(self.config_screen)
        return opened

    # -- runs -------------------------------------------------------------------------------

    def choose_run_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Open run folder"), str(self.settings.runs_folder)
        )
        if folder:
            self.open_run_dir(Path(folder))

    def open_run_dir(self, path: Path) -> None:
        """Show a run folder on the Run, Memory and User screens."""
        path = Path(path)
        if not RunDir(path).config_path.is_file():
            self.show_status(
                self.tr("{path} is not a run folder (no config.yaml).").format(path=path)
            )
            return
        self.settings.add_recent_run(path)
        if not self.run_screen.is_running():
            self.run_screen.open_run_dir(path)
        self.memory_screen.set_run_dir(path)
        self.user_screen.set_run_dir(path)
        self.tabs.setCurrentWidget(self.memory_screen)

    def _on_run_finished(self, run_dir: Path) -> None:
        self.memory_screen.set_run_dir(run_dir)
        self.user_screen.set_run_dir(run_dir)

    def _on_screen_chose_run(self, path: Path) -> None:
        self.settings.add_recent_run(path)
        other = self.user_screen if self.sender() is self.memory_screen else self.memory_screen
        other.set_run_dir(path)

    def _on_generation_changed(self, running: bool) -> None:
        if not running and self._closing:
            QTimer.singleShot(0, self.close)

    def _on_running_changed(self, running: bool) -> None:
        self.run_state.setText(self.tr("Training") if running else self.tr("Idle"))
        if not running and self._closing:
            QTimer.singleShot(0, self.close)

    # -- dialogs and status -----------------------------------------------------------------

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.settings.export_api_key()
            self.texts_screen.generation.refresh_key_status()
            self.show_status(self.tr("Settings saved. A new language applies after a restart."))

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About UR4Rec Studio"),
            self.tr(
                "UR4Rec Studio trains and inspects UR4Rec: SASRec, a mixture-of-experts text "
                "retriever and a per-user memory, on MovieLens and similar data sets."
            ),
        )

    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)

    def confirm(self, title: str, text: str) -> bool:
        """Ask a yes/no question (tests replace this method)."""
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _update_title(self) -> None:
        name = self.config_screen.config_name()
        star = " *" if self.config_screen.modified else ""
        self.setWindowTitle(f"{name}{star} — UR4Rec Studio")

    # -- closing ----------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if (
            not self._closing
            and self.config_screen.modified
            and not self.confirm(
                self.tr("Discard changes?"),
                self.tr("The config has unsaved changes. Quit without saving them?"),
            )
        ):
            event.ignore()
            return
        training = self.run_screen.is_running()
        generating = self.texts_screen.is_running()
        if not self._closing and training and not self.confirm(
            self.tr("Stop training?"),
            self.tr(
                "A training run is in progress. Stop it and quit? The run saves a "
                "checkpoint and can be resumed later."
            ),
        ):
            event.ignore()
            return
        if not self._closing and generating and not self.confirm(
            self.tr("Stop text generation?"),
            self.tr(
                "Texts are being generated. Stop and quit? Finished texts stay in the cache; "
                "the window closes when the requests in flight have ended."
            ),
        ):
            event.ignore()
            return
        if training or generating:
            # Close when the workers have stopped, keeping the UI responsive meanwhile.
            self._closing = True
            if training:
                self.run_screen.request_stop()
                self.show_status(self.tr(
                    "Stopping the training; the window closes when the checkpoint is saved…"
                ))
            if generating:
                self.texts_screen.generation.stop()
                if not training:
                    self.show_status(self.tr(
                        "Stopping the text generation; the window closes when the requests "
                        "in flight have ended…"
                    ))
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop every background task and wait for it (safe to call more than once)."""
        self.run_screen.shutdown()
        for screen in (self.memory_screen, self.user_screen, self.texts_screen):
            stop = getattr(screen, "shutdown", None)
            if stop is not None:
                stop()
        self.settings.sync()


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for name in ("ur4rec", "app"):
        logging.getLogger(name).setLevel(logging.INFO)


def run_studio(argv: list[str] | None = None) -> int:
    """Start the studio. An optional argument opens a config file or a run folder."""
    argv = list(sys.argv if argv is None else argv)
    configure_logging()
    app = QApplication.instance() or QApplication(argv)
    # Qt objects must be destroyed on this thread, so the garbage collector runs only here.
    collector = UiThreadCollector(app)
    app.aboutToQuit.connect(collector.stop)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    settings = Settings()
    settings.export_api_key()
    preload_training_modules()
    translators = install_translators(app, settings.language)  # noqa: F841 (kept alive until exit)
    window = MainWindow(settings)
    for argument in app.arguments()[1:]:
        path = Path(argument)
        if path.is_dir():
            window.open_run_dir(path)
        elif path.is_file():
            window.open_config(path)
    app.aboutToQuit.connect(window.shutdown)
    window.show()
    return app.exec()
