/**
 * How every Playwright browser here is launched (the e2e configs, the README
 * screenshot script): Playwright cannot download browsers on these machines,
 * so the system Chromium.
 */
export const CHROMIUM_LAUNCH = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    // Without these Chromium floods the closed network with refused connections.
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
