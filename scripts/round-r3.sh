#!/usr/bin/env bash
# How round r3 was entered in Doccano (run once, from the repository root, with the venv
# of the README's main command). Two annotators on every paragraph:
#   annotator1 = the gold of r2 re-checked against guidelines v2 (sessions r1, r2 review,
#                r3 v2 review, each applied over the preloaded suggestions);
#   annotator2 = a blind annotation from the cleaned paragraphs, guidelines v2 and the schema.
# Credentials are random per run and never stored. The exports land in
# annotations/doccano/r3/; nothing else is written to the repository.
set -euo pipefail
astana=${ASTANA:-.venv/bin/astana}
export DOCCANO_HOME=${DOCCANO_HOME:-$(mktemp -d)}
port=${PORT:-8771}
project=astana-r3
export DOCCANO_URL=http://127.0.0.1:$port
export DOCCANO_USERNAME=admin
export DOCCANO_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(16))')
pw1=$(python3 -c 'import secrets; print(secrets.token_urlsafe(16))')
pw2=$(python3 -c 'import secrets; print(secrets.token_urlsafe(16))')
trap '"$astana" doccano stop' EXIT
"$astana" doccano serve --port "$port"
"$astana" preannotate
"$astana" doccano push --project "$project" --preannotations build/preannotations.jsonl
DOCCANO_NEW_PASSWORD=$pw1 "$astana" doccano add-user --project "$project" --username annotator1
DOCCANO_NEW_PASSWORD=$pw2 "$astana" doccano add-user --project "$project" --username annotator2
as_user() { DOCCANO_USERNAME=$1 DOCCANO_PASSWORD=$2 "$astana" doccano "${@:3}" --project "$project"; }
as_user annotator1 "$pw1" preload
for session in r1-annotator1 r2-annotator1-review r3-annotator1-v2-review; do
  as_user annotator1 "$pw1" apply-session --replace --session "annotations/sessions/$session.yaml"
done
as_user annotator2 "$pw2" preload
as_user annotator2 "$pw2" apply-session --replace --session annotations/sessions/r3-annotator2.yaml
"$astana" doccano pull --project "$project" --round r3
"$astana" agreement --round r3
