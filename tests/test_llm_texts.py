"""The text table of the pipeline, offline templates and prompts, on the real MovieLens-100K."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ur4rec.data.dataset import ItemInfo
from ur4rec.data.movielens import read_ml100k
from ur4rec.data.split import leave_one_out
from ur4rec.errors import ConfigError
from ur4rec.llm.leakage import audit_user_texts, text_safe_history
from ur4rec.llm.prompts import (
    build_item_prompt,
    build_user_prompt,
    load_template,
    prompt_hash,
)
from ur4rec.llm.templates import display_title, item_template, user_template
from ur4rec.llm.texts import TEXT_POLICIES, build_texts


@pytest.fixture(scope="module")
def ml100k(ml100k_dir: Path):
    data = read_ml100k(ml100k_dir)
    return data, leave_one_out(data)


@pytest.fixture(scope="module")
def default_table(ml100k, texts_dir: Path):
    data, split = ml100k
    return build_texts(data, split, texts_dir)


def test_every_user_and_item_has_text(ml100k, default_table) -> None:
    data, _ = ml100k
    table = default_table

    assert len(table.item_texts) == data.num_items + 1
    assert len(table.user_texts) == data.num_users + 1
    assert table.item_texts[0] == ""
    assert table.user_texts[0] == ""
    assert all(text.strip() for text in table.item_texts[1:])
    assert all(text.strip() for text in table.user_texts[1:])
    assert table.item_sources.count("imported") == 1659
    assert table.item_sources.count("offline_template") == 23
    assert table.user_sources.count("offline_template") == 5


def test_leaking_user_texts_are_replaced(ml100k, default_table, texts_dir: Path) -> None:
    data, split = ml100k
    table = default_table
    raw = json.loads((texts_dir / "user_preferences.json").read_text(encoding="utf-8"))
    leaking = table.leak_report.leaking_users

    assert len(leaking) > 100
    assert table.user_sources.count("leak_replaced") == len(leaking)
    for user in leaking:
        assert table.user_sources[user] == "leak_replaced"
        assert table.user_texts[user] != raw[data.user_raw_ids[user]]
        assert table.user_texts[user] == user_template(data, text_safe_history(data, split, user))
    imported = [u for u in range(1, data.num_users + 1) if table.user_sources[u] == "imported"]
    assert len(imported) == 938 - len(leaking)


def test_final_user_texts_pass_the_audit(ml100k, default_table) -> None:
    data, split = ml100k
    texts = {u: t for u, t in enumerate(default_table.user_texts) if u > 0}

    assert audit_user_texts(data, split, texts).leaking_users == []


def test_drop_policy_empties_leaking_texts(ml100k, texts_dir: Path) -> None:
    data, split = ml100k

    table = build_texts(data, split, texts_dir, policy="drop-leaking")

    leaking = table.leak_report.leaking_users
    assert table.user_sources.count("dropped") == len(leaking)
    assert all(table.user_texts[u] == "" for u in leaking)
    assert all(table.user_sources[u] == "dropped" for u in leaking)


def test_keep_policy_keeps_leaking_texts(ml100k, texts_dir: Path) -> None:
    data, split = ml100k
    raw = json.loads((texts_dir / "user_preferences.json").read_text(encoding="utf-8"))

    table = build_texts(data, split, texts_dir, policy="keep")

    leaking = table.leak_report.leaking_users
    assert table.user_sources.count("imported_leaking") == len(leaking)
    for user in leaking:
        assert table.user_texts[user] == raw[data.user_raw_ids[user]]


def test_unknown_policy_lists_valid_values(ml100k, texts_dir: Path) -> None:
    data, split = ml100k

    with pytest.raises(ConfigError) as info:
        build_texts(data, split, texts_dir, policy="regenerate")

    assert info.value.key_path == "data.texts_policy"
    for policy in TEXT_POLICIES:
        assert policy in str(info.value)


@pytest.mark.parametrize("texts_dir_kind", ["none", "empty_folder"])
def test_missing_texts_give_all_templates(ml100k, tmp_path: Path, texts_dir_kind: str) -> None:
    data, split = ml100k
    folder = None if texts_dir_kind == "none" else tmp_path

    table = build_texts(data, split, folder)

    assert set(table.item_sources[1:]) == {"offline_template"}
    assert set(table.user_sources[1:]) == {"offline_template"}
    assert table.leak_report.users_checked == 0


def test_only_item_file_present(ml100k, texts_dir: Path, tmp_path: Path) -> None:
    data, split = ml100k
    shutil.copy(texts_dir / "item_descriptions.json", tmp_path / "item_descriptions.json")

    table = build_texts(data, split, tmp_path)

    assert table.item_sources.count("imported") == 1659
    assert set(table.user_sources[1:]) == {"offline_template"}


def test_user_templates_never_name_held_out_items(ml100k) -> None:
    data, split = ml100k
    texts = {}
    for user in range(1, data.num_users + 1):
        text = user_template(data, text_safe_history(data, split, user))
        for item in split.held_out(user):
            assert f'"{display_title(data.items[item])}"' not in text
        texts[user] = text

    assert audit_user_texts(data, split, texts).leaking_users == []


def test_item_template_uses_title_year_genres() -> None:
    info = ItemInfo(title="Toy Story (1995)", year=1995, genres=("Animation", "Comedy"))

    assert item_template(info) == "Toy Story (1995): an Animation and Comedy title."
    drama = ItemInfo(title="Heat (1995)", year=1995, genres=("Drama",))
    assert item_template(drama) == "Heat (1995): a Drama title."
    assert item_template(ItemInfo(title="42")) == "42."


def test_user_template_is_capped_and_recent_first(ml100k) -> None:
    data, split = ml100k
    history = split.train[1]

    text = user_template(data, history, max_items=3)

    titles = [display_title(data.items[int(i)]) for i in history[::-1][:4]]
    assert text.index(titles[0]) < text.index(titles[1]) < text.index(titles[2])
    assert f'"{titles[3]}"' not in text
    assert f"Interacted with {len(history)} items." in text
    assert user_template(data, history[:0]) == "No interactions recorded yet."


def held_out_title_lines(prompt: str) -> list[str]:
    return [line[2:] for line in prompt.splitlines() if line.startswith("- ")]


def test_user_prompts_never_contain_held_out_title(ml100k) -> None:
    data, split = ml100k
    removed_copies = 0
    for user in range(1, data.num_users + 1):
        prompt = build_user_prompt(data, split, user, max_history=10_000)
        listed = {line.split(" [")[0] for line in held_out_title_lines(prompt)}
        for item in split.held_out(user):
            title = display_title(data.items[item])
            assert title not in listed, (user, title)
        removed_copies += len(split.train[user]) - len(text_safe_history(data, split, user))

    # ML-100K lists 18 films twice under two ids. Eleven training items are the second copy
    # of the same user's held-out film (e.g. "Chasing Amy (1997)", items 246 and 268) and are
    # left out of that user's prompt; without that the assert above would fail for them.
    assert removed_copies == 11


def test_user_prompt_uses_training_history_only(ml100k) -> None:
    data, split = ml100k

    prompt = build_user_prompt(data, split, 1, max_history=5)

    lines = held_out_title_lines(prompt)
    expected = [display_title(data.items[int(i)]) for i in split.train[1][::-1][:5]]
    assert [line.split(" [")[0] for line in lines] == expected
    assert "watched these 5 movies" in prompt


def test_item_prompt_and_hash(ml100k) -> None:
    data, _ = ml100k
    template = load_template("items")

    prompt = build_item_prompt(data, 127, template)

    assert '"The Godfather" (released 1972; genres: Action, Crime, Drama)' in prompt
    assert template.hash == prompt_hash(template.text)
    assert len(template.hash) == 16
    assert prompt_hash(template.text + " ") != template.hash
    assert load_template("users").hash != template.hash
