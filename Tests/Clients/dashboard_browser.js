#!/usr/bin/env node
// What a person sees, checked in headless Chromium (Debian's, driven by playwright-core from Tests/node): the Aspire
// dashboard's Resources page with every resource, each consumer's "Live view" link opened (the video must change and
// the frame counter advance between two screenshots), the services' "Health" links, and a frame's trace in the
// dashboard's Traces page.
// Prints one JSON object on stdout; the .NET test asserts on it. Screenshots go to --out.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { chromium } = require(process.env.PLAYWRIGHT_MODULE || path.join(__dirname, '..', 'node', 'node_modules', 'playwright-core'));

const { values: args } = parseArgs({
  options: {
    dashboard: { type: 'string' },
    login: { type: 'string' },
    out: { type: 'string' },
    resources: { type: 'string', default: 'kafka,camera,producer,consumer,consumer2' },
    // The consumer groups every frame's trace reaches (those that analyse every camera).
    groups: { type: 'string', default: 'consumer,consumer2' },
    timeout: { type: 'string', default: '60' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
if (!args.dashboard || !args.login || !args.out) {
  console.error('usage: dashboard_browser.js --dashboard <url> --login <login url with token> --out <screenshot dir>'
    + ' [--resources a,b] [--groups a,b] [--timeout s]');
  process.exit(2);
}
const timeout = Number(args.timeout) * 1000;
const dashboard = args.dashboard.replace(/\/$/, '');
fs.mkdirSync(args.out, { recursive: true });
const shot = (name) => path.join(args.out, name);

async function main() {
  const browser = await chromium.launch({
    executablePath: args.chromium,
    // Flags from the notes: no sandbox (root in a container), no GPU, and no background traffic to Google.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const result = { resources: {}, liveViews: [], trace: null, screenshots: [] };
  try {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);

    // Without the browser token the dashboard shows only its login page; the login URL (as aspire run prints it)
    // sets the cookie every later page is shown with.
    await page.goto(dashboard + '/', { waitUntil: 'networkidle' });
    result.loginRequired = new URL(page.url()).pathname.startsWith('/login');
    await page.goto(args.login, { waitUntil: 'networkidle' });

    // Resources: each named row (replicas are shown as name-suffix) and its state.
    await page.goto(dashboard + '/', { waitUntil: 'networkidle' });
    for (const name of args.resources.split(',')) {
      const cell = page.getByText(new RegExp(`^${name}(-[a-z0-9]+)?$`)).first();
      await cell.waitFor({ state: 'visible' });
      const row = page.getByRole('row').filter({ has: cell }).first();
      result.resources[name] = (await row.innerText()).replace(/\s+/g, ' ').trim();
    }
    // The first screen a newcomer sees: no notification about a development certificate (the http profile needs none).
    result.pageText = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
    await page.screenshot({ path: shot('dashboard-resources.png') });
    result.screenshots.push(shot('dashboard-resources.png'));

    // The consumers' "Live view" links, as the dashboard shows them.
    const links = page.getByRole('link', { name: 'Live view' });
    await links.first().waitFor({ state: 'visible' });
    const all = await links.evaluateAll((as) => as.map((a) => a.href));
    result.liveViewLinks = all.length;
    // Replicas of one project share its proxied endpoint, so their links are the same URL.
    const hrefs = [...new Set(all)];
    for (const [index, href] of hrefs.entries()) {
      result.liveViews.push(await checkLiveView(context, href, index));
    }

    // The services' "Health" links: each check's status and description, as the link shows them.
    const healthLinks = await page.getByRole('link', { name: 'Health' }).evaluateAll((as) => as.map((a) => a.href));
    result.healthLinks = healthLinks.length;
    result.health = [];
    for (const href of new Set(healthLinks)) {
      const response = await context.request.get(href);
      result.health.push({ href, status: response.status(), report: await response.json() });
    }

    // A frame's trace: the producer's traces listed with the resources they span, the newest opened.
    await page.goto(dashboard + '/traces/resource/producer', { waitUntil: 'networkidle' });
    const publish = page.getByText('frames publish').first();
    await publish.waitFor({ state: 'visible' });
    await page.screenshot({ path: shot('dashboard-traces.png') });
    result.screenshots.push(shot('dashboard-traces.png'));
    const row = page.getByRole('row').filter({ hasText: 'frames publish' }).first();
    const listed = (await row.innerText()).replace(/\s+/g, ' ').trim();
    await publish.click();
    await page.waitForURL(/\/traces\/detail\//);
    await page.getByText('Total spans').first().waitFor({ state: 'visible' });
    // The span rows render after the header: wait (briefly) for a row of each resource, then read what is there.
    await page.waitForFunction((names) => {
      const lines = document.body.innerText.split('\n').map((l) => l.trim());
      return names.every((n) => lines.some((l) => new RegExp(`^${n}(-[a-z0-9]+)?$`).test(l)));
    }, ['producer', ...args.groups.split(',')], { timeout: 15000 }).catch(() => {});
    // The detail names Kafka spans by their messaging attributes ("MSG kafka frames"), one row per span with its resource.
    const text = await page.locator('body').innerText();
    const number = (label) => Number((text.match(new RegExp(`${label}\\s+(\\d+)`)) || [])[1] || 0);
    const lines = text.split('\n').map((l) => l.trim());
    result.trace = {
      url: page.url(),
      listed,
      resources: number('Resources'),
      depth: number('Depth'),
      totalSpans: number('Total spans'),
      services: ['producer', ...args.groups.split(',')].filter((s) => lines.some((l) => new RegExp(`^${s}(-[a-z0-9]+)?$`).test(l))),
    };
    await page.screenshot({ path: shot('dashboard-trace.png') });
    result.screenshots.push(shot('dashboard-trace.png'));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
}

async function checkLiveView(context, href, index) {
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  try {
    await page.goto(href, { waitUntil: 'domcontentloaded' });
    const frames = async () => Number((await page.locator('#frames').innerText()).trim());
    // The stream has delivered a picture and the stats panel has numbers.
    await page.waitForFunction(() => {
      const img = document.getElementById('video');
      return img && img.naturalWidth > 0 && /^\d+$/.test(document.getElementById('frames').textContent.trim());
    });
    // Once a frame is processed, a tracked analysis lists its scene under the video: there, wait (up to 30 s) until
    // someone is tracked, so the pictures show a track's box (the test fails on the pictures if no one is).
    await page.waitForFunction(() => Number(document.getElementById('frames').textContent.trim()) >= 1);
    if (await page.locator('#scene-section').isVisible()) {
      await page.waitForFunction(() => /tracks [1-9]/.test(document.getElementById('scene').textContent), null, { timeout: 30000 })
        .catch(() => {});
    }
    const video = page.locator('#video');
    const first = await video.screenshot({ path: shot(`liveview-${index}-a.png`) });
    const framesBefore = await frames();
    // At least a few more frames processed and shown before the second picture.
    await page.waitForFunction((before) => Number(document.getElementById('frames').textContent.trim()) >= before + 5, framesBefore);
    const second = await video.screenshot({ path: shot(`liveview-${index}-b.png`) });
    const framesAfter = await frames();
    await page.screenshot({ path: shot(`liveview-${index}-page.png`) });
    return {
      href,
      title: (await page.locator('#title').innerText()).trim(),
      group: (await page.locator('#group').innerText()).trim(),
      fps: (await page.locator('#fps').innerText()).trim(),
      latency: (await page.locator('#latency').innerText()).trim(),
      lag: (await page.locator('#lag').innerText()).trim(),
      // Per camera, the counts of a tracked analysis ("footage: tracks 2 · zone plaza 1 · line crossing in 3 out 2").
      scenes: await page.locator('#scene li').evaluateAll((items) => items.map((li) => li.textContent.trim())),
      imageWidth: await video.evaluate((img) => img.naturalWidth),
      framesBefore,
      framesAfter,
      imageChanged: !first.equals(second),
      screenshots: [shot(`liveview-${index}-a.png`), shot(`liveview-${index}-b.png`), shot(`liveview-${index}-page.png`)],
    };
  } finally {
    await page.close();
  }
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
