#!/usr/bin/env bash
# Reads the Parquet files that `make demo` flushed with DuckDB itself (the
# @duckdb/node-api package from the npm registry, run by Node.js), and checks
# that DuckDB sees every flushed row, every owner partition and the logical
# types tablegen writes. Run `make demo` first; `make interop` does both.
#
# The package is installed once into tablegen-duckdb in the user's cache
# directory (Go's os.UserCacheDir), where the demo's DuckDB step and the
# DuckDB tests of runtime/flush find it. `duckdb-check.sh --install` only
# installs it.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "duckdb-check: needs Node.js (apt-get install nodejs npm)" >&2; exit 2; }
case "$(uname -s)" in
Darwin) cache=$HOME/Library/Caches ;;
*) cache=${XDG_CACHE_HOME:-$HOME/.cache} ;;
esac
mods=$cache/tablegen-duckdb
# One installer for the tests, the demo and this script: it installs into a
# fresh directory and renames it into place, so parallel runs never see half
# a package.
go run ./internal/nodepkg/install "$mods" | sed 's/^/duckdb-check: /'
[ "${1:-}" = --install ] && exit 0
root=${1:-data/parquet/chat/messages}
[ -d "$root" ] || { echo "duckdb-check: $root does not exist; run make demo first" >&2; exit 2; }
# ES modules resolve packages from the script's directory, so the script
# goes next to node_modules.
script=$mods/tablegen-check-$$.mjs
trap 'rm -f "$script"' EXIT
cat >"$script" <<'JS'
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
const [root] = process.argv.slice(2);
// What the manifest says was flushed: rows and owners of the live segments.
const m = JSON.parse(readFileSync(`${root}/_manifest.json`, 'utf8'));
const wantRows = String(m.segments.reduce((n, s) => n + s.rows, 0));
// Multi-owner segments (no owner in the manifest) hold owners the
// manifest does not list: then at least the listed ones are wanted.
const multi = m.segments.some((s) => s.owner === undefined);
const wantOwners = String(new Set(m.segments.filter((s) => s.owner !== undefined).map((s) => s.owner)).size);
const glob = `${root}/**/*.parquet`;
const c = await (await DuckDBInstance.create(':memory:')).connect();
const r = await c.runAndReadAll(`
  SELECT count(*) AS n, count(DISTINCT owner) AS owners,
         any_value(typeof(sent_at)) AS sent_at, any_value(typeof(client_message_id)) AS client_message_id
  FROM read_parquet('${glob}', hive_partitioning = true)`);
const got = r.getRowObjectsJson()[0];
console.log(JSON.stringify(got));
const bad = [];
if (got.n !== wantRows) bad.push(`rows ${got.n}, want ${wantRows}`);
if (multi ? Number(got.owners) < Math.max(2, Number(wantOwners)) : got.owners !== wantOwners) bad.push(`owners ${got.owners}, want ${multi ? 'at least ' + Math.max(2, Number(wantOwners)) : wantOwners}`);
if (got.sent_at !== 'TIMESTAMP WITH TIME ZONE') bad.push(`sent_at is ${got.sent_at}, want TIMESTAMP WITH TIME ZONE`);
if (got.client_message_id !== 'UUID') bad.push(`client_message_id is ${got.client_message_id}, want UUID`);
if (bad.length) { console.error('duckdb-check: ' + bad.join('; ')); process.exit(1); }
console.log('duckdb-check: DuckDB reads every flushed row with the declared types');
JS
node "$script" "$(cd "$root" && pwd)"
