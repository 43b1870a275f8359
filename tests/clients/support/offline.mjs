// Watches a page for anything that would leave the machine: every request (and
// WebSocket) to a host other than the server's is recorded and aborted, and every
// Content-Security-Policy violation and page error is recorded. A spec asserts the
// lists are empty.
export async function watchOffline(page, server) {
  const host = new URL(server.url).host;
  const seen = { offHost: [], violations: [], errors: [] };
  await page.context().route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.host === host) return route.continue();
    seen.offHost.push(url.href);
    return route.abort('blockedbyclient');
  });
  page.on('websocket', (socket) => {
    if (new URL(socket.url()).host !== host) seen.offHost.push(socket.url());
  });
  page.on('pageerror', (error) => seen.errors.push(error.message));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__violations = window.__violations ?? [];
      window.__violations.push(`${event.violatedDirective}: ${event.blockedURI}`);
    });
  });
  seen.collect = async () => {
    seen.violations = await page.evaluate(() => window.__violations ?? []);
    return { offHost: seen.offHost, violations: seen.violations, errors: seen.errors };
  };
  return seen;
}
