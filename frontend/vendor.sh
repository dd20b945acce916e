#!/usr/bin/env bash
# Vendor Apache ECharts from the npm registry into the portal's static files, pinned by
# package-lock.json: `npm ci` refuses a tarball whose SHA-512 differs from the lock's
# `integrity`, then the prebuilt file is copied with its licences and recorded in
# vendored.json (version, the lock's integrity, the file's SHA-256), which a test holds to the
# lock (sscard/portal/tests/test_vendored_echarts.py).
#
#   frontend/vendor.sh          fetch and (re)write the vendored files
#   frontend/vendor.sh --check  fetch and fail unless the committed file is the fetched one
#
# To upgrade: change the version in package.json, `npm install --ignore-scripts` here, run this.
set -euo pipefail
cd "$(dirname "$0")"
target=../sscard/portal/static/portal/vendor/echarts
file=echarts.common.min.js  # line, bar and pie with title, legend, tooltip, grid and aria

npm ci --ignore-scripts --no-audit --no-fund --silent
source=node_modules/echarts
version=$(node -p 'require("./package-lock.json").packages["node_modules/echarts"].version')
integrity=$(node -p 'require("./package-lock.json").packages["node_modules/echarts"].integrity')
installed=$(node -p "require('./$source/package.json').version")
[ "$version" = "$installed" ] || { echo "lock says $version, installed $installed" >&2; exit 1; }
fetched=$(sha256sum "$source/dist/$file" | cut -d' ' -f1)

if [ "${1:-}" = "--check" ]; then
    committed=$(sha256sum "$target/$file" | cut -d' ' -f1)
    if [ "$fetched" != "$committed" ]; then
        echo "the committed $file ($committed) is not echarts $version's ($fetched)" >&2
        exit 1
    fi
    echo "echarts $version: the committed $file is the registry's (sha256 $fetched)"
    exit 0
fi

mkdir -p "$target"
cp "$source/dist/$file" "$target/$file"
cp "$source/LICENSE" "$target/LICENSE"
cp "$source/NOTICE" "$target/NOTICE"
cp "$source/licenses/LICENSE-d3" "$target/LICENSE-d3"
cat > "$target/vendored.json" <<JSON
{
  "package": "echarts",
  "version": "$version",
  "integrity": "$integrity",
  "file": "$file",
  "sha256": "$fetched",
  "license": "Apache-2.0"
}
JSON
echo "vendored echarts $version: $target/$file (sha256 $fetched)"
