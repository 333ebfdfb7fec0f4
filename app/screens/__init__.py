"""Screens of the studio: one QWidget per tab."""
