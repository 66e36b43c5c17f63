#!/usr/bin/env bash
# Copy Leaflet's dist from node_modules (npm ci) into static/vendor/leaflet, the
# copy the site serves: a checkout runs without npm, and a version bump in
# package.json is one `npm install` and this script away.
set -euo pipefail
cd "$(dirname "$0")/.."
src=node_modules/leaflet/dist
[ -f "$src/leaflet.js" ] || { echo "Run npm ci first (node_modules/leaflet is missing)." >&2; exit 1; }
rm -rf static/vendor/leaflet
mkdir -p static/vendor/leaflet
# The source map too: leaflet.js names it, and collectstatic's manifest
# storage refuses a reference to a file that is not there.
cp "$src/leaflet.js" "$src/leaflet.js.map" "$src/leaflet.css" static/vendor/leaflet/
cp -r "$src/images" static/vendor/leaflet/
cp node_modules/leaflet/LICENSE static/vendor/leaflet/LICENSE
head -2 static/vendor/leaflet/leaflet.js | tail -1
