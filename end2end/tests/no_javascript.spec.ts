import { expect, signUp, test, uniqueName } from "./helpers";

// With JavaScript off, what the server sent is all there is: every page must arrive
// whole, never with a "loading" text that only a script could replace.
test.use({ javaScriptEnabled: false });

const plain = { javaScript: false };
const PLACEHOLDERS = /Checking your session|Loading/;

test("every page arrives complete, signed out and signed in", async ({ page }) => {
  const signedOut: [string, RegExp][] = [
    ["/", /Sign up[\s\S]*Log in/],
    ["/login", /Log in[\s\S]*Username[\s\S]*Password/],
    ["/register", /Create account[\s\S]*Confirm password/],
    ["/no-such-page", /Page not found/],
  ];
  for (const [path, content] of signedOut) {
    const response = await page.goto(path);
    const sent = (await response?.text()) ?? "";
    expect(sent, `${path} as sent`).not.toMatch(PLACEHOLDERS);
    await expect(page.locator("main"), path).toHaveText(content);
  }

  const username = uniqueName("whole");
  await signUp(page, username, plain);
  const signedIn: [string, RegExp][] = [
    ["/", new RegExp(`Signed in as ${username}[\\s\\S]*Profile[\\s\\S]*Log out`)],
    ["/profile", new RegExp(`${username}[\\s\\S]*Member since[\\s\\S]*Log out`)],
    ["/sessions", /Sessions[\s\S]*This device[\s\S]*Last active/],
    ["/activity", /Activity[\s\S]*Signed in[\s\S]*Account created/],
    ["/password", /Change password[\s\S]*Current password[\s\S]*Confirm new password/],
    ["/delete-account", /Delete account[\s\S]*Password/],
  ];
  // Several loads each: the fault this guards against showed in about one load of two.
  for (let load = 0; load < 10; load += 1) {
    for (const [path, content] of signedIn) {
      const response = await page.goto(path);
      const sent = (await response?.text()) ?? "";
      expect(sent, `${path} as sent`).not.toMatch(PLACEHOLDERS);
      await expect(page.locator("main"), path).toHaveText(content);
    }
  }
  await page.goto("/");
  await expect(page.getByRole("link", { name: "Profile" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Log out" })).toBeVisible();
});

test("every page's header says who is signed in, and its menu logs out", async ({ page }) => {
  // What the server sent, not what a script could have moved into place since.
  const header = async (path: string): Promise<string> => {
    const sent = (await (await page.goto(path))?.text()) ?? "";
    return sent.split("<header")[1]?.split("</header>")[0] ?? "";
  };
  for (const path of ["/", "/login", "/register", "/forgot-password", "/no-such-page"]) {
    expect(await header(path), path).toMatch(/>Log in<[\s\S]*>Sign up</);
  }

  const username = uniqueName("header");
  await signUp(page, username, plain);
  for (const path of ["/", "/profile", "/password", "/email", "/delete-account", "/no-such-page"]) {
    expect(await header(path), path).toContain(`<strong>${username}</strong>`);
  }
  const menu = page.getByRole("navigation", { name: "Account" });
  await menu.getByText(`Signed in as ${username}`).click();
  await menu.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login\?logged_out=1$/);
  expect(await header("/profile")).toMatch(/>Log in<[\s\S]*>Sign up</);
});
