#!/usr/bin/env bash
# What `npm test` runs: build, type check, unit + integration tests (vitest), end-to-end
# tests (Playwright). Ends with one line "N passed, M failed" summed over both runners.
set -euo pipefail
cd "$(dirname "$0")/.."

reports=$(mktemp -d)
stage="build"
summary_printed=false
stop_line=""
on_exit() {
  local status=$?
  # A build or type-check failure stops everything: still end with the summary line CI reads.
  if [ "$summary_printed" = false ] && [ "$status" -ne 0 ]; then
    echo
    echo "${stop_line:-Stopped: $stage failed.}"
    echo "0 passed, 1 failed"
  fi
  rm -rf "$reports"
}
trap on_exit EXIT

echo "==> npm run build"
npm run build

stage="type check"
echo "==> react-router typegen && tsc --noEmit"
npx react-router typegen
npx tsc --noEmit

# The end-to-end tests need a Chromium. Use, in order: CHROMIUM_PATH, Debian's /usr/bin/chromium,
# Playwright's own browser (installed now if it is missing and can be downloaded), and, as root
# with apt-get, Debian's chromium package. playwright.config.ts launches whichever was found.
find_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    [ -x "$CHROMIUM_PATH" ] && return 0
    echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file: looking for another Chromium." >&2
    unset CHROMIUM_PATH
  fi
  if [ -x /usr/bin/chromium ]; then
    export CHROMIUM_PATH=/usr/bin/chromium
    return 0
  fi
  local bundled='const fs = require("node:fs"); const { chromium } = require("@playwright/test"); process.exit(fs.existsSync(chromium.executablePath()) ? 0 : 1);'
  if node -e "$bundled" 2>/dev/null; then return 0; fi
  echo "==> no Chromium found: trying 'npx playwright install chromium'"
  if timeout 600 npx playwright install chromium && node -e "$bundled" 2>/dev/null; then return 0; fi
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> trying Debian's chromium (apt-get install chromium)"
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium && [ -x /usr/bin/chromium ]; then
      export CHROMIUM_PATH=/usr/bin/chromium
      return 0
    fi
  fi
  return 1
}
if [ -f playwright.config.ts ]; then
  stage="browser"
  if ! find_chromium; then
    stop_line="Stopped before the tests: no Chromium for the end-to-end tests. Install one (Debian: 'apt-get install chromium'; elsewhere: 'npx playwright install --with-deps chromium') or set CHROMIUM_PATH to a Chromium executable."
    exit 1
  fi
  echo "==> Chromium: ${CHROMIUM_PATH:-the one Playwright installed}"
fi

stage="tests"
echo "==> vitest (unit + integration)"
vitest_status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$reports/vitest.json" || vitest_status=$?

playwright_status=0
if [ -f playwright.config.ts ]; then
  echo "==> playwright (end-to-end, Chromium)"
  PLAYWRIGHT_JSON_OUTPUT_FILE="$reports/playwright.json" npx playwright test --reporter=list,json || playwright_status=$?
else
  echo "==> playwright: no playwright.config.ts, end-to-end tests skipped"
fi

# Sum both runners' JSON reports. A runner that failed without a failing test (it crashed,
# or an error outside any test) counts as one failure so the line never reads all-green.
summary=$(node - "$reports" "$vitest_status" "$playwright_status" <<'NODE'
const fs = require("node:fs");
const [dir, vitestStatus, playwrightStatus] = process.argv.slice(2);
const read = (name) => {
  try {
    return JSON.parse(fs.readFileSync(`${dir}/${name}`, "utf8"));
  } catch {
    return null;
  }
};
let passed = 0;
let failed = 0;
const notes = [];
const vitest = read("vitest.json");
let vitestFailed = 0;
if (vitest) {
  passed += vitest.numPassedTests ?? 0;
  vitestFailed = vitest.numFailedTests ?? 0;
}
if (Number(vitestStatus) !== 0 && vitestFailed === 0) {
  vitestFailed = 1;
  notes.push(`vitest exited with status ${vitestStatus} without a failing test (see its output above)`);
}
failed += vitestFailed;
const playwright = read("playwright.json");
let playwrightFailed = 0;
if (playwright?.stats) {
  passed += (playwright.stats.expected ?? 0) + (playwright.stats.flaky ?? 0);
  playwrightFailed = playwright.stats.unexpected ?? 0;
  if (playwright.stats.flaky) notes.push(`${playwright.stats.flaky} Playwright test(s) passed only on retry`);
}
if (Number(playwrightStatus) !== 0 && playwrightFailed === 0) {
  playwrightFailed = 1;
  notes.push(`playwright exited with status ${playwrightStatus} without a failing test (see its output above)`);
}
failed += playwrightFailed;
for (const note of notes) console.log(`Note: ${note}`);
console.log(`${passed} passed, ${failed} failed`);
NODE
)
echo
echo "$summary"
summary_printed=true

[ "$vitest_status" -eq 0 ] && [ "$playwright_status" -eq 0 ]
