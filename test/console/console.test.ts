/**
 * The web console in a real browser (headless Chromium driven by playwright-core) against a real
 * local server while an SDK stream ingests: log in, the table list, the live stream and its rate,
 * a SQL query and its result, a fault button and the stream's recovery. Screenshots go to a
 * temporary directory (printed); CONSOLE_SCREENSHOT=FILE also writes the README's screenshot.
 *
 * Needs /usr/bin/chromium (Debian's `chromium`; CHROMIUM_PATH overrides): skipped without it,
 * except in CI (`CI` set), where .ci/run installs it and a missing browser fails the test.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { startEmulator } from '@zerobus/emulator';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { type Browser, chromium, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TABLE = 'main.iot.readings';
/** Without the background-networking flags Chromium's own connections are refused on a closed network. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const WAIT = { timeout: 30_000 };
/** The page's DOM, as far as the functions evaluated in it use it (this project's lib has no DOM). */
declare const document: { querySelector(selector: string): { textContent: string | null } | null };
/** Functions, not strings: the console's Content-Security-Policy forbids evaluating strings. */
const RATE_ABOVE_ZERO = () =>
  Number((document.querySelector('#streams tbody tr td.rate')?.textContent ?? '0').replaceAll(',', '')) > 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The text of every cell of the first row of the live streams table. */
async function firstStream(page: Page): Promise<string[]> {
  return page.locator('#streams tbody tr').first().locator('td').allInnerTexts();
}

describe('web console in a browser', () => {
  it('shows tables, the live stream and its rate, runs SQL, and shows a recovery after a fault', async (t) => {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) assert.fail(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package`);
      t.skip(`${CHROMIUM} is missing: apt-get install chromium (or set CHROMIUM_PATH) to run the browser test`);
      return;
    }
    const shots = await mkdtemp(join(tmpdir(), 'zerobus-console-shots-'));
    t.diagnostic(`screenshots in ${shots}`);
    await using emulator = await startEmulator();
    await emulator.createDeltaTable(TABLE, [
      { name: 'device', type_text: 'string' },
      { name: 'temp', type_text: 'double' },
      { name: 'seq', type_text: 'bigint' },
    ]);
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
    const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties(TABLE), {
      recordType: 'json',
    });
    let ingesting = true;
    let seq = 0;
    const ingest = (async () => {
      while (ingesting) {
        const batch = [];
        for (let i = 0; i < 50; i++, seq++) batch.push({ device: `sensor-${seq % 4}`, temp: 20 + (seq % 10), seq });
        await stream.ingestRecordsOffset(batch);
        await sleep(20);
      }
      await stream.close();
    })();

    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(emulator.consoleUrl as string);

      // auth is on: the page asks for a principal's credentials and gets a token
      await page.locator('#login').waitFor({ state: 'visible', ...WAIT });
      await page.fill('#client-id', 'emulator-client');
      await page.fill('#client-secret', 'emulator-secret');
      await page.click('#login button[type=submit]');

      // the catalog tree lists the table
      await page.locator(`#tree li[data-table="${TABLE}"]`).waitFor(WAIT);

      // the live stream, with a rate above zero, and the table's throughput chart
      await page.waitForFunction(RATE_ABOVE_ZERO, undefined, WAIT);
      const [principal, table, recordType, protocol, state] = await firstStream(page);
      assert.deepEqual(
        [principal, table, recordType, protocol, state],
        ['emulator-client', TABLE, 'json', 'gRPC', 'open'],
      );
      await page.locator(`#charts svg[data-table="${TABLE}"] polyline`).waitFor(WAIT);
      await page.click(`#tree li[data-table="${TABLE}"]`);
      await page.locator('#history tbody tr').first().waitFor(WAIT);
      await page.locator('#rows tbody tr').first().waitFor(WAIT);
      await page.screenshot({ path: join(shots, '1-live.png'), fullPage: true });

      // a query over the three-part name, and its result
      await page.fill('#sql', `SELECT device, count(*) > 0 AS seen FROM ${TABLE} GROUP BY 1 ORDER BY 1`);
      await page.click('#run');
      await page.waitForFunction(
        () => /row\(s\)/.test(document.querySelector('#query-info')?.textContent ?? ''),
        undefined,
        WAIT,
      );
      const cells = await page.locator('#result tbody td').allInnerTexts();
      assert.deepEqual(cells, ['sensor-0', 'true', 'sensor-1', 'true', 'sensor-2', 'true', 'sensor-3', 'true']);
      await page.screenshot({ path: join(shots, '2-query.png'), fullPage: true });

      // fail the streams: the SDK recovers on a new stream, which the console counts
      const before = emulator.stats.streamsCreated;
      await page.click('button[data-fault="fail-streams"]');
      await page.waitForFunction(
        () => document.querySelector('#streams tbody tr td.recoveries')?.textContent === '1',
        undefined,
        WAIT,
      );
      assert.ok(emulator.stats.streamsCreated > before);
      await page.waitForFunction(RATE_ABOVE_ZERO, undefined, WAIT);
      await page.screenshot({ path: join(shots, '3-recovered.png'), fullPage: true });
      const readme = process.env.CONSOLE_SCREENSHOT;
      if (readme) {
        await mkdir(dirname(readme), { recursive: true });
        await page.screenshot({ path: join(shots, 'readme.png') });
        await copyFile(join(shots, 'readme.png'), readme);
      }
    } finally {
      await browser?.close();
      ingesting = false;
      await ingest;
    }
    assert.ok(seq > 0);
  });
});
