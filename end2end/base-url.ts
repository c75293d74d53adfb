/** Where the browser tests reach Keycard: the address end2end/run serves on. */
export const BASE_URL = process.env.KEYCARD_BASE_URL ?? "http://127.0.0.1:3000";

/** The same server under another of its loopback names, e.g. `localhost`. */
export function atHost(hostname: string): string {
  const url = new URL(BASE_URL);
  url.hostname = hostname;
  return url.origin;
}

/** Where the browser tests reach the example app (examples/notes) that embeds Keycard. */
export const NOTES_URL = process.env.NOTES_BASE_URL ?? "http://127.0.0.1:3100";
