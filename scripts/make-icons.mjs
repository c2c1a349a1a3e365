// Render the app icons (PNG, the sizes browsers and phones ask for) from the project's own
// SVGs with Chromium. Run once after changing public/favicon.svg or public/icons/maskable.svg:
// `node scripts/make-icons.mjs` (Playwright comes from end2end/node_modules). The PNGs are
// committed; nothing runs this at build time.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(new URL('../end2end/package.json', import.meta.url));
const { chromium } = require('@playwright/test');

const root = new URL('../public/', import.meta.url);
const icons = [
  { svg: 'favicon.svg', out: 'icons/icon-192.png', size: 192 },
  { svg: 'favicon.svg', out: 'icons/icon-512.png', size: 512 },
  { svg: 'favicon.svg', out: 'icons/apple-touch-icon.png', size: 180 },
  { svg: 'icons/maskable.svg', out: 'icons/maskable-512.png', size: 512 },
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
const page = await browser.newPage();
for (const { svg, out, size } of icons) {
  const data = readFileSync(new URL(svg, root)).toString('base64');
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(
    `<body style="margin:0;background:transparent"><img width="${size}" height="${size}" src="data:image/svg+xml;base64,${data}"></body>`,
  );
  await page.screenshot({ path: new URL(out, root).pathname, omitBackground: true });
}
await browser.close();
