#!/usr/bin/env bash
# What `npm test` runs: build, type check, unit + integration tests (vitest), end-to-end
# tests (Playwright). Ends with one line "N passed, M failed" summed over both runners.
set -euo pipefail
cd "$(dirname "$0")/.."

reports=$(mktemp -d)
stage="build"
summary_printed=false
on_exit() {
  local status=$?
  # A build or type-check failure stops everything: still end with the summary line CI reads.
  if [ "$summary_printed" = false ] && [ "$status" -ne 0 ]; then
    echo
    echo "Stopped: $stage failed."
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
