// page.test.mjs - drives Debian's chromium (headless, through playwright-core) against the page of
// stance-serve: starts a server on a free loopback port, loads GET /, pastes the seed article,
// presses Classify with the keyboard, and checks the highlighted quotes, the speakers, the summary
// table, the quote details, that a <script> inside a quote is shown as text and never runs, and the
// layout at 360 px. Screenshots go to --out.
//
// Usage (run.sh wraps this for CTest and installs the npm dependencies):
//   node page.test.mjs --deps DIR --out DIR --seed FILE
//        (--server-bin build/bin/stance-serve --models DIR | --fake tests/browser/fake_server.py)
//        [--chromium /usr/bin/chromium]
// Exit status: 0 all checks passed, 1 a check failed, 77 skipped (what is missing is printed).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const SKIP = 77;
const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (!a.startsWith('--')) usage(`unexpected argument ${a}`);
  args[a.slice(2)] = process.argv[++i];
}
function usage(msg) {
  console.error(`page.test: ${msg}`);
  process.exit(2);
}
for (const k of ['deps', 'out', 'seed']) if (!args[k]) usage(`--${k} is required`);
if (!args['server-bin'] && !args.fake) usage('--server-bin (with --models) or --fake is required');
const chromiumPath = args.chromium || '/usr/bin/chromium';

if (!existsSync(args.seed)) {
  console.log(`SKIP: the seed article ${args.seed} is absent (the shared folder is not beside the project)`);
  process.exit(SKIP);
}
if (!existsSync(chromiumPath)) {
  console.log(`SKIP: ${chromiumPath} is absent (apt-get install chromium)`);
  process.exit(SKIP);
}
if (args['server-bin'] && !(args.models && existsSync(path.join(args.models, 'stance')))) {
  console.log(`FAIL: no models in ${args.models} (the "models" CTest fixture trains them)`);
  process.exit(1);
}
const require = createRequire(path.join(path.resolve(args.deps), 'package.json'));
const { chromium } = require('playwright-core');

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}${detail === undefined ? '' : ': ' + detail}`);
  }
  return ok;
}
const cp = (s) => Array.from(s); // code points, as the API counts offsets

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(base, child, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) return false;
    try {
      const r = await fetch(base + '/healthz', { signal: AbortSignal.timeout(1000) });
      if (r.status === 200) return true;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

// Starts the server on a free loopback port (retrying if another process takes the port first).
async function startServer() {
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const cmd = args.fake
      ? ['python3', [args.fake, '--port', String(port)]]
      : [args['server-bin'], ['--models', args.models, '--listen', `127.0.0.1:${port}`, '--quiet']];
    const child = spawn(cmd[0], cmd[1], { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (e) => {
      stderr += String(e);
    });
    const base = `http://127.0.0.1:${port}`;
    if (await waitReady(base, child, 20000)) return { child, base, stderr: () => stderr };
    child.kill('SIGKILL');
    console.log(`note: server did not come up on port ${port} (attempt ${attempt + 1}): ${stderr.trim()}`);
  }
  throw new Error('could not start the server');
}

// Stops the server with SIGTERM (SIGKILL after 10 s); returns its exit code (null if killed).
async function stopServer(srv) {
  if (srv.child.exitCode !== null || srv.child.signalCode !== null) return srv.child.exitCode;
  const done = new Promise((r) => srv.child.on('exit', (code) => r(code)));
  srv.child.kill('SIGTERM');
  const t = setTimeout(() => srv.child.kill('SIGKILL'), 10000);
  const code = await done;
  clearTimeout(t);
  return code;
}

// Everything the page shows, read from the DOM in one go.
async function readPage(page) {
  return page.evaluate(() => {
    const text = document.getElementById('text');
    const clone = text.cloneNode(true);
    clone.querySelectorAll('.badge').forEach((b) => b.remove());
    const marks = [...text.querySelectorAll('mark.q')].map((m) => {
      const badge = m.nextElementSibling;
      const bg = getComputedStyle(m).backgroundColor;
      const alpha = /rgba?\([^)]*[,/]\s*([0-9.]+)\)/.exec(bg);
      return {
        i: Number(m.dataset.i),
        text: m.textContent,
        start: Number(m.dataset.start),
        end: Number(m.dataset.end),
        stance: m.dataset.stance,
        cls: m.className,
        p: m.dataset.probability === '' ? null : Number(m.dataset.probability),
        alpha: alpha ? Number(alpha[1]) : 1,
        tabIndex: m.tabIndex,
        role: m.getAttribute('role'),
        badgeIsBadge: !!badge && badge.classList.contains('badge'),
        speaker: badge && badge.querySelector('.speaker') ? badge.querySelector('.speaker').textContent : null,
        senti: badge && badge.querySelector('.senti') ? badge.querySelector('.senti').className : null,
      };
    });
    const rows = [...document.querySelectorAll('#speakers tbody tr')].map((tr) => ({
      speaker: tr.dataset.speaker,
      share: tr.dataset.share === '' ? null : Number(tr.dataset.share),
      quotes: Number(tr.dataset.quotes),
      cells: [...tr.children].map((c) => c.textContent.trim()),
    }));
    return {
      plain: clone.textContent,
      marks,
      rows,
      elementsInText: [...text.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()),
      status: document.getElementById('status').textContent,
      error: document.getElementById('error').hidden ? '' : document.getElementById('error').textContent,
    };
  });
}

// Pastes text into the article box and classifies with the keyboard: Tab to Classify and Enter, or
// (shortcut) Ctrl+Enter in the box. Returns the /classify response.
async function classifyWithKeyboard(page, text, shortcut = false) {
  await page.focus('#article');
  await page.fill('#article', text);
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/classify', { timeout: 30000 });
  if (shortcut) {
    await page.keyboard.press('Control+Enter');
  } else {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
    check('Tab from the article box reaches the Classify button', focused === 'classify', `focus on #${focused}`);
    await page.keyboard.press('Enter');
  }
  const resp = await answer;
  await page.waitForFunction(() => !document.getElementById('classify').disabled, null, { timeout: 30000 });
  return resp;
}

async function main() {
  mkdirSync(args.out, { recursive: true });
  const seed = readFileSync(args.seed, 'utf8');
  const srv = await startServer();
  const userData = mkdtempSync(path.join(os.tmpdir(), 'stance-page-chromium-'));
  let browser;
  try {
    // Playwright passes --user-data-dir itself for launch(): a new empty profile in a temporary folder.
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      timeout: 60000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      env: { ...process.env, HOME: userData },
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(30000);
    const requests = [];
    const problems = [];
    const dialogs = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      d.dismiss().catch(() => {});
    });

    // --- GET / ---
    const nav = await page.goto(srv.base + '/');
    const headers = nav.headers();
    check('GET / answers 200', nav.status() === 200, nav.status());
    check('GET / is text/html; charset=utf-8', /^text\/html;\s*charset=utf-8$/i.test(headers['content-type'] || ''),
      headers['content-type']);
    const csp = headers['content-security-policy'] || '';
    check("GET / sends a strict Content-Security-Policy (default-src 'none')",
      /default-src 'none'/.test(csp) && /connect-src 'self'/.test(csp) && !/https?:|\*/.test(csp), csp || '(none)');
    check('the page title names stance', /stance/i.test(await page.title()));

    // --- the seed article, pasted and classified with the keyboard ---
    const resp = await classifyWithKeyboard(page, seed);
    check('POST /classify answered 200', resp.status() === 200, resp.status());
    const reqBody = JSON.parse(resp.request().postData() || '{}');
    check('the page posts {"text", "explain": true} as JSON',
      reqBody.text === seed && reqBody.explain === true &&
        /application\/json/.test(resp.request().headers()['content-type'] || ''));
    const api = await resp.json();
    await page.waitForSelector('#results:not([hidden])');
    const view = await readPage(page);
    check('no error is shown', view.error === '', view.error);
    check('focus moves to the results heading', await page.evaluate(() => document.activeElement.id === 'results-h'));

    const placeable = api.quotes.filter((q) => Number.isInteger(q.start) && Number.isInteger(q.end));
    check('the seed article has at least 5 quotes', api.quotes.length >= 5, api.quotes.length);
    check('every quote with offsets is highlighted', view.marks.length === placeable.length,
      `${view.marks.length} marks for ${placeable.length} quotes`);
    check('the article text is shown whole, in order (without the speaker badges)', view.plain === seed,
      `${cp(view.plain).length} vs ${cp(seed).length} code points`);
    const seedCp = cp(seed);
    const badSlices = view.marks.filter((m) => m.text !== seedCp.slice(m.start, m.end).join(''));
    check('each highlight covers exactly its code point span of the article', badSlices.length === 0,
      JSON.stringify(badSlices[0]));
    const wrong = view.marks.filter((m) => {
      const q = api.quotes[m.i];
      return !q || q.text !== m.text || q.stance.label !== m.stance || !m.cls.includes(q.stance.label) ||
        (q.speaker ?? 'no speaker') !== m.speaker || !m.senti.includes(q.sentiment.label);
    });
    check('each highlight carries its stance colour, speaker and sentiment mark', wrong.length === 0,
      JSON.stringify(wrong[0]));
    check('every quote is focusable as a button', view.marks.every((m) => m.tabIndex === 0 && m.role === 'button' && m.badgeIsBadge));
    // Strength of the colour follows the probability: within a label, higher p never gives a fainter colour.
    let monotone = true;
    let distinct = new Set();
    for (const a of view.marks)
      for (const b of view.marks)
        if (a.stance === b.stance && a.p !== null && b.p !== null && a.p > b.p + 1e-9 && a.alpha < b.alpha) monotone = false;
    view.marks.forEach((m) => distinct.add(`${m.stance}:${m.alpha}`));
    check('colour strength follows the probability', monotone && distinct.size >= Math.min(2, view.marks.length),
      JSON.stringify(view.marks.map((m) => [m.stance, m.p, m.alpha])));
    // Who said what depends on the real quote extractor; the fake server's attribution is naive.
    const speakers = new Set(view.marks.map((m) => m.speaker));
    const has = (re) => [...speakers].some((s) => re.test(s));
    const real = !args.fake;
    const attributionCheck = (name, ok, detail) => (real ? check(name, ok, detail) : console.log(`skip ${name} (fake server)`));
    attributionCheck('Vance is shown beside his quote', has(/Vance/), [...speakers].join(' | '));
    attributionCheck('Svyrydenko is shown beside her quotes', view.marks.filter((m) => /Svyrydenko/.test(m.speaker)).length >= 2,
      [...speakers].join(' | '));
    attributionCheck("Vance's proposal quote is highlighted and attributed to him",
      view.marks.some((m) => /walk away/.test(m.text) && /Vance/.test(m.speaker)));
    attributionCheck('a spokesperson and an official are among the speakers', has(/spokesperson/i) && has(/official/i),
      [...speakers].join(' | '));

    // --- the per-speaker table ---
    const apiRows = api.summary.speakers;
    check('one table row per speaker of the summary', view.rows.length === apiRows.length,
      `${view.rows.length} rows, ${apiRows.length} speakers`);
    const sortedOk = view.rows.every((r, k) => k === 0 || (view.rows[k - 1].share ?? -1) >= (r.share ?? -1));
    check('the table is sorted by hardline share, highest first', sortedOk, JSON.stringify(view.rows.map((r) => r.share)));
    const rowsMatch = apiRows.every((s) => {
      const r = view.rows.find((x) => x.speaker === (s.speaker ?? ''));
      return r && r.quotes === s.quotes && Math.abs((r.share ?? NaN) - s.hardline_share) < 1e-12 &&
        r.cells[1] === String(s.quotes) && r.cells[2].startsWith(`${Math.round(s.hardline_share * 100)}%`) &&
        r.cells[3].includes(Math.abs(s.mean_sentiment).toFixed(2));
    });
    check('each row shows its quotes, hardline share and mean sentiment', rowsMatch,
      JSON.stringify(view.rows.map((r) => r.cells)));
    attributionCheck('the table lists Vance and Svyrydenko', view.rows.some((r) => /Vance/.test(r.speaker)) &&
      view.rows.some((r) => /Svyrydenko/.test(r.speaker)));
    await page.screenshot({ path: path.join(args.out, 'page-desktop.png'), fullPage: true });

    // --- details, by keyboard: Tab to the first quote, Enter, then Escape ---
    await page.focus('#results-h');
    let reached = false;
    for (let k = 0; k < 10 && !reached; k++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement.matches('mark.q'));
    }
    check('Tab from the results reaches the first quote', reached);
    const first = await page.evaluate(() => Number(document.activeElement.dataset.i));
    await page.keyboard.press('Enter');
    await page.waitForSelector('#details:not([hidden])');
    const det = await page.evaluate(() => ({
      focused: document.activeElement.id,
      text: document.getElementById('d-text').textContent,
      stance: [...document.querySelectorAll('#d-stance dd')].map((d) => [d.dataset.label, Number(d.dataset.p), d.textContent]),
      sentiment: [...document.querySelectorAll('#d-sentiment dd')].map((d) => [d.dataset.label, Number(d.dataset.p)]),
      terms: [...document.querySelectorAll('#d-explain .term')].map((t) => t.textContent),
    }));
    const q0 = api.quotes[first];
    check('Enter on a quote opens its details and moves focus there', det.focused === 'details' && det.text === q0.text,
      JSON.stringify(det.focused));
    const probsOk = (shown, pred) => pred.probabilities
      ? shown.length === Object.keys(pred.probabilities).length &&
        shown.every(([l, p]) => Math.abs(pred.probabilities[l] - p) < 1e-12)
      : true;
    check('the details show the stance and sentiment probabilities', probsOk(det.stance, q0.stance) &&
      probsOk(det.sentiment, q0.sentiment) && det.stance.length >= 2, JSON.stringify(det.stance));
    const expTerms = q0.explain ? [...(q0.explain.stance || []), ...(q0.explain.sentiment || [])].map((t) => String(t.term)) : [];
    check('the details list the n-grams that pushed the quote (when the server explains)',
      JSON.stringify(det.terms) === JSON.stringify(expTerms), `${JSON.stringify(det.terms)} vs ${JSON.stringify(expTerms)}`);
    await page.screenshot({ path: path.join(args.out, 'page-details.png') });
    await page.keyboard.press('Escape');
    const afterEsc = await page.evaluate(() => ({
      hidden: document.getElementById('details').hidden,
      onQuote: document.activeElement.matches('mark.q') ? Number(document.activeElement.dataset.i) : -1,
    }));
    check('Escape closes the details and returns focus to the quote', afterEsc.hidden && afterEsc.onQuote === first,
      JSON.stringify(afterEsc));
    // A mouse click works too.
    await page.click(`mark.q[data-i="${view.marks[view.marks.length - 1].i}"]`);
    check('clicking a quote opens its details',
      await page.evaluate((t) => !document.getElementById('details').hidden &&
        document.getElementById('d-text').textContent === t, view.marks[view.marks.length - 1].text));
    await page.keyboard.press('Escape');

    // --- 360 px wide ---
    await page.setViewportSize({ width: 360, height: 740 });
    const narrow = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      textWidth: document.getElementById('text').getBoundingClientRect().width,
      areaRight: document.getElementById('article').getBoundingClientRect().right,
      fontPx: parseFloat(getComputedStyle(document.getElementById('text')).fontSize),
      tableRight: document.querySelector('.table-wrap').getBoundingClientRect().right,
      tableFits: document.querySelector('.table-wrap').scrollWidth <= document.querySelector('.table-wrap').clientWidth,
    }));
    check('at 360 px nothing overflows sideways', narrow.scrollWidth <= 360 && narrow.areaRight <= 360 &&
      narrow.tableRight <= 360, JSON.stringify(narrow));
    check('at 360 px the speaker table fits without scrolling sideways', narrow.tableFits, JSON.stringify(narrow));
    check('at 360 px the article is still readable (>= 15 px text, >= 300 px column)',
      narrow.fontPx >= 15 && narrow.textWidth >= 300, JSON.stringify(narrow));
    await page.screenshot({ path: path.join(args.out, 'page-360.png'), fullPage: true });
    await page.focus(`mark.q[data-i="${first}"]`);
    await page.keyboard.press('Enter');
    const sheet = await page.evaluate(() => {
      const r = document.getElementById('details').getBoundingClientRect();
      return { left: r.left, right: r.right, bottom: r.bottom, top: r.top, h: innerHeight };
    });
    check('at 360 px the details are a sheet at the bottom of the screen',
      sheet.left >= 0 && sheet.right <= 360 && Math.abs(sheet.bottom - sheet.h) < 2 && sheet.top > sheet.h * 0.3,
      JSON.stringify(sheet));
    await page.screenshot({ path: path.join(args.out, 'page-360-details.png') });
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 1280, height: 900 });

    // --- an article whose quotes hold HTML is shown as text; nothing in it runs ---
    const evil =
      'Talks resumed on Monday \u{1F642}\u{1F1FA}\u{1F1E6} (astral characters shift UTF-16 indexes).\n' +
      '\u201cWe will never accept <script>window.__pwned = 1; document.title = `pwned`;</script> this offer ' +
      '<img src=x onerror=window.__pwned=2;alert(2)>, and we refuse to return,\u201d Minister Anna Kovac said.\n' +
      'The <b>mediator</b> <img src=x onerror=window.__pwned=3> <iframe src="javascript:alert(3)"></iframe> left.\n' +
      '\u201cWe welcome the offer and are ready to talk,\u201d said Peter Lund.\n';
    const resp2 = await classifyWithKeyboard(page, evil, true);
    check('Ctrl+Enter in the article box classifies; the HTML article answers 200', resp2.status() === 200,
      resp2.status());
    const api2 = await resp2.json();
    const v2 = await readPage(page);
    const evilCp = cp(evil);
    check('after astral characters, highlights still cover their code point spans',
      v2.marks.length > 0 && v2.marks.every((m) => m.text === evilCp.slice(m.start, m.end).join('') &&
        m.text === api2.quotes[m.i].text), JSON.stringify(v2.marks.map((m) => [m.start, m.end, m.text])));
    check('a quote holding <script> was found', api2.quotes.some((q) => q.text.includes('<script>')),
      JSON.stringify(api2.quotes.map((q) => q.text)));
    check('the <script> inside the quote is shown as text in its highlight',
      v2.marks.some((m) => m.text.includes('<script>window.__pwned = 1;') && m.text.includes('<img src=x')),
      JSON.stringify(v2.marks.map((m) => m.text)));
    check('the article is shown verbatim as text', v2.plain === evil);
    check('no element from the article reached the DOM',
      v2.elementsInText.every((t) => ['mark', 'span'].includes(t)), v2.elementsInText.join(','));
    const pwned = await page.evaluate(() => [window.__pwned, document.title]);
    check('nothing from the article ran', pwned[0] === undefined && pwned[1] !== 'pwned' && dialogs.length === 0,
      JSON.stringify({ pwned, dialogs }));
    await page.screenshot({ path: path.join(args.out, 'page-html-article.png'), fullPage: true });

    // --- a dropped text file and an opened one fill the article box ---
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['Dropped \u201ctext\u201d, said Ann.'], 'dropped.txt', { type: 'text/plain' }));
      document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForFunction(() => document.getElementById('article').value.startsWith('Dropped'), null, { timeout: 5000 })
      .catch(() => {});
    check('a text file dropped on the box is loaded into it',
      (await page.inputValue('#article')) === 'Dropped \u201ctext\u201d, said Ann.', await page.inputValue('#article'));
    await page.setInputFiles('#file', { name: 'opened.txt', mimeType: 'text/plain',
      buffer: Buffer.from('\ufeffOpened file \u00e9\n', 'utf8') });
    await page.waitForFunction(() => document.getElementById('article').value.startsWith('Opened'), null, { timeout: 5000 })
      .catch(() => {});
    check('a text file opened with the file button is loaded (UTF-8, BOM dropped)',
      (await page.inputValue('#article')) === 'Opened file \u00e9\n', JSON.stringify(await page.inputValue('#article')));

    // --- errors are shown, not thrown ---
    await page.fill('#article', '   ');
    await page.click('#classify');
    check('an empty article gives a message', await page.evaluate(() =>
      !document.getElementById('error').hidden && /Paste an article/.test(document.getElementById('error').textContent)));

    // --- no external requests; nothing went wrong in the console (CSP violations land there) ---
    const origin = new URL(srv.base).origin;
    const foreign = requests.filter((u) => {
      const url = new URL(u);
      return url.origin !== origin || !['/', '/classify'].includes(url.pathname);
    });
    check('the page makes no request but GET / and POST /classify', foreign.length === 0, foreign.join(' '));
    check('no console errors or CSP violations', problems.length === 0, problems.join(' | '));
  } finally {
    if (browser) await browser.close();
    const code = await stopServer(srv);
    rmSync(userData, { recursive: true, force: true });
    if (!args.fake) {
      const err = srv.stderr();
      check('stance-serve exits 0 on SIGTERM', code === 0, `exit ${code}; stderr: ${err.slice(-2000)}`);
      check('stance-serve reported no sanitizer error', !/AddressSanitizer|LeakSanitizer|runtime error:/.test(err),
        err.slice(-4000));
    }
  }
  console.log(`screenshots: ${path.resolve(args.out)}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.log(`FAIL ${e && e.stack ? e.stack : e}`);
    console.log(`${passed} passed, ${failed + 1} failed`);
    process.exit(1);
  },
);
