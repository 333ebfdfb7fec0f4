#!/usr/bin/env bash
# Refresh the studio's Simplified Chinese translation from the sources and compile it.
#
# pyside6-lupdate adds new strings to the .ts file as unfinished and keeps existing
# translations. Translate the new entries (for example in pyside6-linguist), then run this
# script again so that pyside6-lrelease writes the .qm file the studio loads.
set -euo pipefail

cd "$(dirname "$0")/.."
bin="${VIRTUAL_ENV:-.venv}/bin"
ts=resources/translations/ur4rec_studio_zh_CN.ts
qm=resources/translations/ur4rec_studio_zh_CN.qm

mapfile -t sources < <(find app -name '*.py' | sort)
"$bin/pyside6-lupdate" -no-obsolete "${sources[@]}" -ts "$ts"
"$bin/pyside6-lrelease" "$ts" -qm "$qm"

unfinished=$(grep -c 'type="unfinished"' "$ts" || true)
if [ "$unfinished" -gt 0 ]; then
    echo "$ts: $unfinished strings still need a translation" >&2
fi
