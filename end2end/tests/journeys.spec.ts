import { PASSWORD, expect, hydrated, logIn, signUp, test, uniqueName } from "./helpers";

const SESSION_COOKIE = "__Host-keycard_session";

test("sign up then see the profile, without a full page reload", async ({ page }) => {
  const username = uniqueName("ada");
  await page.goto("/register");
  await hydrated(page);
  await page.evaluate(() => ((window as any).keycardSamePage = true));
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("Email (optional)").fill("ada@example.com");
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();

  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole("heading", { level: 1, name: username })).toBeVisible();
  await expect(page.getByText("ada@example.com")).toBeVisible();
  await expect(page.getByText("active", { exact: true })).toBeVisible();
  expect(await page.evaluate(() => (window as any).keycardSamePage)).toBe(true);
});

test("a page reached in the page starts at its top, with the focus on its heading", async ({ page }) => {
  // A phone's screen: the profile's links run below the fold.
  await page.setViewportSize({ width: 390, height: 500 });
  await signUp(page, uniqueName("top"));
  await hydrated(page);
  await page.evaluate(() => ((window as any).keycardSamePage = true));
  const link = page.getByRole("link", { name: "Delete account" });
  await link.scrollIntoViewIfNeeded();
  expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0);

  await link.click();
  await expect(page).toHaveURL(/\/delete-account$/);
  await expect(page.getByRole("heading", { level: 1, name: "Delete account" })).toBeFocused();
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
  expect(await page.evaluate(() => (window as any).keycardSamePage)).toBe(true);
});

test("log out then /profile redirects to login", async ({ page }) => {
  await signUp(page, uniqueName("grace"));
  await hydrated(page);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login\?logged_out=1$/);
  await expect(page.getByRole("status")).toHaveText("You are logged out");

  await page.goto("/profile");
  await expect(page).toHaveURL(/\/login\?next=%2Fprofile$/);
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
});

test("Back after logging out shows no profile", async ({ page }) => {
  const username = uniqueName("back");
  await signUp(page, username);
  await hydrated(page);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login\?logged_out=1$/);

  await page.goBack();
  await expect(page).toHaveURL(/\/login\?next=%2Fprofile$/);
  await expect(page.getByRole("heading", { name: username })).toHaveCount(0);
});

test("log in with a wrong password shows the error and a pending state", async ({ page }) => {
  const username = uniqueName("edsger");
  await signUp(page, username);
  await page.context().clearCookies();

  // Hold the request back a little, so the pending state can be seen.
  await page.route("**/api/login", async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 600));
    await route.continue();
  });
  await logIn(page, username, "not the password");
  await expect(page.getByRole("button", { name: "Logging in…" })).toBeDisabled();
  await expect(page.getByRole("alert")).toHaveText("Invalid username or password");
  await expect(page.getByLabel("Username", { exact: true })).toHaveValue(username);
  await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");
  await expect(page).toHaveURL(/\/login$/);
});

test("a taken username shows the error", async ({ page }) => {
  const username = uniqueName("linus");
  await signUp(page, username);
  await page.context().clearCookies();

  await page.goto("/register");
  await hydrated(page);
  await page.getByLabel("Username", { exact: true }).fill(username.toUpperCase());
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("alert")).toHaveText("That username is taken");
  await expect(page.getByLabel("Username", { exact: true })).toHaveAttribute("aria-invalid", "true");
});

test("a revoked token's cookie, set again by hand after logout, is refused", async ({ page, context }) => {
  await signUp(page, uniqueName("barbara"));
  const stolen = (await context.cookies()).find((cookie) => cookie.name === SESSION_COOKIE);
  expect(stolen).toBeDefined();

  await hydrated(page);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login\?logged_out=1$/);
  expect((await context.cookies()).some((cookie) => cookie.name === SESSION_COOKIE)).toBe(false);

  await context.addCookies([stolen!]);
  await page.goto("/profile");
  await expect(page).toHaveURL(/\/login\?next=%2Fprofile$/);
});

test("the auth cookie is HttpOnly and out of reach of scripts", async ({ page, context }) => {
  await signUp(page, uniqueName("rosalind"));
  const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
  expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/" });
  expect(await page.evaluate(() => document.cookie)).not.toContain("keycard");
});

test("login sends the person back to the page they asked for", async ({ page }) => {
  const username = uniqueName("hedy");
  await signUp(page, username);
  await page.context().clearCookies();
  await page.goto("/profile");
  await expect(page).toHaveURL(/\/login\?next=%2Fprofile$/);
  await hydrated(page);
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/profile$/);
});

test.describe("with JavaScript disabled", () => {
  test.use({ javaScriptEnabled: false });

  const plain = { javaScript: false };

  test("the whole sign-up, login and logout journey works with plain forms", async ({ page }) => {
    const username = uniqueName("nojs");
    await signUp(page, username, plain);

    await page.getByRole("button", { name: "Log out" }).click();
    await expect(page).toHaveURL(/\/login\?logged_out=1$/);
    await expect(page.getByText("You are logged out")).toBeVisible();

    await logIn(page, username, "wrong password", plain);
    await expect(page.getByRole("alert")).toHaveText("Invalid username or password");
    await expect(page.getByLabel("Username", { exact: true })).toHaveValue(username);
    await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");

    await logIn(page, username, PASSWORD, plain);
    await expect(page).toHaveURL(/\/profile$/);
    await expect(page.getByRole("heading", { level: 1, name: username })).toBeVisible();

    await page.goto("/register");
    await page.getByLabel("Username", { exact: true }).fill(uniqueName("short"));
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByLabel("Confirm password", { exact: true }).fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByRole("alert")).toHaveText("Password must be at least 8 characters");
  });
});

test.describe("on a 360 px wide phone", () => {
  test.use({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });

  test("every page fits the screen without sideways scrolling", async ({ page }) => {
    const username = uniqueName("phone");
    await signUp(page, username);
    for (const path of ["/profile", "/sessions", "/", "/login", "/register"]) {
      await page.goto(path);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
    }
  });
});

test("the CSP is enforced and the pages hydrate under it", async ({ page, cspViolations }) => {
  // Plays an HTML injection: the page arrives with an inline script the server did not
  // write, so it lacks the response's nonce.
  await page.route("**/login", async (route) => {
    const response = await route.fetch();
    const body = (await response.text()).replace(
      "</body>",
      "<script>window.keycardInjected = true</script></body>",
    );
    await route.fulfill({ response, body });
  });
  const response = await page.goto("/login");
  const policy = response?.headers()["content-security-policy"] ?? "";
  expect(policy).toMatch(/script-src 'nonce-[0-9a-f]{32}' 'strict-dynamic' 'wasm-unsafe-eval'/);
  await hydrated(page);
  expect(await page.evaluate(() => (window as any).keycardInjected)).toBeUndefined();
  await expect.poll(() => cspViolations.length).toBeGreaterThan(0);
  cspViolations.length = 0;
  await page.unroute("**/login");

  await signUp(page, uniqueName("csp"));
  await hydrated(page);
});
