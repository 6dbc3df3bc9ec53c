/** HTML run report render time, 200,000 attempts against 20,000, each size in its own process. */
import { inChild, ratioLine, scaled, section } from "./harness.js";

export async function benchReport(): Promise<void> {
  const small = scaled(20_000, 1000);
  const large = small * 10;
  type Result = { renderMs: number; jsonMs: number; bytes: number };
  const a = await inChild<Result>("report", "report", { count: small, repeats: 3 });
  const b = await inChild<Result>("report", "report", { count: large, repeats: 3 }, { deadlineMs: 300_000 });
  const n = (v: number) => v.toLocaleString("en");
  section("HTML run report (median of 3)", [
    ratioLine(`${n(large)} attempts / ${n(small)} attempts, over the 10 that linear would give`, b.renderMs / a.renderMs / 10, 1.3, `${b.renderMs.toFixed(0)} ms vs ${a.renderMs.toFixed(0)} ms`),
    `   for reference, JSON.stringify of the same records: ${(b.jsonMs / a.jsonMs).toFixed(2)} for 10x; rendering ${n(large)} costs ${(b.renderMs / b.jsonMs).toFixed(1)} x stringifying them; report ${(b.bytes / 1024 ** 2).toFixed(1)} MiB`,
  ]);
}
