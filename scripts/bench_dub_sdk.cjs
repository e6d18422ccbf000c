// Dub's own TypeScript SDK (npm "dub") creating partners against the same loopback server as the
// partnerkit CLI, for scripts/bench-throughput.sh. Not part of the build.
//
//   NODE_PATH=<dir>/node_modules NODE_EXTRA_CA_CERTS=ca.pem node scripts/bench_dub_sdk.cjs URL N CONCURRENCY
//
// N creates, CONCURRENCY in flight (a pool of async workers, as a careful user would write it); the
// SDK's defaults otherwise (it retries nothing by default). Prints one line: ok, failed, seconds, req/s.
const { Dub } = require("dub");

async function main() {
  const [url, nText, cText] = process.argv.slice(2);
  const n = Number(nText || 5000);
  const concurrency = Number(cText || 64);
  const dub = new Dub({ token: "dub_bench_0000000000000000000000", serverURL: url });
  let next = 0, ok = 0, failed = 0, firstError = "";
  const t0 = process.hrtime.bigint();
  async function worker() {
    while (next < n) {
      const i = next++;
      try {
        const p = await dub.partners.create({
          name: `Bench Partner ${i}`,
          email: `p${i}@bench.example`,
          username: `partner-${i}`,
          tenantId: `crm-${i}`,
          country: "US",
        });
        if (p.email === `p${i}@bench.example`) ok++;
        else failed++;
      } catch (e) {
        failed++;
        if (!firstError) firstError = String(e && e.message ? e.message : e).slice(0, 300);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`dub-sdk: ok ${ok}, failed ${failed}, ${s.toFixed(3)} s, ${(n / s).toFixed(0)} requests/s` +
              (firstError ? `, first error: ${firstError}` : ""));
  process.exitCode = failed ? 1 : 0;
}
main();
