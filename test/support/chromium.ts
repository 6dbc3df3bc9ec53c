/**
 * Debian's headless Chromium, driven by playwright-core (which downloads no browser of its own).
 * scripts/chromium/install.sh installs it. The flags are those that worked on this kind of machine:
 * without the background-networking ones Chromium keeps opening connections a closed network
 * refuses; as root it needs --no-sandbox. Playwright gives each launch a fresh temporary profile.
 */
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.TASKFIT_CHROMIUM ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
