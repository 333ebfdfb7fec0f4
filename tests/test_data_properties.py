"""Property tests: readers reject malformed files only with UR4RecError, and keep valid data."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ur4rec.data.interactions_csv import read_interactions_csv
from ur4rec.data.loader import DATASET_KINDS, load_dataset
from ur4rec.data.movielens import read_ml1m, read_ml100k
from ur4rec.data.sasrec_txt import read_sasrec_txt
from ur4rec.errors import UR4RecError

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

GENRE_FLAGS = "|".join(["0"] * 19)
VALID_U_DATA = "1\t1\t5\t100\n1\t2\t3\t101\n2\t1\t4\t50\n"
VALID_U_ITEM = "".join(f"{i}|Movie {i} (1995)|01-Jan-1995||url|{GENRE_FLAGS}\n" for i in (1, 2))
THREE_ITEMS = "".join(f"{i}|Movie {i} (1995)|01-Jan-1995||url|{GENRE_FLAGS}\n" for i in (1, 2, 3))
VALID_RATINGS_DAT = "1::1::5::100\n1::2::3::101\n"
VALID_MOVIES_DAT = "1::Movie (1995)::Comedy\n2::Other (1996)::Drama|War\n"

# Tokens that sit near the edge of valid input, so the fuzzing reaches the field checks.
TOKENS = st.sampled_from([
    "1", "2", "17", "0", "-3", "1.5", "1e3", "abc", "", " ", "99999999999999999999", "\x00",
    "é", "\ufeff", "NaN", "\"", "Toy Story (1995)", "01-Jan-1995",
])
SEPARATORS = st.sampled_from(["\t", "|", ",", "::", " ", ";"])
NEWLINES = st.sampled_from(["\n", "\r\n", "\r", "\n\n"])


@st.composite
def delimited_text(draw) -> bytes:
    """Lines of edge-case tokens joined by a mix of separators and line endings."""
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        tokens = draw(st.lists(TOKENS, min_size=0, max_size=26))
        sep = draw(SEPARATORS)
        lines.append(sep.join(tokens) + draw(NEWLINES))
    encoding = draw(st.sampled_from(["utf-8", "latin-1"]))
    return "".join(lines).encode(encoding, errors="replace")


FILE_CONTENT = st.one_of(
    delimited_text(),
    st.text(max_size=300).map(lambda s: s.encode("utf-8", errors="replace")),
    st.binary(max_size=300),
)


def read_or_reject(reader, path: Path) -> None:
    """Call the reader; a UR4RecError is an accepted outcome, any other exception fails."""
    try:
        data = reader(path)
    except UR4RecError:
        return
    # A successful read must produce a consistent data set.
    assert len(data.sequences) == data.num_users + 1
    assert len(data.items) == data.num_items + 1
    for seq, times in zip(data.sequences[1:], data.timestamps[1:], strict=True):
        assert len(seq) == len(times) > 0
        assert ((seq >= 1) & (seq <= data.num_items)).all()
        assert (np.diff(times) >= 0).all()


def write_files(directory: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        (directory / name).write_bytes(content)


@FUZZ
@given(content=FILE_CONTENT, target=st.sampled_from(["u.data", "u.item", "u.user", "u.genre"]))
def test_ml100k_fuzz(content, target):
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        files = {"u.data": VALID_U_DATA.encode(), "u.item": VALID_U_ITEM.encode()}
        files[target] = content
        write_files(directory, files)
        read_or_reject(read_ml100k, directory)


@FUZZ
@given(content=FILE_CONTENT, target=st.sampled_from(["ratings.dat", "movies.dat", "users.dat"]))
def test_ml1m_fuzz(content, target):
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        files = {"ratings.dat": VALID_RATINGS_DAT.encode(), "movies.dat": VALID_MOVIES_DAT.encode()}
        files[target] = content
        write_files(directory, files)
        read_or_reject(read_ml1m, directory)


@FUZZ
@given(content=FILE_CONTENT, header=st.booleans())
def test_csv_fuzz(content, header):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plays.csv"
        prefix = b"user_id,item_id,timestamp,title,genres\n" if header else b""
        path.write_bytes(prefix + content)
        read_or_reject(read_interactions_csv, path)


@FUZZ
@given(content=FILE_CONTENT)
def test_sasrec_fuzz(content):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.txt"
        path.write_bytes(content)
        read_or_reject(read_sasrec_txt, path)


@FUZZ
@given(kind=st.sampled_from([*DATASET_KINDS, "ml-20m", ""]), content=FILE_CONTENT,
       as_directory=st.booleans())
def test_load_dataset_fuzz(kind, content, as_directory):
    with tempfile.TemporaryDirectory() as tmp:
        if as_directory:
            path = Path(tmp)
            write_files(path, {"u.data": content, "u.item": VALID_U_ITEM.encode(),
                               "ratings.dat": content, "movies.dat": VALID_MOVIES_DAT.encode()})
        else:
            path = Path(tmp) / "data.txt"
            path.write_bytes(content)
        read_or_reject(lambda p: load_dataset(kind, p), path)


ROWS = st.lists(
    st.tuples(st.sampled_from(["u1", "u2", "7", "u3"]), st.sampled_from(["a", "b", "c", "42"]),
              st.integers(0, 5)),
    min_size=1, max_size=40,
)


@FUZZ
@given(rows=ROWS)
def test_csv_sequences_are_stable_time_order(rows):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plays.csv"
        body = "".join(f"{u},{i},{t}\n" for u, i, t in rows)
        path.write_text("user_id,item_id,timestamp\n" + body)
        data = read_interactions_csv(path)

    # Reference: drop repeated (user, item, timestamp) rows, then stable-sort by timestamp.
    unique_rows = list(dict.fromkeys(rows))
    assert data.num_interactions == len(unique_rows)
    for user in {u for u, _, _ in rows}:
        mine = [(t, i) for u, i, t in unique_rows if u == user]
        expected = [i for _, i in sorted(mine, key=lambda row: row[0])]
        internal = data.user_index(user)
        assert [data.item_raw_ids[i] for i in data.sequences[internal]] == expected


@FUZZ
@given(rows=st.lists(st.tuples(st.integers(1, 5), st.integers(1, 9)), min_size=1, max_size=40))
def test_sasrec_sequences_follow_line_order(rows):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tiny.txt"
        path.write_text("".join(f"{u} {i}\n" for u, i in rows))
        data = read_sasrec_txt(path)

    assert data.num_interactions == len(rows)
    for user in {u for u, _ in rows}:
        expected = [str(i) for u, i in rows if u == user]
        internal = data.user_index(user)
        assert [data.item_raw_ids[i] for i in data.sequences[internal]] == expected


INT_ROWS = st.lists(
    st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 5), st.integers(0, 4)),
    min_size=1, max_size=30,
)


@FUZZ
@given(rows=INT_ROWS, blank_at=st.integers(0, 30))
def test_ml100k_fast_and_slow_paths_agree(rows, blank_at):
    # A clean file takes the pandas C parser path; a blank line and padded fields force the
    # line-by-line path. Both must build the same data set.
    clean = "".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in rows)
    padded_lines = [f" {u}\t{i} \t{r}\t{t}\n" for u, i, r, t in rows]
    padded_lines.insert(min(blank_at, len(padded_lines)), "\n")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for text in (clean, "".join(padded_lines)):
            directory = Path(tmp)
            write_files(directory, {"u.data": text.encode(), "u.item": THREE_ITEMS.encode()})
            results.append(read_ml100k(directory))

    fast, slow = results
    assert fast.user_raw_ids == slow.user_raw_ids
    assert fast.item_raw_ids == slow.item_raw_ids
    for user in range(1, fast.num_users + 1):
        assert fast.sequences[user].tolist() == slow.sequences[user].tolist()
        assert fast.timestamps[user].tolist() == slow.timestamps[user].tolist()
