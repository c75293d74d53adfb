import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

import {
  PASSWORD,
  expect,
  expectNoViolations,
  hydrated,
  logIn,
  test,
  uniqueName,
} from "./helpers";

// The server under test has no SMTP settings, as `make run`: its letters are .eml
// files in the outbox beside its database (`make e2e` puts that in target/e2e).
const OUTBOX = process.env.KEYCARD_OUTBOX ?? path.resolve("../target/e2e/outbox");
const NEW_PASSWORD = "a brand new passphrase";

/** The link to `linkPath` in the newest letter to `address`, if one has arrived. */
function findLink(address: string, linkPath: string): string | null {
  const letters = readdirSync(OUTBOX)
    .filter((name) => name.endsWith(".eml"))
    .map((name) => path.join(OUTBOX, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const letter of letters) {
    const raw = readFileSync(letter, "utf8");
    const headers = raw.split(/\r?\n\r?\n/)[0];
    if (!headers.split(/\r?\n/).some((line) => line === `To: ${address}`)) continue;
    // Undo quoted-printable: soft line breaks, and the `=` of `?token=`.
    const text = raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
    const found = text.match(new RegExp(`https?://[^\\s"<>]+${linkPath}\\?token=[0-9a-f]{64}`));
    if (found) return found[0];
  }
  return null;
}

/** Waits for the link to `linkPath` mailed to `address`. */
async function mailedLink(address: string, linkPath: string): Promise<string> {
  await expect.poll(() => findLink(address, linkPath), { timeout: 15_000 }).not.toBeNull();
  return findLink(address, linkPath) as string;
}

for (const javaScript of [true, false]) {
  test.describe(javaScript ? "with JavaScript" : "with JavaScript disabled", () => {
    test.use({ javaScriptEnabled: javaScript });

    test("a forgotten password is reset from the mailed link, and the reset signs in", async ({
      browser,
      page,
      baseURL,
    }) => {
      const username = uniqueName(javaScript ? "reset" : "plainreset");
      const address = `${username}@example.com`;
      await page.goto("/register");
      if (javaScript) await hydrated(page);
      await page.getByLabel("Username", { exact: true }).fill(username);
      await page.getByLabel("Email").fill(address);
      await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
      await page.getByLabel("Confirm password", { exact: true }).fill(PASSWORD);
      await page.getByRole("button", { name: "Create account" }).click();
      await expect(page).toHaveURL(/\/profile$/);
      await expect(page.getByText("Not verified")).toBeVisible();

      // Opening the link changes nothing; the button verifies the address.
      await page.goto(await mailedLink(address, "/verify-email"));
      if (javaScript) await hydrated(page);
      await page.getByRole("button", { name: "Verify email" }).click();
      await expect(page.getByRole("status")).toHaveText("Your email address is verified.");

      // Another browser, which has forgotten the password.
      const context = await browser.newContext({ baseURL, javaScriptEnabled: javaScript });
      const other = await context.newPage();
      await other.goto("/login");
      if (javaScript) await hydrated(other);
      await other.getByRole("link", { name: "Forgot your password?" }).click();
      await expect(other).toHaveURL(/\/forgot-password$/);
      if (javaScript) await hydrated(other);
      await other.getByLabel("Username or email").fill(address);
      await other.getByRole("button", { name: "Send the link" }).click();
      await expect(other.getByRole("status")).toContainText(
        "If an account with a verified email matches, we sent a link",
      );

      const link = await mailedLink(address, "/reset-password");
      await other.goto(link);
      // The token left the address bar for a cookie before the page showed.
      await expect(other).toHaveURL(/\/reset-password$/);
      if (javaScript) {
        await hydrated(other);
        // axe runs as a script in the page, so only where scripts may run.
        await expectNoViolations(other, "the reset form");
      }
      await other.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
      await other.getByLabel("Confirm new password", { exact: true }).fill("not the same one");
      await other.getByRole("button", { name: "Set new password" }).click();
      await expect(other.getByRole("alert")).toHaveText("Passwords do not match");
      await other.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
      await other.getByLabel("Confirm new password", { exact: true }).fill(NEW_PASSWORD);
      await other.getByRole("button", { name: "Set new password" }).click();
      await expect(other).toHaveURL(/\/profile\?password_reset=1$/);
      await expect(other.getByRole("heading", { level: 1, name: username })).toBeVisible();
      await expect(other.getByRole("status")).toContainText("Your password has been reset");

      // The first browser was signed out, and the link is spent.
      await page.goto("/profile");
      await expect(page).toHaveURL(/\/login\?next=%2Fprofile$/);
      await other.goto(link);
      await expect(other.getByRole("alert")).toHaveText("This link is invalid or has expired");
      await logIn(page, username, NEW_PASSWORD, { javaScript });
      await expect(page).toHaveURL(/\/profile$/);
      await expect(page.getByText("Verified", { exact: true })).toBeVisible();
      await context.close();
    });
  });
}
