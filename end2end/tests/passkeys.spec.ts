import { type CDPSession, type Page } from "@playwright/test";

import { atHost } from "../base-url";
import {
  PASSWORD,
  expect,
  expectNoViolations,
  hydrated,
  logIn,
  signUp,
  test,
  uniqueName,
} from "./helpers";

// WebAuthn needs a domain name: at http://127.0.0.1 the browser refuses the RP ID, at
// http://localhost it is a secure context. Keycard's default RP ID is "localhost".
const SITE = atHost("localhost");

/**
 * Chromium's virtual authenticator, as a platform authenticator that stores
 * discoverable credentials and verifies the user (a fingerprint, say) on every use.
 */
async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

async function logOut(page: Page): Promise<void> {
  await page.goto(`${SITE}/profile`);
  await hydrated(page);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login\?logged_out=1$/);
}

async function signInWithPasskey(page: Page): Promise<void> {
  await page.goto(`${SITE}/login`);
  await hydrated(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
}

test.use({ baseURL: SITE });

test("a passkey is added with the password, signs in with no password, and stops once removed", async ({
  page,
}) => {
  const { cdp, id } = await virtualAuthenticator(page);
  const username = uniqueName("passkey");
  await signUp(page, username);
  await page.getByRole("link", { name: "Passkeys" }).click();
  await expect(page).toHaveURL(/\/passkeys$/);
  await hydrated(page);
  await expect(page.getByText("You have no passkeys yet.")).toBeVisible();

  await page.getByLabel("Name", { exact: true }).fill("Laptop");
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.getByRole("alert")).toHaveText("Password is incorrect");
  await page.getByLabel("Name", { exact: true }).fill("Laptop");
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.getByRole("status")).toHaveText("Passkey added.");
  await expect(page.getByRole("heading", { level: 2, name: "Laptop" })).toBeVisible();
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId: id });
  expect(credentials).toHaveLength(1);
  expect(credentials[0].isResidentCredential).toBe(true);
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await expectNoViolations(page, `/passkeys with a passkey (${colorScheme})`);
  }

  await logOut(page);
  await signInWithPasskey(page);
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole("heading", { level: 1, name: username })).toBeVisible();
  await page.goto(`${SITE}/passkeys`);
  await expect(page.locator(".passkey .details")).not.toContainText("Never");

  // Removing a passkey signs out the sessions it signed in, this one too: remove it from
  // a session the password signed in.
  await logOut(page);
  await logIn(page, username, PASSWORD);
  await expect(page).toHaveURL(/\/profile$/);
  await page.goto(`${SITE}/passkeys`);
  await hydrated(page);
  await page.getByRole("button", { name: "Remove" }).click();
  await expect(page.getByRole("status")).toHaveText(
    "The passkey was removed, and every session it signed in was signed out.",
  );
  await expect(page.getByText("You have no passkeys yet.")).toBeVisible();
  await page.goto(`${SITE}/activity`);
  await expect(page.getByText("Passkey added")).toBeVisible();
  await expect(page.getByText("Passkey removed")).toBeVisible();

  // The authenticator still holds the credential; Keycard no longer accepts it.
  await logOut(page);
  await signInWithPasskey(page);
  await expect(page.getByRole("alert")).toContainText("That passkey was not accepted");
  await expect(page).toHaveURL(/\/login$/);
});

test.describe("with JavaScript disabled", () => {
  test.use({ javaScriptEnabled: false });

  test("the login page offers no passkey button and password sign-in works as before", async ({
    page,
  }) => {
    const username = uniqueName("nopasskey");
    await signUp(page, username, { javaScript: false });
    await page.goto(`${SITE}/passkeys`);
    await expect(page.getByText("Adding a passkey needs JavaScript.")).toBeVisible();
    await page.goto(`${SITE}/profile`);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.goto(`${SITE}/login`);
    await expect(page.getByRole("button", { name: "Sign in with a passkey" })).toHaveCount(0);
    await logIn(page, username, PASSWORD, { javaScript: false });
    await expect(page).toHaveURL(/\/profile$/);
  });
});
