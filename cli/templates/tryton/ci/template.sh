#!/usr/bin/env bash
# Makes the template database the tryton-connector tests copy (one per test server): Tryton's
# modules installed with trytond-admin (about 6 s), admin password `admin`.
# Usage: template.sh <venv> <folder>; prints the database file.
set -euo pipefail
venv="$1"
dir="$2"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
rm -f "$dir/erp.sqlite"
touch "$dir/erp.sqlite"
printf '[database]\nuri = sqlite://\npath = %s\n' "$dir" > "$dir/trytond.conf"
printf 'admin\n' > "$dir/admin-password"
TRYTONPASSFILE="$dir/admin-password" "$venv/bin/trytond-admin" -c "$dir/trytond.conf" -d erp --all \
  --email admin@example.com \
  -u party country currency party_relationship company company_work_time timesheet project >/dev/null
echo "$dir/erp.sqlite"
