// Container health probe for the images' HEALTHCHECK: exits 0 when
// http://127.0.0.1:<HEALTHCHECK_PORT or HTTP_PORT><HEALTHCHECK_PATH> answers 2xx within the timeout,
// 1 otherwise. Plain Node (no curl or wget in the image), no dependencies.
const port = process.env.HEALTHCHECK_PORT || process.env.HTTP_PORT;
const path = process.env.HEALTHCHECK_PATH || '/health/live';
const timeoutMs = Number(process.env.HEALTHCHECK_TIMEOUT_MS || 2500);

if (!port) {
  process.stderr.write('healthcheck: set HTTP_PORT or HEALTHCHECK_PORT\n');
  process.exit(1);
}

try {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  await response.body?.cancel();
  if (!response.ok) process.stderr.write(`healthcheck: ${path} answered ${response.status}\n`);
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  process.stderr.write(`healthcheck: ${path} unreachable (${error instanceof Error ? error.message : String(error)})\n`);
  process.exit(1);
}
