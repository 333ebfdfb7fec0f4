"""Readers of MovieLens-100K/1M, generic CSV and SASRec text files, on real and handmade files."""

from __future__ import annotations

import argparse
import logging
import shutil
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_data_root
from ur4rec.cli.data import register
from ur4rec.data.interactions_csv import read_interactions_csv
from ur4rec.data.loader import DATASET_KINDS, load_dataset
from ur4rec.data.movielens import ML100K_GENRES, read_ml1m, read_ml100k
from ur4rec.data.sasrec_txt import read_sasrec_txt
from ur4rec.data.split import leave_one_out
from ur4rec.errors import DataError

COLD_FEVER_TITLE = "Á köldum klaka (Cold Fever) (1994)"  # item 1633, with latin-1 letters


@pytest.fixture(scope="module")
def ml100k(ml100k_dir: Path):
    return read_ml100k(ml100k_dir)


def write_ml100k(directory: Path, data_lines: list[str], num_items: int = 5) -> Path:
    """Write a small u.data and a u.item listing items 1..num_items."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "u.data").write_text("".join(line + "\n" for line in data_lines))
    flags = "|".join(["0"] * 19)
    items = [
        f"{i}|Movie {i} (199{i % 10})|01-Jan-199{i % 10}||http://example.invalid/{i}|{flags}"
        for i in range(1, num_items + 1)
    ]
    (directory / "u.item").write_text("\n".join(items) + "\n", encoding="latin-1")
    return directory


def raw_items(data, user: int) -> list[str]:
    return [data.item_raw_ids[i] for i in data.sequences[user]]


# --- MovieLens-100K, real data -------------------------------------------------------------


def test_ml100k_real_counts(ml100k):
    assert ml100k.name == "ml-100k"
    assert ml100k.num_users == 943
    assert ml100k.num_items == 1682
    assert ml100k.num_interactions == 100_000


def test_ml100k_real_toy_story(ml100k):
    toy_story = ml100k.items[1]
    assert toy_story.title == "Toy Story (1995)"
    assert toy_story.year == 1995
    assert toy_story.genres == ("Animation", "Children's", "Comedy")
    assert toy_story.release_date == "01-Jan-1995"


def test_ml100k_real_unknown_item_267(ml100k):
    unknown = ml100k.items[267]
    assert unknown.title == "unknown"
    assert unknown.year is None
    assert unknown.release_date is None


def test_ml100k_real_latin1_title(ml100k):
    assert ml100k.items[1633].title == COLD_FEVER_TITLE


def test_ml100k_real_ids_unchanged(ml100k):
    assert ml100k.item_raw_ids == [""] + [str(i) for i in range(1, 1683)]
    assert ml100k.user_raw_ids == [""] + [str(u) for u in range(1, 944)]
    assert ml100k.item_index("50") == 50
    assert ml100k.user_index("943") == 943


def test_ml100k_real_sequences_match_stable_sort(ml100k, ml100k_dir):
    # Reference: group u.data rows by user in file order, then a stable sort on timestamp only.
    rows = defaultdict(list)
    with (ml100k_dir / "u.data").open() as stream:
        for line in stream:
            user, item, _rating, timestamp = line.split("\t")
            rows[int(user)].append((int(timestamp), int(item)))
    for user, interactions in rows.items():
        expected = [item for _, item in sorted(interactions, key=lambda row: row[0])]
        assert ml100k.sequences[user].tolist() == expected, f"user {user}"
        assert ml100k.timestamps[user].tolist() == sorted(t for t, _ in interactions)


def test_ml100k_real_user_features(ml100k):
    # The u.user header line is skipped, so user 1 is the first data line.
    assert len(ml100k.user_features) == 944
    assert ml100k.user_features[1] == {
        "age": "24", "gender": "M", "occupation": "technician", "zip_code": "85711"
    }
    assert ml100k.user_features[943]["occupation"] == "student"


def test_ml100k_real_leave_one_out(ml100k):
    split = leave_one_out(ml100k)
    eval_users = split.eval_users()
    assert len(eval_users) == 943
    for user in eval_users:
        seq, times = ml100k.sequences[user], ml100k.timestamps[user]
        assert split.test_target[user] == seq[-1]
        assert split.valid_target[user] == seq[-2]
        assert len(split.train[user]) == len(seq) - 2
        assert split.train[user].tolist() == seq[:-2].tolist()
        # MovieLens-100K has one rating a user-item pair, so no target recurs in training.
        assert split.test_target[user] not in split.train[user]
        assert split.valid_target[user] not in split.train[user]
        assert times[-1] >= times[-2] >= times[:-2].max()


def test_ml100k_default_genres_without_u_genre(tmp_path, ml100k_dir, ml100k):
    for name in ("u.data", "u.item"):
        shutil.copy(ml100k_dir / name, tmp_path / name)
    data = read_ml100k(tmp_path)
    assert data.items[1].genres == ("Animation", "Children's", "Comedy")
    assert data.user_features == []
    assert [info.genres for info in data.items] == [info.genres for info in ml100k.items]


def test_ml100k_u_genre_names_are_used(tmp_path):
    directory = write_ml100k(tmp_path, ["1\t1\t3\t10", "1\t2\t3\t11", "1\t3\t3\t12"], num_items=3)
    names = [f"G{k}" for k in range(19)]
    (directory / "u.genre").write_text("".join(f"{n}|{k}\n" for k, n in enumerate(names)) + "\n")
    item_line = "1|One (1990)||||" + "|".join("1" if k in (2, 5) else "0" for k in range(19))
    lines = (directory / "u.item").read_text().splitlines()
    (directory / "u.item").write_text("\n".join([item_line] + lines[1:]) + "\n")
    data = read_ml100k(directory)
    assert data.items[1].genres == ("G2", "G5")
    assert data.items[1].year == 1990  # from the title, because the release date is empty


def test_ml100k_utf8_u_item_loads(tmp_path, ml100k_dir, caplog):
    shutil.copy(ml100k_dir / "u.data", tmp_path / "u.data")
    text = (ml100k_dir / "u.item").read_bytes().decode("latin-1")
    (tmp_path / "u.item").write_bytes(text.encode("utf-8"))
    with caplog.at_level(logging.DEBUG, logger="ur4rec.data.delimited"):
        data = read_ml100k(tmp_path)
    assert data.items[1633].title == COLD_FEVER_TITLE
    assert any("u.item as UTF-8" in r.getMessage() for r in caplog.records)


def test_ml100k_latin1_u_item_is_logged(ml100k_dir, caplog):
    with caplog.at_level(logging.INFO, logger="ur4rec.data.delimited"):
        data = read_ml100k(ml100k_dir)
    assert data.items[1633].title == COLD_FEVER_TITLE
    assert any("u.item as latin-1" in r.getMessage() for r in caplog.records)


# --- MovieLens-100K, handmade files ------------------------------------------------------------


def test_ml100k_ties_keep_file_order(tmp_path):
    # Items 5 and 3 share a timestamp; sorting by item id would put 3 first.
    directory = write_ml100k(tmp_path, [
        "1\t5\t4\t100",
        "1\t3\t2\t100",
        "1\t4\t5\t50",
        "2\t1\t1\t7",
        "2\t2\t1\t7",
    ])
    data = read_ml100k(directory)
    assert raw_items(data, 1) == ["4", "5", "3"]
    assert data.timestamps[1].tolist() == [50, 100, 100]
    assert raw_items(data, 2) == ["1", "2"]


def test_ml100k_duplicate_rows_dropped(tmp_path, caplog):
    directory = write_ml100k(tmp_path, [
        "1\t1\t4\t100",
        "1\t2\t4\t101",
        "1\t1\t3\t100",  # same user, item and timestamp as line 1: dropped
        "1\t1\t3\t102",  # same item later: a new interaction
        "1\t2\t4\t101",  # duplicate of line 2: dropped
    ])
    with caplog.at_level(logging.WARNING):
        data = read_ml100k(directory)
    assert raw_items(data, 1) == ["1", "2", "1"]
    message = " ".join(r.getMessage() for r in caplog.records)
    assert "dropped 2 duplicate (user, item, timestamp) rows" in message
    assert "line 3" in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("1\t2\t3", "3 tab-separated fields"),
        ("1\t2\t3\t4\t5", "5 tab-separated fields"),
        ("x1\t2\t3\t100", "user id 'x1' is not a number"),
        ("1\tabc\t3\t100", "item id 'abc' is not a number"),
        ("1\t2\t3\t-100", "timestamp '-100' is negative"),
        ("1\t2\t3\t100.5", "timestamp '100.5' is not an integer"),
        ("1\t2\t\t100", "rating is empty"),
        ("1\t\t3\t100", "item id is empty"),
    ],
)
def test_ml100k_bad_u_data_line(tmp_path, line, expected):
    directory = write_ml100k(tmp_path, ["1\t1\t3\t10", "1\t2\t3\t11", line])
    with pytest.raises(DataError) as caught:
        read_ml100k(directory)
    assert caught.value.line == 3
    assert caught.value.path.endswith("u.data")
    assert expected in str(caught.value)


def test_ml100k_error_line_counts_blank_lines(tmp_path):
    directory = write_ml100k(tmp_path, ["1\t1\t3\t10", "", "1\t2\t3"])
    with pytest.raises(DataError) as caught:
        read_ml100k(directory)
    assert caught.value.line == 3


def test_ml100k_empty_u_data(tmp_path):
    directory = write_ml100k(tmp_path, [])
    with pytest.raises(DataError, match="empty"):
        read_ml100k(directory)


def test_ml100k_missing_u_data_suggests_fetch(tmp_path):
    with pytest.raises(DataError) as caught:
        read_ml100k(tmp_path)
    message = str(caught.value)
    assert "u.data" in message
    assert "ur4rec data fetch ml-100k" in message
    assert "ur4rec data import" in message


def test_ml100k_missing_directory(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_ml100k(tmp_path / "nowhere")


def test_ml100k_item_missing_from_u_item(tmp_path):
    directory = write_ml100k(tmp_path, ["1\t1\t3\t10", "1\t2\t3\t11", "2\t9\t3\t12"], num_items=5)
    with pytest.raises(DataError) as caught:
        read_ml100k(directory)
    assert caught.value.line == 3
    assert "item 9 is not listed in u.item" in str(caught.value)


def test_ml100k_bad_genre_flag(tmp_path):
    directory = write_ml100k(tmp_path, ["1\t1\t3\t10"], num_items=2)
    lines = (directory / "u.item").read_text().splitlines()
    lines[1] = lines[1][:-1] + "7"
    (directory / "u.item").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as caught:
        read_ml100k(directory)
    assert caught.value.line == 2
    assert "'Western'" in str(caught.value)


def test_ml100k_short_u_item_line(tmp_path):
    directory = write_ml100k(tmp_path, ["1\t1\t3\t10"], num_items=2)
    with (directory / "u.item").open("a") as stream:
        stream.write("3|Too short|01-Jan-1990\n")
    with pytest.raises(DataError) as caught:
        read_ml100k(directory)
    assert caught.value.line == 3
    assert "24 are expected" in str(caught.value)


def test_ml100k_duplicate_item_id(tmp_path):
    directory = write_ml100k(tmp_path, ["1\t1\t3\t10"], num_items=2)
    first = (directory / "u.item").read_text().splitlines()[0]
    with (directory / "u.item").open("a") as stream:
        stream.write(first + "\n")
    with pytest.raises(DataError, match="item id 1 appears more than once"):
        read_ml100k(directory)


def test_ml100k_bad_u_user_line(tmp_path):
    directory = write_ml100k(tmp_path, ["1\t1\t3\t10"], num_items=1)
    (directory / "u.user").write_text("1|24|M|technician|85711\nabc|1|F|x|1\n")
    with pytest.raises(DataError) as caught:
        read_ml100k(directory)
    assert caught.value.line == 2


def test_ml100k_genre_count_mismatch(tmp_path):
    directory = write_ml100k(tmp_path, ["1\t1\t3\t10"], num_items=1)
    (directory / "u.genre").write_text("A|0\nB|1\n")
    with pytest.raises(DataError, match="7 are expected"):
        read_ml100k(directory)


def test_ml100k_crlf_line_endings(tmp_path):
    directory = write_ml100k(tmp_path, [])
    (directory / "u.data").write_bytes(b"1\t2\t3\t20\r\n1\t1\t3\t10\r\n")
    data = read_ml100k(directory)
    assert raw_items(data, 1) == ["1", "2"]


# --- MovieLens-1M ---------------------------------------------------------------------------


def write_ml1m(directory: Path, ratings: list[str], with_users: bool = True) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ratings.dat").write_text("".join(r + "\n" for r in ratings))
    movies = [
        "1::Toy Story (1995)::Animation|Children's|Comedy",
        "2::Jumanji (1995)::Adventure|Children's|Fantasy",
        "10::Á köldum klaka (Cold Fever) (1994)::Comedy|Drama",
    ]
    (directory / "movies.dat").write_bytes(("\n".join(movies) + "\n").encode("latin-1"))
    if with_users:
        (directory / "users.dat").write_text("1::F::1::10::48067\n2::M::56::16::70072\n")
    return directory


def test_ml1m_reads_handmade_files(tmp_path):
    directory = write_ml1m(tmp_path, [
        "1::10::5::978300760",
        "1::1::3::978300760",
        "1::2::3::978300000",
        "2::1::4::978300100",
    ])
    data = read_ml1m(directory)
    assert data.name == "ml-1m"
    assert (data.num_users, data.num_items, data.num_interactions) == (2, 3, 4)
    assert raw_items(data, 1) == ["2", "10", "1"]  # the tie keeps the file order
    cold_fever = data.items[data.item_index("10")]
    assert cold_fever.title == COLD_FEVER_TITLE
    assert cold_fever.year == 1994
    assert cold_fever.genres == ("Comedy", "Drama")
    assert data.user_features[2] == {
        "gender": "M", "age": "56", "occupation": "16", "zip_code": "70072"
    }


def test_ml1m_users_file_optional(tmp_path):
    directory = write_ml1m(tmp_path, ["1::1::5::10"], with_users=False)
    assert read_ml1m(directory).user_features == []


def test_ml1m_missing_rating_column(tmp_path):
    directory = write_ml1m(tmp_path, ["1::1::5::10", "1::2::978300760"])
    with pytest.raises(DataError) as caught:
        read_ml1m(directory)
    assert caught.value.line == 2
    assert "rating" in str(caught.value)


def test_ml1m_unknown_movie(tmp_path):
    directory = write_ml1m(tmp_path, ["1::1::5::10", "1::3::5::11"])
    with pytest.raises(DataError, match="item 3 is not listed in movies.dat"):
        read_ml1m(directory)


def test_ml1m_missing_ratings_file(tmp_path):
    with pytest.raises(DataError, match="missing file ratings.dat"):
        read_ml1m(tmp_path)


# --- generic CSV ----------------------------------------------------------------------------


def test_csv_with_titles_and_genres(tmp_path):
    path = tmp_path / "plays.csv"
    path.write_text(
        "user_id,item_id,timestamp,title,genres,rating\n"
        'alice,m2,20,"Heat, Part II (1995)",Action|Crime,5\n'
        "alice,m1,10,Alien (1979),Horror|Sci-Fi,4\n"
        "bob,m1,5,Alien (1979),Horror|Sci-Fi,3\n"
        "alice,m3,20,Clue,,2\n"
    )
    data = read_interactions_csv(path)
    assert data.name == "plays"
    assert data.user_raw_ids == ["", "alice", "bob"]  # order of first appearance
    assert data.item_raw_ids == ["", "m2", "m1", "m3"]
    assert raw_items(data, 1) == ["m1", "m2", "m3"]
    heat = data.items[data.item_index("m2")]
    assert heat.title == "Heat, Part II (1995)"
    assert heat.year == 1995
    assert heat.genres == ("Action", "Crime")
    assert data.items[data.item_index("m3")].genres == ()


def test_csv_titles_default_to_raw_ids(tmp_path):
    path = tmp_path / "plays.tsv"
    path.write_text("u\ti\tt\n10\t7\t1\n2\t007\t1\n2\t7\t0\n")
    data = read_interactions_csv(path, user_col="u", item_col="i", time_col="t", sep="\t")
    assert data.user_raw_ids == ["", "2", "10"]  # digit strings are ordered by value
    # Raw strings are kept as written; equal values are ordered as strings.
    assert data.item_raw_ids == ["", "007", "7"]
    assert data.items[1].title == "007"
    assert raw_items(data, 1) == ["7", "007"]


def test_csv_without_time_column_uses_row_order(tmp_path):
    path = tmp_path / "plays.csv"
    path.write_text("user_id,item_id\n1,b\n1,a\n")
    data = read_interactions_csv(path, time_col=None)
    assert raw_items(data, 1) == ["b", "a"]


def test_csv_missing_column_lists_header(tmp_path):
    path = tmp_path / "plays.csv"
    path.write_text("user,item_id,timestamp\n1,2,3\n")
    with pytest.raises(DataError) as caught:
        read_interactions_csv(path)
    assert "'user_id'" in str(caught.value)
    assert "'user', 'item_id', 'timestamp'" in str(caught.value)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("1,2,3,4", "Expected 3 fields in line 3"),
        ("1,2,-5", "is negative"),
        ("1,2,1.5", "is not an integer"),
        ("1,,5", "'item_id' value is empty"),
        ("1,2", "timestamp is empty"),
    ],
)
def test_csv_bad_row(tmp_path, row, expected):
    path = tmp_path / "plays.csv"
    path.write_text(f"user_id,item_id,timestamp\n1,1,1\n{row}\n")
    with pytest.raises(DataError) as caught:
        read_interactions_csv(path)
    assert caught.value.line == 3
    assert expected in str(caught.value)


def test_csv_header_only(tmp_path):
    path = tmp_path / "plays.csv"
    path.write_text("user_id,item_id,timestamp\n")
    with pytest.raises(DataError, match="no interactions"):
        read_interactions_csv(path)


# --- SASRec text ----------------------------------------------------------------------------


def test_sasrec_real_video():
    path = shared_data_root() / "sasrec" / "Video.txt"
    if not path.is_file():
        pytest.skip(f"SASRec Video.txt not found at {path}")
    started = time.perf_counter()
    data = read_sasrec_txt(path)
    elapsed = time.perf_counter() - started
    assert (data.num_users, data.num_items, data.num_interactions) == (31013, 23715, 287107)
    assert data.name == "Video"
    assert data.sequences[1][:3].tolist() == [6393, 13504, 14087]
    # A loose bound so a per-line Python loop (tens of seconds) fails; about 1 s on 2 cores.
    assert elapsed < 10


def test_sasrec_keeps_line_order(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("1 3\n2 1\n1 1\n1\t2\n\n2 3 \n")
    data = read_sasrec_txt(path)
    assert raw_items(data, 1) == ["3", "1", "2"]
    assert raw_items(data, 2) == ["1", "3"]
    assert data.timestamps[1].tolist() == [1, 3, 4]


def test_sasrec_bad_line(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("1 3\n2\n")
    with pytest.raises(DataError) as caught:
        read_sasrec_txt(path)
    assert caught.value.line == 2


# --- loader and CLI -------------------------------------------------------------------------


def test_load_dataset_dispatches(tmp_path, ml100k_dir):
    assert load_dataset("ml-100k", ml100k_dir).num_interactions == 100_000
    path = tmp_path / "tiny.txt"
    path.write_text("1 2\n")
    assert load_dataset("sasrec-txt", path).num_items == 1


def test_load_dataset_unknown_kind(tmp_path):
    with pytest.raises(DataError) as caught:
        load_dataset("ml-20m", tmp_path)
    for kind in DATASET_KINDS:
        assert kind in str(caught.value)


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ur4rec")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_info_real_data(ml100k_dir, capsys):
    assert run_cli(["data", "info", "--kind", "ml-100k", "--path", str(ml100k_dir)]) == 0
    out = capsys.readouterr().out
    assert "users:         943" in out
    assert "items:         1682" in out
    assert "interactions:  100000" in out
    assert "fewer than 3 interactions (train only): 0" in out


def test_cli_info_counts_short_users(tmp_path, capsys):
    path = tmp_path / "tiny.txt"
    path.write_text("1 1\n1 2\n1 3\n2 1\n3 2\n3 1\n")
    run_cli(["data", "info", "--kind", "sasrec-txt", "--path", str(path)])
    assert "fewer than 3 interactions (train only): 2" in capsys.readouterr().out


def test_cli_info_missing_path(tmp_path):
    with pytest.raises(DataError):
        run_cli(["data", "info", "--kind", "csv", "--path", str(tmp_path / "none.csv")])


def test_default_genre_names_match_real_u_genre(ml100k_dir):
    lines = (ml100k_dir / "u.genre").read_text().split("\n")
    assert tuple(line.split("|")[0] for line in lines if line) == ML100K_GENRES


def test_sequences_are_int64(ml100k):
    assert all(seq.dtype == np.int64 for seq in ml100k.sequences)
    assert all(times.dtype == np.int64 for times in ml100k.timestamps)
