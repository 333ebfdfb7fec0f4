"""Offline template texts that stand in for missing or unusable LLM texts.

They need no network and are deterministic, so a run without LLM texts still has one text
per user and item. They state only facts from the data: titles, years and genres.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ur4rec.data.dataset import InteractionData, ItemInfo
from ur4rec.llm.titles import strip_year

MAX_TEMPLATE_GENRES = 5


def display_title(info: ItemInfo) -> str:
    """Return the title with its year once, e.g. "Toy Story (1995)"."""
    title = strip_year(info.title) if info.year is not None else info.title.strip()
    return f"{title} ({info.year})" if info.year is not None else title


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def item_template(info: ItemInfo) -> str:
    """Describe an item from its title, year and genres."""
    genres = [genre for genre in info.genres if genre.lower() != "unknown"]
    if genres:
        article = "an" if genres[0][:1].lower() in "aeiou" else "a"
        return f"{display_title(info)}: {article} {_join(genres)} title."
    return f"{display_title(info)}."


def user_template(data: InteractionData, history: np.ndarray, max_items: int = 20) -> str:
    """Summarize a user from the given history only: top genres and the latest titles.

    `history` contains internal item ids in time order (oldest first). Genre counts cover the
    whole history; the titles are the `max_items` most recent, most recent first.
    """
    if len(history) == 0:
        return "No interactions recorded yet."

    genre_counts = Counter(
        genre
        for item in history
        for genre in data.items[int(item)].genres
        if genre.lower() != "unknown"
    )
    top_genres = [
        f"{genre} ({count})" for genre, count in genre_counts.most_common(MAX_TEMPLATE_GENRES)
    ]

    # Quoted titles keep the leak audit exact: a quoted "Godfather: Part II, The (1974)" is
    # one title and does not name "Godfather, The (1972)".
    recent = [f'"{display_title(data.items[int(item)])}"' for item in history[::-1][:max_items]]
    parts = [f"Interacted with {len(history)} items."]
    if top_genres:
        parts.append(f"Most frequent genres: {', '.join(top_genres)}.")
    parts.append(f"Most recent first: {'; '.join(recent)}.")
    return " ".join(parts)
