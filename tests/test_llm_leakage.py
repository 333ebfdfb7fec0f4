"""Title matching and the held-out leak audit, on hand cases and the real texts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ur4rec.data.dataset import InteractionData, ItemInfo
from ur4rec.data.movielens import read_ml100k
from ur4rec.data.split import leave_one_out
from ur4rec.llm.leakage import audit_user_texts, find_leaking_users, text_safe_history
from ur4rec.llm.titles import mentions_title, natural_title, title_variants

MENTIONS = [
    ("Godfather, The (1972)", "Classics like *The Godfather* and *Casablanca*."),
    ("Godfather, The (1972)", "They love The Godfather and crime sagas."),
    ("Star Wars (1977)", "fans of the star wars saga"),
    ("City of Lost Children, The (1995)", "the surreal *City of Lost Children*"),
    ("City of Lost Children, The (1995)", "as in The City of Lost Children, they"),
    ("Cinderella (1950)", "family classics (*Cinderella*, *Dumbo*)"),
    ("Shall We Dance? (1996)", "gentle films such as *Shall We Dance?* suggest"),
    ("Seven (Se7en) (1995)", "dark thrillers like *Se7en*"),
    ("Seven (Se7en) (1995)", "dark thrillers like Seven, Copycat"),
    ("Star Trek: First Contact (1996)", "films like *Star Trek: First Contact*"),
    ("Star Trek: First Contact (1996)", "the Star Trek franchise"),
    ("Nénette et Boni (1996)", "French dramas such as *Nenette et Boni*"),
    ("Fargo (1996)", "**Fargo** and other dark comedies"),
    ("Wallace & Gromit: The Best of Aardman Animation (1996)", "Wallace and Gromit shorts"),
    ("Schindler's List (1993)", "epics like *Schindler’s List*"),
    ("E.T. the Extra-Terrestrial (1982)", "*E.T. the Extra-Terrestrial* and more"),
    ("Star Wars (1977)", 'a love of "Star Wars (1977)" and'),
]

NON_MENTIONS = [
    ("Godfather, The (1972)", "sequels such as *The Godfather: Part II*"),
    ("Seven (Se7en) (1995)", "dramas like *Seven Years in Tibet*"),
    ("Seven (Se7en) (1995)", "seven of their favourites are comedies"),
    ("Heat (1995)", "the heat of the moment"),
    ("Heat (1995)", "Heat and tension drive their choices."),
    ("Heat (1995)", "thrillers like *In the Heat of the Night*"),
    ("Dead Man (1995)", "dramas like *Dead Man Walking*"),
    ("Three Colors: Red (1994)", "art films like *Three Colors: Blue*"),
    ("Star Trek: First Contact (1996)", "*Star Trek: The Wrath of Khan*"),
    ("Big (1988)", "big-budget action and Big Night"),
    ("Kids (1995)", "Kids' films and family comedies"),
    ("Contact (1997)", "human contact and connection"),
    ("Star Wars (1977)", "a star who wars with fame"),
]


@pytest.mark.parametrize(("title", "text"), MENTIONS)
def test_title_is_found(title: str, text: str) -> None:
    assert mentions_title(text, title)


@pytest.mark.parametrize(("title", "text"), NON_MENTIONS)
def test_title_is_not_found(title: str, text: str) -> None:
    assert not mentions_title(text, title)


def test_title_variants_of_movielens_forms() -> None:
    assert title_variants("Godfather, The (1972)") == {"the godfather", "godfather"}
    assert title_variants("Seven (Se7en) (1995)") == {"seven", "se7en"}
    assert "star trek" in title_variants("Star Trek: First Contact (1996)")
    assert "star trek first contact" in title_variants("Star Trek: First Contact (1996)")
    assert title_variants("Big (1988)") == frozenset()
    assert natural_title("Postino, Il (1994)") == "Il Postino"
    assert natural_title("Enfer, L' (1994)") == "L'Enfer"


def tiny_data() -> InteractionData:
    titles = ["Toy Story (1995)", "Fargo (1996)", "Heat (1995)", "Alien (1979)", "Babe (1995)"]
    items = [ItemInfo(title="")] + [ItemInfo(title=t, year=int(t[-5:-1])) for t in titles]
    sequences = [
        np.zeros(0, dtype=np.int64),
        np.array([1, 2, 3, 4], dtype=np.int64),  # valid 3 (Heat), test 4 (Alien)
        np.array([4, 5, 1, 2], dtype=np.int64),  # valid 1 (Toy Story), test 2 (Fargo)
        np.array([1, 2], dtype=np.int64),  # too short: no held-out items
    ]
    return InteractionData(
        name="tiny",
        user_raw_ids=["", "u1", "u2", "u3"],
        item_raw_ids=[""] + [str(i) for i in range(1, 6)],
        sequences=sequences,
        timestamps=[np.arange(len(s), dtype=np.int64) for s in sequences],
        items=items,
    )


def test_find_leaking_users_on_tiny_data() -> None:
    data = tiny_data()
    split = leave_one_out(data)
    texts = {
        1: "Likes *Toy Story* and *Fargo*.",  # names training items only
        2: "A fan of *Fargo* and animation.",  # names the test item
        3: "Loves *Toy Story*.",  # no held-out items to leak
    }

    assert find_leaking_users(data, split, texts) == [2]

    report = audit_user_texts(data, split, texts)
    assert report.users_checked == 2
    assert report.leaking_users == [2]
    assert report.share == pytest.approx(0.5)
    assert [(leak.user, leak.item, leak.matched) for leak in report.leaks] == [(2, 2, "fargo")]


def test_text_safe_history_drops_same_titled_copy() -> None:
    data = tiny_data()
    data.items[5] = ItemInfo(title="Heat (1995)", year=1995)  # a duplicate of item 3
    data.sequences[1] = np.array([5, 1, 3, 4], dtype=np.int64)
    split = leave_one_out(data)

    assert split.train[1].tolist() == [5, 1]
    assert text_safe_history(data, split, 1).tolist() == [1]


@pytest.fixture(scope="module")
def real_audit(ml100k_dir: Path, texts_dir: Path):
    data = read_ml100k(ml100k_dir)
    split = leave_one_out(data)
    raw_texts = json.loads((texts_dir / "user_preferences.json").read_text(encoding="utf-8"))
    texts = {data.user_index(raw): text for raw, text in raw_texts.items()}
    return data, split, audit_user_texts(data, split, texts)


def test_real_leak_share(real_audit) -> None:
    _, _, report = real_audit

    # Measured on the shipped texts: 267 of 938 texts (28.5%) name the validation or test
    # item, and 148 name the test item. The bounds leave room for small matching changes.
    assert report.users_checked == 938
    assert 0.25 <= report.share <= 0.32
    assert len(report.leaking_users) == len({leak.user for leak in report.leaks})


def test_real_leaks_name_held_out_items(real_audit) -> None:
    data, split, report = real_audit

    for leak in report.leaks:
        assert leak.item in split.held_out(leak.user)
        assert leak.matched in title_variants(data.items[leak.item].title)
