"""PySide6 studio of UR4Rec."""
